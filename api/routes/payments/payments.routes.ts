import { createRoute, z } from "@hono/zod-openapi";
import { queryInteger } from "../../lib/query-integer.js";
import { authErrors, errorResponses, jsonContent } from "../../http/openapi.js";
import { requiresScope } from "../../middlewares/require-scope.js";
import { paymentSchema } from "../../orders/views.js";

export const listPaymentsQuery = z.object({
  orderId: z.string().optional(),
  chainId: queryInteger({ min: 1, max: Number.MAX_SAFE_INTEGER }).optional(),
  state: z.enum(["confirming", "confirmed", "reverted"]).optional(),
  limit: queryInteger({ min: 1, max: 100 }).default(20),
  cursor: z.string().regex(/^pay_[0-9A-Z]{26}$/, "must be a nextCursor from an earlier page").optional(),
});

export const listPayments = createRoute({
  operationId: "listPayments",
  method: "get",
  path: "/v1/payments",
  tags: ["Payments"],
  ...requiresScope("payments:read"),
  summary: "Payments credited to your orders, newest first",
  request: { query: listPaymentsQuery },
  responses: {
    200: jsonContent(z.object({ data: z.array(paymentSchema), nextCursor: z.string().nullable() }).openapi("PaymentPage"), "A page of payments"),
    ...errorResponses(422),
    ...authErrors,
  },
});
