import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canCancel,
  confirmedAmount,
  deriveStatus,
  highestAccepted,
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

const paymentArb = (amount: bigint) =>
  fc.record({
    amount: fc.bigInt({ min: 1n, max: amount * 2n }),
    state: fc.constantFrom("confirming", "confirmed", "reverted") as fc.Arbitrary<CreditedPayment["state"]>,
    blockTimestamp: fc.integer({ min: T0, max: EXPIRES + 60 * 60_000 }).map((t) => new Date(t)),
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
              payments.push({ amount: action.amount, state: "confirming", blockTimestamp: new Date(stamp) });
            } else if (action.kind === "confirm" || action.kind === "revert") {
              const waiting = payments.filter((p) => p.state === "confirming");
              const target = waiting[action.index % Math.max(waiting.length, 1)];
              if (target) target.state = action.kind === "confirm" ? "confirmed" : "reverted";
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
            if (paid(before)) expect(paid(status)).toBe(true);
            // Cancelling is the only way into `cancelled`, and only from `pending` (a reverted payment may lead back).
            if (status === "cancelled") expect(terms.cancelledAt).not.toBeNull();
            if (status === "cancelled" && !wasCancelled) {
              expect(action.kind).toBe("cancel");
              expect(before).toBe("pending");
              wasCancelled = true;
            }
            if (status === "paid") {
              expect(total).toBeGreaterThanOrEqual(lowestAccepted(terms));
              expect(total).toBeLessThanOrEqual(highestAccepted(terms));
            }
            if (status === "overpaid") expect(total).toBeGreaterThan(highestAccepted(terms));
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
        termsArb.chain((terms) => fc.tuple(fc.constant(terms), fc.array(paymentArb(terms.amount), { maxLength: 8 }), fc.integer({ min: T0, max: EXPIRES * 2 }))),
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
          fc.tuple(fc.constant(terms), fc.array(paymentArb(terms.amount), { maxLength: 6 }), fc.array(paymentArb(terms.amount), { maxLength: 4 })),
        ),
        ([terms, payments, extra]) => {
          const reverted = extra.map((p) => ({ ...p, state: "reverted" as const }));
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
        const onTime = (value: bigint): CreditedPayment => ({ amount: value, state: "confirmed", blockTimestamp: new Date(T0) });
        const now = new Date(T0 + 1000);
        const exact = parts.filter((p) => p > 0n).map(onTime);
        expect(deriveStatus(terms, exact, now)).toBe("paid");
        expect(deriveStatus(terms, [...exact, onTime(1n)], now)).toBe("overpaid");
        expect(deriveStatus(terms, [onTime(amount - 1n)], now)).toBe("underpaid");
        expect(deriveStatus(terms, [onTime(amount - 1n)], new Date(EXPIRES))).toBe("expired");
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
          const payments = unconfirmed.map((p) => ({ ...p, blockTimestamp: new Date(T0) }));
          expect(PAID_STATUSES).not.toContain(deriveStatus(terms, payments, new Date(now)));
        },
      ),
    );
  });

  it("applies the tolerances in basis points", () => {
    const terms: OrderTerms = { amount: 10_000n, underpaymentToleranceBps: 100, overpaymentToleranceBps: 50, expiresAt: new Date(EXPIRES), cancelledAt: null };
    const pay = (amount: bigint): CreditedPayment[] => [{ amount, state: "confirmed", blockTimestamp: new Date(T0) }];
    const now = new Date(T0);
    expect(deriveStatus(terms, pay(9_900n), now)).toBe("paid");
    expect(deriveStatus(terms, pay(9_899n), now)).toBe("underpaid");
    expect(deriveStatus(terms, pay(10_050n), now)).toBe("paid");
    expect(deriveStatus(terms, pay(10_051n), now)).toBe("overpaid");
  });

  it("calls a confirmed payment mined after the expiry, or to a cancelled order, paid_late", () => {
    const terms: OrderTerms = { amount: 100n, underpaymentToleranceBps: 0, overpaymentToleranceBps: 0, expiresAt: new Date(EXPIRES), cancelledAt: null };
    const late: CreditedPayment = { amount: 100n, state: "confirmed", blockTimestamp: new Date(EXPIRES + 1000) };
    expect(deriveStatus(terms, [late], new Date(EXPIRES + 2000))).toBe("paid_late");
    expect(deriveStatus(terms, [{ ...late, state: "confirming" }], new Date(EXPIRES + 2000))).toBe("confirming");
    const cancelled = { ...terms, cancelledAt: new Date(T0 + 1) };
    expect(deriveStatus(cancelled, [], new Date(T0 + 2))).toBe("cancelled");
    expect(deriveStatus(cancelled, [{ ...late, blockTimestamp: new Date(T0) }], new Date(T0 + 2))).toBe("paid_late");
    // On time by its block, even if the confirmer saw it only after the expiry: paid.
    expect(deriveStatus(terms, [{ ...late, blockTimestamp: new Date(EXPIRES - 1) }], new Date(EXPIRES + 60_000))).toBe("paid");
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
