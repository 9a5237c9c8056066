/** What a merchant has received, per chain and token: the balance route and the console's finance page share it. */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Queryable } from "../../db/client.js";
import { orders, payments } from "../../db/schema.js";

export type BalanceRow = { chainId: number; symbol: string; tokenAddress: string; decimals: number; received: bigint; confirming: bigint };

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
  return rows.map((row) => ({ ...row, received: BigInt(row.received), confirming: BigInt(row.confirming) }));
}
