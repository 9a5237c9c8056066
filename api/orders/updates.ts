/**
 * Writing status changes: every change of an order's status is made inside a transaction that holds the order's
 * row lock and writes, in the same transaction, the event rows that describe it (the webhook outbox).
 */
import { and, eq, inArray, lte } from "drizzle-orm";
import type { Database, Transaction } from "../db/client.js";
import { events, orders, type OrderStatus } from "../db/schema.js";
import { newId } from "../lib/ids.js";
import { enqueueDeliveries } from "../webhooks/fan-out.js";
import { notifyOutbox } from "../webhooks/outbox-signal.js";
import { eventData, type OrderEventType } from "./events.js";
import { orderPayments } from "./reads.js";
import { confirmedAmount, deriveStatus, isExtraPayment, statusEvent } from "./status.js";
import type { OrderRow, PaymentRow, ViewContext } from "./views.js";
import { notifyOrderChanges } from "./changes.js";

export type OrderUpdate = { order: OrderRow; from: OrderStatus; events: { id: string; type: OrderEventType }[] };

/**
 * Re-derives an order's status from its terms, its payments and the time; writes the status, the confirmed
 * amount and the events the change calls for. `reverted` is a payment a reorg just removed: it gets its own
 * `payment.reverted` event. `confirmed` is a payment just confirmed: if the order was already complete without it
 * (a stranger's dust, a second transfer), it gets its own `payment.received` event and the status stays.
 */
export async function updateOrder(
  tx: Transaction,
  orderId: string,
  { now, ctx, reverted, confirmed }: { now: Date; ctx: ViewContext; reverted?: PaymentRow; confirmed?: string },
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
  const extra = confirmed ? paymentRows.find((p) => p.id === confirmed) : undefined;
  if (extra && isExtraPayment(order, paymentRows, extra)) types.push("payment.received");

  const written: OrderUpdate["events"] = [];
  for (const type of types) {
    const id = newId("evt", now.getTime());
    const payment = type === "payment.reverted" ? reverted : type === "payment.received" ? extra : undefined;
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

/** Moves every `pending` or `underpaid` order whose expiry has passed to `expired`; returns how many moved. */
export async function expireDueOrders(db: Database, { now, ctx, batch = 200 }: { now: Date; ctx: ViewContext; batch?: number }) {
  const due = await db
    .select({ id: orders.id })
    .from(orders)
    .where(and(inArray(orders.status, ["pending", "underpaid"]), lte(orders.expiresAt, now)))
    .limit(batch);
  const changed: string[] = [];
  for (const { id } of due) {
    const update = await db.transaction((tx) => updateOrder(tx, id, { now, ctx }));
    if (update.order.status !== update.from) changed.push(id);
  }
  const expired = changed.length;
  if (expired > 0) {
    notifyOutbox();
    notifyOrderChanges(changed);
  }
  return expired;
}
