/**
 * Writing status changes: every change of an order's status is made inside a transaction that holds the order's
 * row lock and writes, in the same transaction, the event rows that describe it (the webhook outbox).
 */
import { and, asc, eq, inArray, lte } from "drizzle-orm";
import type { Database, Queryable, Transaction } from "../db/client.js";
import { confirmerCursors, events, orders, payments, type OrderStatus } from "../db/schema.js";
import { ApiError, notFound } from "../lib/errors.js";
import { newId } from "../lib/ids.js";
import { enqueueDeliveries } from "../webhooks/fan-out.js";
import { notifyOutbox } from "../webhooks/outbox-signal.js";
import { toOrderView, toPaymentView, type OrderRow, type PaymentRow, type ViewContext } from "../lib/order-view.js";
import { canCancel, confirmedAmount, deriveStatus, statusEvent, type OrderEventType } from "./order-status.js";

/** Indexed head per chain as the confirmer last saw it. */
export async function loadHeads(db: Queryable): Promise<Map<number, bigint>> {
  const rows = await db.select({ chainId: confirmerCursors.chainId, head: confirmerCursors.indexedHead }).from(confirmerCursors);
  return new Map(rows.map((row) => [row.chainId, row.head]));
}

export async function orderPayments(db: Queryable, orderId: string): Promise<PaymentRow[]> {
  return db.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(asc(payments.blockNumber), asc(payments.logIndex));
}

/** The event's `data`: the order as it is now, with its payments, and the payment the event is about. */
export function eventData(order: OrderRow, orderPaymentRows: PaymentRow[], ctx: ViewContext, payment?: PaymentRow) {
  return {
    order: { ...toOrderView(order, ctx), payments: orderPaymentRows.map((p) => toPaymentView(p, order, ctx)) },
    ...(payment ? { payment: toPaymentView(payment, order, ctx) } : {}),
  };
}

export type OrderUpdate = { order: OrderRow; from: OrderStatus; events: { id: string; type: OrderEventType }[] };

/**
 * Re-derives an order's status from its terms, its payments and the time; writes the status, the confirmed
 * amount and the events the change calls for. `reverted` is a payment a reorg just removed: it gets its own
 * `payment.reverted` event.
 */
export async function updateOrder(
  tx: Transaction,
  orderId: string,
  { now, ctx, reverted }: { now: Date; ctx: ViewContext; reverted?: PaymentRow },
): Promise<OrderUpdate> {
  const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for("update");
  if (!order) throw new Error(`order ${orderId} vanished`);
  const paymentRows = await orderPayments(tx, orderId);
  const status = deriveStatus(order, paymentRows, now);
  const amountReceived = confirmedAmount(paymentRows);

  let updated: OrderRow = order;
  if (status !== order.status || amountReceived !== order.amountReceived) {
    const [row] = await tx.update(orders).set({ status, amountReceived, updatedAt: now }).where(eq(orders.id, orderId)).returning();
    updated = row!;
  }
  const types: OrderEventType[] = [];
  if (reverted) types.push("payment.reverted");
  const change = statusEvent(order.status, status);
  if (change) types.push(change);

  const written: OrderUpdate["events"] = [];
  for (const type of types) {
    const id = newId("evt", now.getTime());
    const payment = type === "payment.reverted" ? reverted : undefined;
    await tx.insert(events).values({
      id,
      merchantId: order.merchantId,
      type,
      orderId,
      data: eventData(updated, paymentRows, ctx, payment),
      createdAt: now,
    });
    await enqueueDeliveries(tx, { id, merchantId: order.merchantId, type }, { now });
    written.push({ id, type });
  }
  return { order: updated, from: order.status, events: written };
}

/** The merchant cancels a `pending` order. */
export async function cancelOrder(
  db: Database,
  { merchantId, orderId, now, ctx }: { merchantId: string; orderId: string; now: Date; ctx: ViewContext },
): Promise<OrderRow> {
  const result = await db.transaction(async (tx) => {
    const [owned] = await tx
      .select({ id: orders.id })
      .from(orders)
      .where(and(eq(orders.id, orderId), eq(orders.merchantId, merchantId)));
    if (!owned) return null;
    // Bring it up to date first: an order past its expiry is expired, even if the timer has not run yet; that
    // change commits whether or not the cancel goes ahead.
    const current = await updateOrder(tx, orderId, { now, ctx });
    if (!canCancel(current.order.status)) return { cancelled: false as const, order: current.order };
    await tx.update(orders).set({ cancelledAt: now }).where(eq(orders.id, orderId));
    return { cancelled: true as const, order: (await updateOrder(tx, orderId, { now, ctx })).order };
  });
  notifyOutbox();
  if (!result) throw notFound("Order");
  if (!result.cancelled) {
    throw new ApiError(409, "order_not_cancellable", `Only a pending order can be cancelled; this one is ${result.order.status}`);
  }
  return result.order;
}

/** Moves every `pending` or `underpaid` order whose expiry has passed to `expired`; returns how many moved. */
export async function expireDueOrders(db: Database, { now, ctx, batch = 200 }: { now: Date; ctx: ViewContext; batch?: number }) {
  const due = await db
    .select({ id: orders.id })
    .from(orders)
    .where(and(inArray(orders.status, ["pending", "underpaid"]), lte(orders.expiresAt, now)))
    .limit(batch);
  let expired = 0;
  for (const { id } of due) {
    const update = await db.transaction((tx) => updateOrder(tx, id, { now, ctx }));
    if (update.order.status !== update.from) expired += 1;
  }
  if (expired > 0) notifyOutbox();
  return expired;
}
