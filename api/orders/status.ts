/**
 * The order state machine as pure functions: an order's status follows from its terms, the payments credited to it
 * and the time. Nothing here touches the database, so the rules can be property-tested on their own.
 *
 * - `pending`: nothing received yet, still payable.
 * - `confirming`: a payment has been seen and is waiting for its confirmations (and the order is not paid yet).
 * - `paid` / `overpaid`: confirmed payments add up to the amount (within the under/overpayment tolerance) / more.
 * - `underpaid`: confirmed payments add up to less than the amount; still payable (a top-up) until expiry.
 * - `expired`: the expiry passed while `pending` or `underpaid`.
 * - `paid_late`: a confirmed payment arrived after the expiry (by its block time) or after a cancel: money reached
 *   the merchant but the order had closed; `amountReceived` says how much, the merchant decides (fulfil or refund).
 * - `cancelled`: the merchant cancelled a `pending` order.
 *
 * A payment removed by a reorg before it was confirmed is `reverted`: it stops counting and the order goes back.
 * Confirmed payments never revert (that is what the confirmations are for), so once an order is `paid`,
 * `overpaid` or `paid_late` it stays in that group.
 */
import type { OrderStatus, PaymentState } from "../db/schema.js";
import type { OrderEventType } from "./events.js";

export type OrderTerms = {
  amount: bigint;
  underpaymentToleranceBps: number;
  overpaymentToleranceBps: number;
  expiresAt: Date;
  cancelledAt: Date | null;
};

export type CreditedPayment = {
  amount: bigint;
  state: PaymentState;
  /** The time of the block the payment is in: whether it was late is the chain's say, not ours. */
  blockTimestamp: Date;
};

export const PAID_STATUSES: readonly OrderStatus[] = ["paid", "overpaid", "paid_late"];
const BPS = 10_000n;

/** Confirmed payments add up to at least this: paid. */
export function lowestAccepted(terms: OrderTerms): bigint {
  return terms.amount - (terms.amount * BigInt(terms.underpaymentToleranceBps)) / BPS;
}

/** Confirmed payments add up to more than this: overpaid. */
export function highestAccepted(terms: OrderTerms): bigint {
  return terms.amount + (terms.amount * BigInt(terms.overpaymentToleranceBps)) / BPS;
}

export function isLate(terms: OrderTerms, payment: CreditedPayment): boolean {
  return terms.cancelledAt !== null || payment.blockTimestamp.getTime() > terms.expiresAt.getTime();
}

/** Sum of the confirmed payments: what `amountReceived` reports. */
export function confirmedAmount(payments: readonly CreditedPayment[]): bigint {
  return payments.reduce((sum, p) => (p.state === "confirmed" ? sum + p.amount : sum), 0n);
}

export function deriveStatus(terms: OrderTerms, payments: readonly CreditedPayment[], now: Date): OrderStatus {
  const live = payments.filter((p) => p.state !== "reverted");
  const confirmed = live.filter((p) => p.state === "confirmed");
  const received = confirmedAmount(confirmed);

  if (confirmed.some((p) => isLate(terms, p))) return "paid_late";
  // Nothing received is never paid, whatever the tolerance says.
  if (received > 0n && received >= lowestAccepted(terms)) return received > highestAccepted(terms) ? "overpaid" : "paid";
  if (live.length > confirmed.length) return "confirming";
  if (terms.cancelledAt !== null) return "cancelled";
  if (now.getTime() >= terms.expiresAt.getTime()) return "expired";
  return received > 0n ? "underpaid" : "pending";
}

/**
 * The event a status change announces; none for a return to `pending` (the `payment.reverted` event that
 * caused it says so).
 */
export function statusEvent(from: OrderStatus, to: OrderStatus): OrderEventType | null {
  if (from === to || to === "pending") return null;
  return `order.${to}`;
}

/** Only a `pending` order can be cancelled: once money is on its way the merchant has to deal with it. */
export function canCancel(status: OrderStatus): boolean {
  return status === "pending";
}
