/**
 * The order state machine as pure functions: an order's status follows from its terms, the payments credited to it
 * and the time. Nothing here touches the database, so the rules can be property-tested on their own.
 *
 * - `pending`: nothing received yet, still payable.
 * - `confirming`: a payment has been seen and is waiting for its confirmations (and the order is not paid yet).
 * - `paid` / `overpaid`: the payments that completed the order add up to the amount (within the under/overpayment
 *   tolerance) / to more than the amount plus the overpayment tolerance. The completing payments are the confirmed
 *   ones, in the order they were confirmed, up to and including the one that brought the sum to the accepted amount.
 * - `underpaid`: confirmed payments add up to less than the amount; still payable (a top-up) until expiry.
 * - `expired`: the expiry passed while `pending` or `underpaid`.
 * - `paid_late`: a confirmed payment arrived after the expiry (by its block time) or after a cancel: money reached
 *   the merchant but the order had closed; `amountReceived` says how much, the merchant decides (fulfil or refund).
 * - `cancelled`: the merchant cancelled a `pending` order.
 *
 * Once an order is complete, later payments (a stranger's dust on the public orderRef, a second transfer) are extras:
 * recorded, counted in `amountReceived` and announced with `payment.received`, but they never change the status, so a
 * `paid` order does not become `overpaid` or `paid_late` afterwards.
 *
 * A payment removed by a reorg is `reverted`: it stops counting and the order goes back. Before its confirmations that
 * is what confirmations are for; after them (a reorg deeper than the confirmations) it is an incident the merchant and
 * operator hear about. Short of that, once an order is `paid`, `overpaid` or `paid_late` it stays exactly so.
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
  /** When the gateway counted it (null until confirmed): what came first, completed the order. */
  confirmedAt: Date | null;
  /** Its place on the chain: the order among payments counted at the same moment. */
  blockNumber: bigint;
  logIndex: number;
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

/** Confirmed payments in the order they were counted (chain order among those counted at the same moment). */
function inCountedOrder<P extends CreditedPayment>(payments: readonly P[]): P[] {
  const time = (p: P) => p.confirmedAt?.getTime() ?? Number.POSITIVE_INFINITY;
  return payments
    .filter((p) => p.state === "confirmed")
    .sort((a, b) => time(a) - time(b) || (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
}

/**
 * The payments that completed the order: confirmed ones in the order they were counted, up to and including the one
 * that brought the sum to the accepted amount; `null` while they do not add up to it. Any later one is an extra.
 */
export function completingPayments<P extends CreditedPayment>(terms: OrderTerms, payments: readonly P[]): P[] | null {
  const completing: P[] = [];
  let sum = 0n;
  for (const payment of inCountedOrder(payments)) {
    completing.push(payment);
    sum += payment.amount;
    if (sum >= lowestAccepted(terms)) return completing;
  }
  return null;
}

/** A confirmed payment that arrived after the order was complete: recorded and announced, status unchanged. */
export function isExtraPayment<P extends CreditedPayment>(terms: OrderTerms, payments: readonly P[], payment: P): boolean {
  const completing = completingPayments(terms, payments);
  return payment.state === "confirmed" && completing !== null && !completing.includes(payment);
}

export function deriveStatus(terms: OrderTerms, payments: readonly CreditedPayment[], now: Date): OrderStatus {
  const live = payments.filter((p) => p.state !== "reverted");
  const confirmed = live.filter((p) => p.state === "confirmed");
  const completing = completingPayments(terms, confirmed);

  // Nothing received is never paid, whatever the tolerance says.
  if (completing && confirmedAmount(completing) > 0n) {
    if (completing.some((p) => isLate(terms, p))) return "paid_late";
    return confirmedAmount(completing) > highestAccepted(terms) ? "overpaid" : "paid";
  }
  const received = confirmedAmount(confirmed);
  if (confirmed.some((p) => isLate(terms, p))) return "paid_late";
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
