import { createRoute, z } from "@hono/zod-openapi";
import { authErrors, jsonContent } from "../../http/openapi.js";
import { requiresScope } from "../../middlewares/require-scope.js";
import { decimalString } from "../../orders/views.js";

export const balanceSchema = z
  .object({
    balances: z.array(
      z.object({
        chainId: z.number().int(),
        symbol: z.string(),
        tokenAddress: z.string(),
        decimals: z.number().int(),
        received: decimalString("Confirmed payments into your wallet through the gateway."),
        confirming: decimalString("Seen, still waiting for confirmations.", "0"),
        refunded: decimalString("Succeeded refunds, sent back from your wallet.", "0"),
        net: decimalString("received minus refunded."),
      }),
    ),
  })
  .openapi("Balance");

export const getBalance = createRoute({
  operationId: "getBalance",
  method: "get",
  path: "/v1/balance",
  tags: ["Balance"],
  ...requiresScope("payments:read"),
  summary: "Totals received, refunded and net per chain and token",
  description:
    "Stablegate holds no funds: these are the totals of the payments the gateway credited, which went straight to your payout wallets, and of the refunds your wallets sent back.",
  responses: { 200: jsonContent(balanceSchema, "Totals per chain and token"), ...authErrors },
});
