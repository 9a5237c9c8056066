/**
 * Finding an order from whatever a customer or colleague has at hand: our id, the merchant's order id, the
 * customer id, a transaction hash, the payer's address (and, once deposit addresses land, the deposit address).
 */
import { and, desc, eq, inArray, or, sql } from "drizzle-orm";
import type { Queryable } from "../../db/client.js";
import { orders, payments } from "../../db/schema.js";

const LIMIT = 50;
export type OrderRow = typeof orders.$inferSelect;

export type SearchKind = "latest" | "order_id" | "tx_hash" | "address" | "text";

export function searchKind(query: string): SearchKind {
  if (query === "") return "latest";
  if (/^ord_[0-9A-Z]{26}$/i.test(query)) return "order_id";
  if (/^0x[0-9a-f]{64}$/i.test(query)) return "tx_hash";
  if (/^0x[0-9a-f]{40}$/i.test(query)) return "address";
  return "text";
}

async function orderIdsByPayment(db: Queryable, merchantId: string, condition: ReturnType<typeof eq>) {
  const rows = await db.select({ orderId: payments.orderId }).from(payments).where(and(eq(payments.merchantId, merchantId), condition)).limit(LIMIT);
  return [...new Set(rows.map((row) => row.orderId))];
}

/** The merchant's orders matching `query`, newest first; never another merchant's. */
export async function searchOrders(db: Queryable, merchantId: string, rawQuery: string): Promise<{ kind: SearchKind; orders: OrderRow[] }> {
  const query = rawQuery.trim().slice(0, 200);
  const kind = searchKind(query);
  const mine = eq(orders.merchantId, merchantId);
  let where;
  if (kind === "latest") where = mine;
  else if (kind === "order_id") where = and(mine, eq(orders.id, `ord_${query.slice(4).toUpperCase()}`));
  else if (kind === "tx_hash") {
    const ids = await orderIdsByPayment(db, merchantId, eq(payments.txHash, query.toLowerCase()));
    where = and(mine, or(eq(orders.orderRef, query.toLowerCase()), ids.length ? inArray(orders.id, ids) : sql`false`));
  } else if (kind === "address") {
    const ids = await orderIdsByPayment(db, merchantId, eq(sql`lower(${payments.payerAddress})`, query.toLowerCase()));
    // Deposit addresses (issue 15) join here: `or(eq(lower(orders.depositAddress), query))`.
    where = and(mine, ids.length ? inArray(orders.id, ids) : sql`false`);
  } else where = and(mine, or(eq(orders.merchantOrderId, query), eq(orders.customerId, query)));
  const rows = await db.select().from(orders).where(where).orderBy(desc(orders.id)).limit(LIMIT);
  return { kind, orders: rows };
}
