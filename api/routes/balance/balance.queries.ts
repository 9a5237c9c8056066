/**
 * What a merchant has received and refunded (succeeded refunds), per chain and token: the balance route and the
 * console's finance page share it. A refund needs a received payment, so every refunded token has a row.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Queryable } from "../../db/client.js";
import { orders, payments, refunds } from "../../db/schema.js";

export type BalanceRow = { chainId: number; symbol: string; tokenAddress: string; decimals: number; received: bigint; confirming: bigint; refunded: bigint };

export async function merchantBalances(db: Queryable, merchantId: string): Promise<BalanceRow[]> {
  const rows = await db
    .select({
      chainId: payments.chainId,
      symbol: orders.tokenSymbol,
      tokenAddress: orders.tokenAddress,
      decimals: orders.tokenDecimals,
      // numeric sums stay exact; read as text so no float is ever involved
      received: sql<string>`coalesce(sum(${payments.amount}) filter (where ${payments.state} = 'confirmed'), 0)::text`,
      confirming: sql<string>`coalesce(sum(${payments.amount}) filter (where ${payments.state} = 'confirming'), 0)::text`,
    })
    .from(payments)
    .innerJoin(orders, eq(orders.id, payments.orderId))
    .where(and(eq(payments.merchantId, merchantId), inArray(payments.state, ["confirmed", "confirming"])))
    .groupBy(payments.chainId, orders.tokenSymbol, orders.tokenAddress, orders.tokenDecimals)
    .orderBy(payments.chainId, orders.tokenSymbol);
  const refunded = await db
    .select({ orderChainId: orders.chainId, tokenAddress: orders.tokenAddress, total: sql<string>`coalesce(sum(${refunds.amount}), 0)::text` })
    .from(refunds)
    .innerJoin(orders, eq(orders.id, refunds.orderId))
    .where(and(eq(refunds.merchantId, merchantId), eq(refunds.status, "succeeded")))
    .groupBy(orders.chainId, orders.tokenAddress);
  const refundedOf = new Map(refunded.map((row) => [`${row.orderChainId}:${row.tokenAddress.toLowerCase()}`, BigInt(row.total)]));
  return rows.map((row) => ({
    ...row,
    received: BigInt(row.received),
    confirming: BigInt(row.confirming),
    refunded: refundedOf.get(`${row.chainId}:${row.tokenAddress.toLowerCase()}`) ?? 0n,
  }));
}
