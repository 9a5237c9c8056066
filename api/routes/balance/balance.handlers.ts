import type { RouteHandler } from "@hono/zod-openapi";
import { formatAmount } from "../../lib/amount.js";
import type { AppEnv } from "../../http/context.js";
import { merchantBalances } from "./balance.queries.js";
import type * as routes from "./balance.routes.js";

export const getBalance: RouteHandler<typeof routes.getBalance, AppEnv> = async (c) => {
  const rows = await merchantBalances(c.get("deps").db, c.get("merchant").id);
  return c.json(
    {
      balances: rows.map((row) => ({
        chainId: row.chainId,
        symbol: row.symbol,
        tokenAddress: row.tokenAddress,
        decimals: row.decimals,
        received: formatAmount(row.received, row.decimals),
        confirming: formatAmount(row.confirming, row.decimals),
        refunded: formatAmount(row.refunded, row.decimals),
        net: formatAmount(row.received - row.refunded, row.decimals),
      })),
    },
    200,
  );
};
