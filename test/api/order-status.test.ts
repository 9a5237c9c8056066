import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canCancel,
  completingPayments,
  confirmedAmount,
  deriveStatus,
  highestAccepted,
  isExtraPayment,
  lowestAccepted,
  PAID_STATUSES,
  statusEvent,
  type CreditedPayment,
  type OrderTerms,
} from "../../api/orders/status.js";
import { orderStatuses, type OrderStatus } from "../../api/db/schema.js";

const T0 = new Date("2030-01-01T00:00:00Z").getTime();
const EXPIRES = T0 + 30 * 60_000;

const termsArb = fc.record({
  amount: fc.bigInt({ min: 1n, max: 10n ** 24n }),
  underpaymentToleranceBps: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 500 })),
  overpaymentToleranceBps: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 500 })),
  expiresAt: fc.constant(new Date(EXPIRES)),
  cancelledAt: fc.constant(null),
});

/** Payments at distinct places on the chain (block = position in the array), confirmed at any moment. */
const paymentsArb = (amount: bigint, maxLength: number) =>
  fc
    .array(
      fc.record({
        amount: fc.bigInt({ min: 1n, max: amount * 2n }),
        state: fc.constantFrom("confirming", "confirmed", "reverted") as fc.Arbitrary<CreditedPayment["state"]>,
        blockTimestamp: fc.integer({ min: T0, max: EXPIRES + 60 * 60_000 }).map((t) => new Date(t)),
        countedAt: fc.integer({ min: T0, max: EXPIRES + 60 * 60_000 }),
      }),
      { maxLength },
    )
    .map((payments) =>
      payments.map(({ countedAt, ...p }, i): CreditedPayment => ({
        ...p,
        confirmedAt: p.state === "confirmed" ? new Date(countedAt) : null,
        blockNumber: BigInt(i + 1),
        logIndex: 0,
      })),
    );

/** A confirmed payment at block `blockNumber`, on time, counted then. */
const counted = (amount: bigint, blockNumber: number, blockTimestamp = new Date(T0)): CreditedPayment => ({
  amount,
  state: "confirmed",
  blockTimestamp,
  confirmedAt: new Date(blockTimestamp.getTime() + blockNumber),
  blockNumber: BigInt(blockNumber),
  logIndex: 0,
});

type Action =
  | { kind: "pay"; amount: bigint; late: boolean }
  | { kind: "confirm"; index: number }
  | { kind: "revert"; index: number }
  | { kind: "wait"; ms: number }
  | { kind: "cancel" };

const actionArb = (amount: bigint): fc.Arbitrary<Action> =>
  fc.oneof(
    fc.record({
      kind: fc.constant("pay" as const),
      amount: fc.oneof(fc.constant(amount), fc.bigInt({ min: 1n, max: amount }), fc.bigInt({ min: 1n, max: amount * 2n })),
      late: fc.boolean(),
    }),
    fc.record({ kind: fc.constant("confirm" as const), index: fc.nat(20) }),
    fc.record({ kind: fc.constant("revert" as const), index: fc.nat(20) }),
    fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 20 * 60_000 }) }),
    fc.record({ kind: fc.constant("cancel" as const) }),
  );

const paid = (status: OrderStatus) => PAID_STATUSES.includes(status);

