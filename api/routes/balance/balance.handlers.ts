import type { RouteHandler } from "@hono/zod-openapi";
import { and, eq, inArray, sql } from "drizzle-orm";
import { orders, payments } from "../../db/schema.js";
import { formatAmount } from "../../lib/amount.js";
import type { AppEnv } from "../../http/context.js";
import type * as routes from "./balance.routes.js";

export const getBalance: RouteHandler<typeof routes.getBalance, AppEnv> = async (c) => {
  const { db } = c.get("deps");
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
    .where(and(eq(payments.merchantId, c.get("merchant").id), inArray(payments.state, ["confirmed", "confirming"])))
    .groupBy(payments.chainId, orders.tokenSymbol, orders.tokenAddress, orders.tokenDecimals)
    .orderBy(payments.chainId, orders.tokenSymbol);
  return c.json(
    {
      balances: rows.map((row) => ({
        chainId: row.chainId,
        symbol: row.symbol,
        tokenAddress: row.tokenAddress,
        decimals: row.decimals,
        received: formatAmount(BigInt(row.received), row.decimals),
        confirming: formatAmount(BigInt(row.confirming), row.decimals),
      })),
    },
    200,
  );
};
