import type { RouteHandler } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { payoutAddresses } from "../../db/schema.js";
import type { AppEnv } from "../../http/context.js";
import type * as routes from "./chains.routes.js";

export const listChains: RouteHandler<typeof routes.listChains, AppEnv> = async (c) => {
  const { db, chains } = c.get("deps");
  const merchant = c.get("merchant");
  const payouts = await db.select().from(payoutAddresses).where(eq(payoutAddresses.merchantId, merchant.id));
  return c.json(
    {
      chains: chains.list().map((chain) => ({
        chainId: chain.chainId,
        name: chain.name,
        router: chain.router,
        confirmations: merchant.confirmations[String(chain.chainId)] ?? chain.confirmations,
        payoutAddress: payouts.find((p) => p.chainId === chain.chainId)?.address ?? null,
        tokens: chain.tokens,
      })),
    },
    200,
  );
};