describe("order state machine", () => {
  it("follows only legal transitions through any sequence of payments, confirmations, reorgs, time and cancels", () => {
    fc.assert(
      fc.property(
        termsArb.chain((terms) => fc.tuple(fc.constant(terms), fc.array(actionArb(terms.amount), { maxLength: 30 }))),
        ([initial, actions]) => {
          let terms: OrderTerms = initial;
          const payments: CreditedPayment[] = [];
          let now = T0;
          let status = deriveStatus(terms, payments, new Date(now));
          expect(status).toBe("pending");
          let received = 0n;
          let wasCancelled = false;

          for (const action of actions) {
            const before = status;
            if (action.kind === "pay") {
              // A block is never from the future: a late payment is one mined after the expiry.
              const stamp = action.late ? Math.max(now, EXPIRES + 1) : Math.min(now, EXPIRES);
              if (!action.late || stamp >= now) now = Math.max(now, stamp);
              payments.push({
                amount: action.amount,
                state: "confirming",
                blockTimestamp: new Date(stamp),
                confirmedAt: null,
                blockNumber: BigInt(payments.length + 1),
                logIndex: 0,
              });
            } else if (action.kind === "confirm" || action.kind === "revert") {
              const waiting = payments.filter((p) => p.state === "confirming");
              const target = waiting[action.index % Math.max(waiting.length, 1)];
              if (target && action.kind === "revert") target.state = "reverted";
              if (target && action.kind === "confirm") {
                now += 1; // each confirmation is its own moment
                Object.assign(target, { state: "confirmed", confirmedAt: new Date(now) });
              }
            } else if (action.kind === "wait") {
              now += action.ms;
            } else if (canCancel(status)) {
              terms = { ...terms, cancelledAt: new Date(now) };
            }
            status = deriveStatus(terms, payments, new Date(now));

            expect(orderStatuses).toContain(status);
            // Confirmed money never goes away, so a paid order stays paid.
            const total = confirmedAmount(payments);
            expect(total).toBeGreaterThanOrEqual(received);
            received = total;
            // A paid order stays exactly as it is: later payments (dust, a second transfer) are extras.
            if (paid(before)) expect(status).toBe(before);
            // Cancelling is the only way into `cancelled`, and only from `pending` (a reverted payment may lead back).
            if (status === "cancelled") expect(terms.cancelledAt).not.toBeNull();
            if (status === "cancelled" && !wasCancelled) {
              expect(action.kind).toBe("cancel");
              expect(before).toBe("pending");
              wasCancelled = true;
            }
            // Paid and overpaid are about the payments that completed the order, not the extras after them.
            const completed = confirmedAmount(completingPayments(terms, payments) ?? []);
            if (status === "paid") {
              expect(completed).toBeGreaterThanOrEqual(lowestAccepted(terms));
              expect(completed).toBeLessThanOrEqual(highestAccepted(terms));
            }
            if (status === "overpaid") expect(completed).toBeGreaterThan(highestAccepted(terms));
            if (status === "underpaid") expect(total).toBeLessThan(lowestAccepted(terms));
            if (status === "pending" || status === "expired" || status === "cancelled") {
              expect(payments.some((p) => p.state === "confirming")).toBe(false);
            }
            if (status === "confirming") expect(payments.some((p) => p.state === "confirming")).toBe(true);
            if (status === "expired") expect(now).toBeGreaterThanOrEqual(EXPIRES);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("adds payments up in any order", () => {
    fc.assert(
      fc.property(
        termsArb.chain((terms) => fc.tuple(fc.constant(terms), paymentsArb(terms.amount, 8), fc.integer({ min: T0, max: EXPIRES * 2 }))),
        ([terms, payments, now]) => {
          const reversed = [...payments].reverse();
          expect(deriveStatus(terms, reversed, new Date(now))).toBe(deriveStatus(terms, payments, new Date(now)));
        },
      ),
    );
  });

  it("ignores reverted payments entirely", () => {
    fc.assert(
      fc.property(
        termsArb.chain((terms) =>
          fc.tuple(fc.constant(terms), paymentsArb(terms.amount, 6), paymentsArb(terms.amount, 4)),
        ),
        ([terms, payments, extra]) => {
          const reverted = extra.map((p) => ({ ...p, state: "reverted" as const, blockNumber: p.blockNumber + 100n }));
          const now = new Date(T0 + 60_000);
          expect(deriveStatus(terms, [...payments, ...reverted], now)).toBe(deriveStatus(terms, payments, now));
        },
      ),
    );
  });

  it("on-time confirmed parts that add up to the amount make it paid; less underpaid; more overpaid", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 2n, max: 10n ** 20n }), fc.array(fc.bigInt({ min: 1n, max: 10n ** 6n }), { minLength: 1, maxLength: 5 }), (amount, weights) => {
        const terms: OrderTerms = { amount, underpaymentToleranceBps: 0, overpaymentToleranceBps: 0, expiresAt: new Date(EXPIRES), cancelledAt: null };
        const sum = weights.reduce((a, b) => a + b, 0n);
        const parts = weights.map((w) => (amount * w) / sum);
        parts[0]! += amount - parts.reduce((a, b) => a + b, 0n);
        const now = new Date(T0 + 1000);
        const exact = parts.filter((p) => p > 0n).map((p, i) => counted(p, i + 1));
        expect(deriveStatus(terms, exact, now)).toBe("paid");
        // One more unit inside the payments that complete it: overpaid. The same unit after completion: an extra.
        const last = exact.length - 1;
        const over = exact.map((p, i) => (i === last ? { ...p, amount: p.amount + 1n } : p));
        expect(deriveStatus(terms, over, now)).toBe("overpaid");
        expect(deriveStatus(terms, [...exact, counted(1n, exact.length + 1)], now)).toBe("paid");
        expect(deriveStatus(terms, [counted(amount - 1n, 1)], now)).toBe("underpaid");
        expect(deriveStatus(terms, [counted(amount - 1n, 1)], new Date(EXPIRES))).toBe("expired");
      }),
    );
  });

  it("never calls an order with nothing confirmed paid, whatever tolerance its terms hold", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 24n }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(fc.record({ amount: fc.bigInt({ min: 1n, max: 10n ** 24n }), state: fc.constantFrom("confirming", "reverted") as fc.Arbitrary<CreditedPayment["state"]> }), { maxLength: 3 }),
        fc.integer({ min: T0, max: EXPIRES + 60_000 }),
        (amount, underpaymentToleranceBps, unconfirmed, now) => {
          const terms: OrderTerms = { amount, underpaymentToleranceBps, overpaymentToleranceBps: 0, expiresAt: new Date(EXPIRES), cancelledAt: null };
          const payments = unconfirmed.map((p, i) => ({ ...p, blockTimestamp: new Date(T0), confirmedAt: null, blockNumber: 1n, logIndex: i }));
          expect(PAID_STATUSES).not.toContain(deriveStatus(terms, payments, new Date(now)));
        },
      ),
    );
  });

  it("applies the tolerances in basis points", () => {
    const terms: OrderTerms = { amount: 10_000n, underpaymentToleranceBps: 100, overpaymentToleranceBps: 50, expiresAt: new Date(EXPIRES), cancelledAt: null };
    const pay = (amount: bigint): CreditedPayment[] => [counted(amount, 1)];
    const now = new Date(T0);
    expect(deriveStatus(terms, pay(9_900n), now)).toBe("paid");
    expect(deriveStatus(terms, pay(9_899n), now)).toBe("underpaid");
    expect(deriveStatus(terms, pay(10_050n), now)).toBe("paid");
    expect(deriveStatus(terms, pay(10_051n), now)).toBe("overpaid");
  });

  it("calls a confirmed payment mined after the expiry, or to a cancelled order, paid_late", () => {
    const terms: OrderTerms = { amount: 100n, underpaymentToleranceBps: 0, overpaymentToleranceBps: 0, expiresAt: new Date(EXPIRES), cancelledAt: null };
    const late: CreditedPayment = counted(100n, 1, new Date(EXPIRES + 1000));
    expect(deriveStatus(terms, [late], new Date(EXPIRES + 2000))).toBe("paid_late");
    expect(deriveStatus(terms, [{ ...late, state: "confirming" }], new Date(EXPIRES + 2000))).toBe("confirming");
    const cancelled = { ...terms, cancelledAt: new Date(T0 + 1) };
    expect(deriveStatus(cancelled, [], new Date(T0 + 2))).toBe("cancelled");
    expect(deriveStatus(cancelled, [{ ...late, blockTimestamp: new Date(T0) }], new Date(T0 + 2))).toBe("paid_late");
    // On time by its block, even if the confirmer saw it only after the expiry: paid.
    expect(deriveStatus(terms, [{ ...late, blockTimestamp: new Date(EXPIRES - 1) }], new Date(EXPIRES + 60_000))).toBe("paid");
  });

  it("records a payment after the order was paid on time as an extra: dust never makes it overpaid or paid_late", () => {
    const terms: OrderTerms = { amount: 10_000_000n, underpaymentToleranceBps: 0, overpaymentToleranceBps: 0, expiresAt: new Date(EXPIRES), cancelledAt: null };
    const paid = counted(10_000_000n, 1);
    const dust = counted(1n, 2);
    const lateDust = counted(1n, 3, new Date(EXPIRES + 60_000));
    expect(deriveStatus(terms, [paid, dust], new Date(T0 + 1000))).toBe("paid");
    expect(deriveStatus(terms, [paid, dust, lateDust], new Date(EXPIRES + 120_000))).toBe("paid");
    expect(isExtraPayment(terms, [paid, dust, lateDust], dust)).toBe(true);
    expect(isExtraPayment(terms, [paid, dust, lateDust], paid)).toBe(false);
    // Counted first, the dust is part of what completed the order (and took it over the amount).
    const early = { ...dust, confirmedAt: new Date(T0 - 1) };
    expect(deriveStatus(terms, [paid, early], new Date(T0 + 1000))).toBe("overpaid");
    // Not complete yet: a top-up is no extra, and a late one makes the order paid_late.
    const part = counted(4_000_000n, 1);
    const topUp = counted(6_000_000n, 2);
    expect(isExtraPayment(terms, [part, topUp], topUp)).toBe(false);
    expect(deriveStatus(terms, [part, counted(6_000_000n, 2, new Date(EXPIRES + 1))], new Date(EXPIRES + 2))).toBe("paid_late");
  });

  it("announces every change but a return to pending", () => {
    for (const from of orderStatuses) {
      for (const to of orderStatuses) {
        const type = statusEvent(from, to);
        if (from === to || to === "pending") expect(type).toBeNull();
        else expect(type).toBe(`order.${to}`);
      }
    }
  });
});
