/**
 * What the refund page and the claim page say about a refund, shared by the server-rendered pages and their
 * scripts so both say the same.
 */
export type RefundStatusName = "pending" | "submitted" | "succeeded" | "failed" | "cancelled";

export type RefundFacts = {
  status: RefundStatusName;
  amount: string;
  token: { symbol: string };
  chain: { name: string };
  destination: string | null;
  awaitingClaim?: boolean;
  failureReason?: string | null;
  transaction?: unknown;
};

/** The merchant can send it: pending, with a destination and a transaction (the chain has a RefundRouter). */
export const sendable = (r: RefundFacts) => r.status === "pending" && r.destination !== null && r.transaction !== null;

export function refundStatusLabel(r: RefundFacts): string {
  if (r.status === "pending") return r.destination ? "Ready to send" : "Waiting for the customer's address";
  return { submitted: "Sent, confirming", succeeded: "Refunded", failed: "Failed", cancelled: "Cancelled" }[r.status];
}

export function refundStatusDetail(r: RefundFacts): string {
  switch (r.status) {
    case "pending":
      return r.destination
        ? `Send it from your payout wallet below: ${r.amount} ${r.token.symbol} go to the customer on ${r.chain.name}.`
        : "Give the customer the claim link below. Once they have entered their address, this page lets you send the refund.";
    case "submitted":
      return "The refund transaction is on chain; waiting for its confirmations. Do not send it again.";
    case "succeeded":
      return `Confirmed: the customer received ${r.amount} ${r.token.symbol}. Nothing more to send.`;
    case "failed":
      return `The refund failed${r.failureReason ? `: ${r.failureReason}` : ""}. Nothing more can be sent from this page.`;
    case "cancelled":
      return "This refund was cancelled. Nothing can be sent from this page.";
  }
}

export function claimStatusLabel(r: RefundFacts): string {
  if (r.status === "pending") return r.destination ? "Address received" : "Enter your address";
  return { submitted: "On its way", succeeded: "Refunded", failed: "Failed", cancelled: "Closed" }[r.status];
}

export function claimStatusDetail(r: RefundFacts): string {
  if (r.status === "cancelled") return "This refund was cancelled, so this link is closed. Contact the merchant if you expected a refund.";
  if (r.status === "failed") return "This refund failed. Contact the merchant.";
  if (r.status === "succeeded") return `The refund of ${r.amount} ${r.token.symbol} has been sent and confirmed.`;
  if (r.status === "submitted") return "The merchant has sent the refund; it is being confirmed on the network.";
  return r.destination
    ? "Thank you. The merchant will send the refund to this address; it cannot be changed here any more."
    : `Enter an address that can receive ${r.token.symbol} on ${r.chain.name}. Type it twice; it cannot be changed afterwards.`;
}
