/**
 * The review queue of payments the confirmer could not match to an order. A person either attaches one to an order
 * (it is credited as a normal payment: the order's status is re-derived and the usual event is written) or
 * dismisses it with a note. Attaching is refused unless the money provably reached that order's wallet: same chain,
 * router, token and payout address, and the log is final (at or below the confirmer's settled block).
 */
import { and, desc, eq, isNotNull, isNull, sql, type SQL } from "drizzle-orm";
import type { Database, Queryable } from "../../db/client.js";
import { confirmerCursors, orders, payments, unmatchedPayments } from "../../db/schema.js";
import { loadHeads } from "../../orders/reads.js";
import { updateOrder } from "../../orders/updates.js";
import { ApiError, notFound } from "../../lib/errors.js";
import { newId } from "../../lib/ids.js";
import { notifyOutbox } from "../../webhooks/outbox-signal.js";
import { formatAmount } from "../../lib/amount.js";

export type UnmatchedRow = typeof unmatchedPayments.$inferSelect;

/** The unmatched payments a merchant may see: pointing at one of its orders, or paid to one of its payout addresses. */
export const visibleTo = (merchantId: string): SQL =>
  sql`(exists (select 1 from ${orders} where ${orders.id} = ${unmatchedPayments.orderId} and ${orders.merchantId} = ${merchantId})
    or lower(${unmatchedPayments.merchantAddress}) in (select lower(address) from stablegate.payout_addresses where merchant_id = ${merchantId}))`;

export async function listUnmatched(db: Queryable, { merchantId, resolved = false }: { merchantId?: string; resolved?: boolean }) {
  const conditions: SQL[] = [resolved ? isNotNull(unmatchedPayments.resolvedAt) : isNull(unmatchedPayments.resolvedAt)];
  if (merchantId !== undefined) conditions.push(visibleTo(merchantId));
  return db.select().from(unmatchedPayments).where(and(...conditions)).orderBy(desc(unmatchedPayments.id)).limit(200);
}

async function lockOpen(db: Queryable, unmatchedId: string, merchantId: string | undefined): Promise<UnmatchedRow> {
  const conditions: SQL[] = [eq(unmatchedPayments.id, unmatchedId)];
  if (merchantId !== undefined) conditions.push(visibleTo(merchantId));
  const [row] = await db.select().from(unmatchedPayments).where(and(...conditions)).for("update");
  if (!row) throw notFound("Unmatched payment");
  if (row.resolvedAt) throw new ApiError(409, "already_resolved", `This payment was already ${row.resolution} on ${row.resolvedAt.toISOString()}`);
  return row;
}

const refuse = (reason: string) => new ApiError(422, "cannot_attach", `Cannot attach: ${reason}`, { details: [{ field: "orderId", in: "body", message: reason }] });
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

async function checkAttachable(tx: Queryable, row: UnmatchedRow, order: typeof orders.$inferSelect) {
  if (row.revertedAt) throw refuse("a reorg removed this payment");
  if (order.chainId !== row.chainId) throw refuse(`the payment is on chain ${row.chainId}, the order on chain ${order.chainId}`);
  if (!same(order.routerAddress, row.routerAddress)) throw refuse("the payment went through another router than the order's");
  if (!same(order.tokenAddress, row.tokenAddress)) throw refuse("the payment is in another token than the order's; resolve it with a note instead");
  if (!same(order.payoutAddress, row.merchantAddress)) throw refuse("the payment went to another wallet than the order's payout address");
  const [cursor] = await tx.select({ settled: confirmerCursors.settledBlock }).from(confirmerCursors).where(eq(confirmerCursors.chainId, row.chainId));
  if (!cursor || cursor.settled < row.blockNumber) throw refuse("the payment is not final yet; try again when it has its confirmations");
}

export type AttachResult = { order: { id: string; statusBefore: string; statusAfter: string; receivedBefore: string; receivedAfter: string }; paymentId: string; events: string[] };

export async function attachUnmatched(
  db: Database,
  { unmatchedId, orderId, merchantId, userId, note, now, publicBaseUrl }: { unmatchedId: string; orderId: string; merchantId: string; userId: string; note: string; now: Date; publicBaseUrl: string },
): Promise<AttachResult> {
  const ctx = { publicBaseUrl, heads: await loadHeads(db) };
  const result = await db.transaction(async (tx) => {
    const row = await lockOpen(tx, unmatchedId, merchantId);
    const [order] = await tx.select().from(orders).where(and(eq(orders.id, orderId), eq(orders.merchantId, merchantId)));
    if (!order) throw refuse(`no order ${orderId} at this merchant`);
    await checkAttachable(tx, row, order);
    const { id: _unused, reason: _reason, orderId: _ref, createdAt: _created, revertedAt: _reverted, resolution: _r, attachedOrderId: _a, resolutionNote: _n, resolvedBy: _b, resolvedAt: _t, ...facts } = row;
    const paymentId = newId("pay", now.getTime());
    await tx.insert(payments).values({ id: paymentId, orderId, merchantId, ...facts, state: "confirmed", createdAt: now, confirmedAt: now });
    const update = await updateOrder(tx, orderId, { now, ctx });
    await tx
      .update(unmatchedPayments)
      .set({ resolution: "attached", attachedOrderId: orderId, resolutionNote: note || null, resolvedBy: userId, resolvedAt: now })
      .where(eq(unmatchedPayments.id, row.id));
    const fmt = (units: bigint) => formatAmount(units, order.tokenDecimals);
    return {
      order: { id: orderId, statusBefore: order.status, statusAfter: update.order.status, receivedBefore: fmt(order.amountReceived), receivedAfter: fmt(update.order.amountReceived) },
      paymentId,
      events: update.events.map((e) => e.type),
    };
  });
  notifyOutbox();
  return result;
}

export async function dismissUnmatched(
  db: Database,
  { unmatchedId, merchantId, userId, note, now }: { unmatchedId: string; merchantId?: string; userId: string; note: string; now: Date },
): Promise<UnmatchedRow> {
  if (!note.trim()) throw new ApiError(422, "validation_failed", "note: say why this payment needs no credit", { details: [{ field: "note", in: "body", message: "is required" }] });
  return db.transaction(async (tx) => {
    const row = await lockOpen(tx, unmatchedId, merchantId);
    const [updated] = await tx
      .update(unmatchedPayments)
      .set({ resolution: "dismissed", resolutionNote: note.trim().slice(0, 1000), resolvedBy: userId, resolvedAt: now })
      .where(eq(unmatchedPayments.id, row.id))
      .returning();
    return updated!;
  });
}
