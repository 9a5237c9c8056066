import { createRoute, z } from "@hono/zod-openapi";
import { authErrors, jsonContent } from "../../http/openapi.js";
import { tokenSchema } from "../../orders/views.js";

export const chainSchema = z
  .object({
    chainId: z.number().int(),
    name: z.string(),
    router: z.string().openapi({ description: "The PaymentRouter: every order's toAddress on this chain." }),
    confirmations: z.number().int().openapi({ description: "Confirmations your payments need on this chain." }),
    payoutAddress: z.string().nullable().openapi({ description: "Your payout wallet here; null: orders on this chain are refused." }),
    tokens: z.array(tokenSchema.extend({ name: z.string(), permit: z.boolean() })),
  })
  .openapi("Chain");

export const listChains = createRoute({
  operationId: "listChains",
  method: "get",
  path: "/v1/chains",
  tags: ["Chains"],
  security: [{ bearerAuth: [] }], // any key, restricted or not: what the gateway accepts is no secret
  summary: "The chains and tokens you can create orders for",
  responses: { 200: jsonContent(z.object({ chains: z.array(chainSchema) }), "Accepted chains"), ...authErrors },
});
