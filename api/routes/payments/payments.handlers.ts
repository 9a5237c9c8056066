import type { RouteHandler } from "@hono/zod-openapi";
import { and, desc, eq, lt } from "drizzle-orm";
import { loadHeads } from "../../confirmer/order-updates.js";
import { orders, payments } from "../../db/schema.js";
import type { AppEnv } from "../../lib/context.js";
import { toPaymentView } from "../../lib/order-view.js";
import type * as routes from "./payments.routes.js";

export const listPayments: RouteHandler<typeof routes.listPayments, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const { db, config } = c.get("deps");
  const conditions = [eq(payments.merchantId, c.get("merchant").id)];
  if (q.orderId !== undefined) conditions.push(eq(payments.orderId, q.orderId));
  if (q.chainId !== undefined) conditions.push(eq(payments.chainId, q.chainId));
  if (q.state !== undefined) conditions.push(eq(payments.state, q.state));
  if (q.cursor !== undefined) conditions.push(lt(payments.id, q.cursor));
  const rows = await db
    .select({ payment: payments, order: orders })
    .from(payments)
    .innerJoin(orders, eq(orders.id, payments.orderId))
    .where(and(...conditions))
    .orderBy(desc(payments.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const ctx = { publicBaseUrl: config.publicBaseUrl, heads: await loadHeads(db) };
  return c.json(
    {
      data: page.map((row) => toPaymentView(row.payment, row.order, ctx)),
      nextCursor: rows.length > q.limit ? page.at(-1)!.payment.id : null,
    },
    200,
  );
};
