/** Reading refunds as merchants see them; every read is scoped to the calling merchant. */
import { and, desc, eq, inArray, lt } from "drizzle-orm";
import type { Queryable } from "../db/client.js";
import { orders, refunds, type RefundStatus } from "../db/schema.js";
import { cursorPage } from "../lib/pagination.js";
import { RefundNotFoundError } from "./errors.js";
import { refundView, type RefundContext } from "./events.js";

export async function getRefund(db: Queryable, merchantId: string, refundId: string, ctx: RefundContext) {
  const [row] = await db
    .select({ refund: refunds, order: orders })
    .from(refunds)
    .innerJoin(orders, eq(orders.id, refunds.orderId))
    .where(and(eq(refunds.id, refundId), eq(refunds.merchantId, merchantId)));
  if (!row) throw new RefundNotFoundError();
  return refundView(row.refund, row.order, ctx);
}

export type RefundFilter = {
  orderId?: string | undefined;
  status?: RefundStatus[] | undefined;
  cursor?: string | undefined;
  limit: number;
};

/** The merchant's refunds, newest first, one page. */
export async function listRefunds(db: Queryable, merchantId: string, q: RefundFilter, ctx: RefundContext) {
  const conditions = [eq(refunds.merchantId, merchantId)];
  if (q.orderId !== undefined) conditions.push(eq(refunds.orderId, q.orderId));
  if (q.status) conditions.push(inArray(refunds.status, q.status));
  if (q.cursor !== undefined) conditions.push(lt(refunds.id, q.cursor));
  return cursorPage(
    q.limit,
    (take) =>
      db
        .select({ refund: refunds, order: orders })
        .from(refunds)
        .innerJoin(orders, eq(orders.id, refunds.orderId))
        .where(and(...conditions))
        .orderBy(desc(refunds.id))
        .limit(take),
    (row) => row.refund.id,
    (page) => page.map((row) => refundView(row.refund, row.order, ctx)),
  );
}
