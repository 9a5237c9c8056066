/**
 * Writing status changes: every change of an order's status is made inside a transaction that holds the order's
 * row lock and writes, in the same transaction, the event rows that describe it (the webhook outbox).
 */
import { and, eq, inArray, lte } from "drizzle-orm";
import type { Database, Transaction } from "../db/client.js";
import { orders } from "../db/schema.js";
import { notifyOutbox } from "../webhooks/outbox-signal.js";
import { notifyOrderChanges } from "./changes.js";
import { OrderBatch, type OrderUpdate } from "./order-batch.js";
import type { PaymentRow, ViewContext } from "./views.js";

export type { OrderUpdate } from "./order-batch.js";

/**
 * Re-derives an order's status from its terms, its payments and the time; writes the status, the confirmed
 * amount and the events the change calls for. `reverted` is a payment a reorg just removed: it gets its own
 * `payment.reverted` event. `confirmed` is a payment just confirmed: if the order was already complete without it
 * (a stranger's dust, a second transfer), it gets its own `payment.received` event and the status stays.
 * One order's case of `OrderBatch` (order-batch.ts), which the confirmer uses for many at once.
 */
export async function updateOrder(
  tx: Transaction,
  orderId: string,
  { now, ctx, reverted, confirmed }: { now: Date; ctx: ViewContext; reverted?: PaymentRow; confirmed?: string },
): Promise<OrderUpdate> {
  const batch = new OrderBatch({ now, ctx });
  await batch.hold(tx, { ids: [orderId] });
  const update = batch.update(orderId, { reverted, confirmed });
  await batch.write(tx);
  return update;
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
