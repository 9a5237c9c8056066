/**
 * What the checkout says about an order, shared by the server-rendered page and its script so both say the same:
 * the status line, which amount to show (payable orders: what is still due), and the payments list.
 */
export type OrderStatusName = "pending" | "confirming" | "paid" | "underpaid" | "overpaid" | "expired" | "paid_late" | "cancelled";

export type OrderFacts = {
  status: OrderStatusName;
  amount: string;
  amountReceived: string;
  amountDue: string;
  token: { symbol: string };
  confirmationsRequired: number;
};

/** Statuses in which the customer may still send a payment: the only ones whose page offers ways to pay. */
export const PAYABLE_STATUSES: ReadonlySet<string> = new Set<OrderStatusName>(["pending", "underpaid"]);

export const STATUS_TEXT: Record<OrderStatusName, { label: string; detail: (o: OrderFacts) => string }> = {
  pending: { label: "Waiting for payment", detail: () => "Pay with one of the options below." },
  confirming: {
    label: "Payment seen, confirming",
    detail: (o) =>
      o.confirmationsRequired > 0
        ? `Your payment is on chain; waiting for ${o.confirmationsRequired} confirmation${o.confirmationsRequired === 1 ? "" : "s"} before the merchant counts it. Do not pay again.`
        : "Your payment is on chain and about to be counted. Do not pay again.",
  },
  paid: { label: "Paid", detail: () => "The payment is confirmed. Thank you! There is nothing more to pay." },
  underpaid: {
    label: "Underpaid",
    detail: (o) => `Received ${o.amountReceived} of ${o.amount} ${o.token.symbol}. Pay the remaining ${o.amountDue} ${o.token.symbol} before the order expires, or contact the merchant.`,
  },
  overpaid: {
    label: "Paid (more than asked)",
    detail: (o) => `Received ${o.amountReceived} of ${o.amount} ${o.token.symbol}. There is nothing more to pay; contact the merchant about the difference.`,
  },
  expired: { label: "Expired", detail: () => "This order has expired and can no longer be paid. Do not send a payment for it; go back to the shop to start again." },
  paid_late: {
    label: "Paid after expiry",
    detail: (o) => `${o.amountReceived} ${o.token.symbol} arrived after the order had closed. Do not pay again; the merchant will decide, so contact them if needed.`,
  },
  cancelled: { label: "Cancelled", detail: () => "The merchant cancelled this order. Do not pay it." },
};

export function statusLabel(o: OrderFacts): string {
  return STATUS_TEXT[o.status]?.label ?? o.status;
}

export function statusDetail(o: OrderFacts): string {
  return STATUS_TEXT[o.status]?.detail(o) ?? "";
}

export function amountLabel(o: OrderFacts): string {
  if (o.status === "underpaid") return "Still to pay";
  return PAYABLE_STATUSES.has(o.status) ? "Amount" : "Order amount";
}

/** Payable orders show what is still due; closed ones the order's amount. */
export function shownAmount(o: OrderFacts): string {
  return PAYABLE_STATUSES.has(o.status) ? o.amountDue : o.amount;
}

export function amountNote(o: OrderFacts): string {
  if (o.status === "underpaid") return `Received ${o.amountReceived} of ${o.amount} ${o.token.symbol}: pay only the rest shown here.`;
  return "";
}

/** One payment's line: "3 USDT · confirmed", "3 USDT · 1 of 3 confirmations" (never "3/0"). */
export function paymentText(payment: { amount: string; state: string; confirmations: number }, o: OrderFacts): string {
  const amount = `${payment.amount} ${o.token.symbol}`;
  if (payment.state === "reverted") return `${amount} · removed by a chain reorganisation, not counted`;
  if (payment.state === "confirming" && o.confirmationsRequired > 0) {
    const seen = Math.min(payment.confirmations, o.confirmationsRequired);
    return `${amount} · ${seen} of ${o.confirmationsRequired} confirmations`;
  }
  return `${amount} · ${payment.state}`;
}
