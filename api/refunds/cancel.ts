/** The merchant cancels a refund it has not sent: only a `pending` one (a `submitted` one is already on-chain). */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { orders, refunds } from "../db/schema.js";
import { notifyOutbox } from "../webhooks/outbox-signal.js";
import type { OrderRow } from "../orders/views.js";
import { RefundNotCancellableError, RefundNotFoundError } from "./errors.js";
import { writeRefundEvent, type RefundContext } from "./events.js";
import type { RefundRow } from "./views.js";

export async function cancelRefund(
  db: Database,
  { merchantId, refundId, now, ctx }: { merchantId: string; refundId: string; now: Date; ctx: RefundContext },
): Promise<{ refund: RefundRow; order: OrderRow }> {
  const result = await db.transaction(async (tx) => {
    const [found] = await tx
      .select({ orderId: refunds.orderId })
      .from(refunds)
      .where(and(eq(refunds.id, refundId), eq(refunds.merchantId, merchantId)));
    if (!found) throw new RefundNotFoundError();
    // The order's lock first, as creating and confirming refunds take it: one order, one writer at a time.
    const [order] = await tx.select().from(orders).where(eq(orders.id, found.orderId)).for("update");
    const [refund] = await tx.select().from(refunds).where(eq(refunds.id, refundId));
    if (refund!.status !== "pending") throw new RefundNotCancellableError(refund!.status);
    const [cancelled] = await tx
      .update(refunds)
      .set({ status: "cancelled", cancelledAt: now, updatedAt: now })
      .where(eq(refunds.id, refundId))
      .returning();
    await writeRefundEvent(tx, "refund.cancelled", { refund: cancelled!, order: order!, ctx, now });
    return { refund: cancelled!, order: order! };
  });
  notifyOutbox();
  return result;
}
