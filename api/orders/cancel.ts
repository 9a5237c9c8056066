/** The merchant cancels a `pending` order. */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { orders } from "../db/schema.js";
import { notifyOutbox } from "../webhooks/outbox-signal.js";
import { notifyOrderChanges } from "./changes.js";
import { OrderNotCancellableError, OrderNotFoundError } from "./errors.js";
import { canCancel } from "./status.js";
import { updateOrder } from "./updates.js";
import type { OrderRow, ViewContext } from "./views.js";

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
  if (result) notifyOrderChanges([orderId]);
  if (!result) throw new OrderNotFoundError();
  if (!result.cancelled) throw new OrderNotCancellableError(result.order.status);
  return result.order;
}
