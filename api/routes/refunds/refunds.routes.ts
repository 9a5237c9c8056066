import { createRoute, z } from "@hono/zod-openapi";
import { isAddress } from "viem";
import { refundStatuses } from "../../db/schema.js";
import { queryInteger } from "../../lib/query-integer.js";
import { authErrors, errorResponses, jsonContent, postErrors } from "../../http/openapi.js";
import { idempotencyKeyParameter } from "../../middlewares/idempotency.js";
import { requiresScope } from "../../middlewares/require-scope.js";
import { CLAIM_DESTINATION } from "../../refunds/create.js";
import { refundSchema } from "../../refunds/views.js";

const tags = ["Refunds"];

export const createRefundBody = z
  .strictObject({
    amount: z
      .string()
      .max(100)
      .regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/, 'must be a positive decimal number in plain notation, such as "12.50"')
      .openapi({ description: "Decimal string in token units; with the order's other open and succeeded refunds, at most what it received.", example: "5" }),
    reason: z
      .string()
      .min(1)
      .max(500)
      .regex(/^[^\x00-\x1f\x7f-\x9f]+$/, "must not contain control characters")
      .openapi({ example: "Customer returned the item" }),
    destination: z
      .string()
      .refine(
        (value) => value === CLAIM_DESTINATION || isAddress(value, { strict: true }),
        'must be a 0x address of 40 hex digits, checksummed or all lower case, or "claim"',
      )
      .optional()
      .openapi({
        description:
          'Where the tokens go. Default: the wallet that paid the order through the router. `"claim"`: the customer enters the address ' +
          "through the refund's `claimUrl` (for a payer that cannot receive, such as an exchange); the refund is payable only once they have " +
          "(`refund.destination_set`).",
        examples: ["0x1111111111111111111111111111111111111111", "claim"],
      }),
  })
  .openapi("CreateRefundRequest");

const orderIdParams = z.object({
  orderId: z.string().openapi({ param: { name: "orderId", in: "path" }, example: "ord_01JD3S6X2V8Q0000000000000" }),
});
const refundIdParams = z.object({
  refundId: z.string().openapi({ param: { name: "refundId", in: "path" }, example: "rfd_01JD3S6X2V8Q0000000000000" }),
});

export const createRefund = createRoute({
  operationId: "createRefund",
  method: "post",
  path: "/v1/orders/{orderId}/refunds",
  tags,
  ...requiresScope("refunds:write"),
  summary: "Refund all or part of what an order received, from your own wallet",
  description:
    "Records the refund (`pending`) and returns the exact transaction your payout wallet sends through the RefundRouter; " +
    "it becomes `submitted` when the indexer sees it and `succeeded` when confirmed. Your wallet pays the gas.",
  parameters: [idempotencyKeyParameter],
  request: { params: orderIdParams, body: { required: true, content: { "application/json": { schema: createRefundBody } } } },
  responses: { 201: jsonContent(refundSchema, "The new refund"), ...errorResponses(404), ...postErrors },
});

const REFUND_STATUSES = new Set<string>(refundStatuses);

export const listRefundsQuery = z.object({
  orderId: z.string().optional(),
  status: z
    .string()
    .refine((value) => value.split(",").every((s) => REFUND_STATUSES.has(s)), `must be one or more of ${refundStatuses.join(", ")}, comma separated`)
    .transform((value) => value.split(",") as (typeof refundStatuses)[number][])
    .optional()
    .openapi({ param: { name: "status", in: "query" }, example: "pending,submitted" }),
  limit: queryInteger({ min: 1, max: 100 }).default(20),
  cursor: z.string().regex(/^rfd_[0-9A-Z]{26}$/, "must be a nextCursor from an earlier page").optional(),
});

export const listRefunds = createRoute({
  operationId: "listRefunds",
  method: "get",
  path: "/v1/refunds",
  tags,
  ...requiresScope("refunds:read"),
  summary: "List refunds, newest first",
  request: { query: listRefundsQuery },
  responses: {
    200: jsonContent(z.object({ data: z.array(refundSchema), nextCursor: z.string().nullable() }).openapi("RefundPage"), "A page of refunds"),
    ...errorResponses(422),
    ...authErrors,
  },
});

export const getRefund = createRoute({
  operationId: "getRefund",
  method: "get",
  path: "/v1/refunds/{refundId}",
  tags,
  ...requiresScope("refunds:read"),
  summary: "Get a refund",
  request: { params: refundIdParams },
  responses: { 200: jsonContent(refundSchema, "The refund"), ...errorResponses(404, 422), ...authErrors },
});

export const cancelRefund = createRoute({
  operationId: "cancelRefund",
  method: "post",
  path: "/v1/refunds/{refundId}/cancel",
  tags,
  ...requiresScope("refunds:write"),
  summary: "Cancel a pending refund (one not sent yet)",
  parameters: [idempotencyKeyParameter],
  request: { params: refundIdParams },
  responses: { 200: jsonContent(refundSchema, "The cancelled refund"), ...errorResponses(404), ...postErrors },
});

export const recordRefundTransactionBody = z
  .strictObject({
    txHash: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, "must be a transaction hash: 0x and 64 hex digits")
      .openapi({ description: "The transaction that paid the refund, mined on the order's chain.", example: `0x${"ab".repeat(32)}` }),
  })
  .openapi("RecordRefundTransactionRequest");

export const recordRefundTransaction = createRoute({
  operationId: "recordRefundTransaction",
  method: "post",
  path: "/v1/refunds/{refundId}/transaction",
  tags,
  ...requiresScope("refunds:write"),
  summary: "Record a refund you sent another way (a plain transfer, a Safe) by its transaction hash",
  description:
    "Reads the transaction's receipt on the order's chain (the API's `RPC_URL_<chainId>`) and records it only if it pays the refund: " +
    "it succeeded and moved the refund's amount of the order's token from your payout wallet to the destination (a plain `Transfer`, or the refund's " +
    "`RefundSent`). The refund becomes `submitted`, then `succeeded` at the order's confirmations; a reorg that drops the transaction sends it back to " +
    "`pending` until it is mined again. A transaction your payout wallet sent that reverted makes the refund `failed`. Anything else is a 422 whose code " +
    "names the reason (`tx_not_found`, `tx_reverted`, `tx_is_another_refund`, `tx_wrong_token`, `tx_no_token_transfer`, `tx_wrong_sender`, " +
    "`tx_wrong_destination`, `tx_wrong_amount`); a transaction already recorded for another refund is 409 `refund_tx_already_used`.",
  parameters: [idempotencyKeyParameter],
  request: { params: refundIdParams, body: { required: true, content: { "application/json": { schema: recordRefundTransactionBody } } } },
  responses: { 200: jsonContent(refundSchema, "The refund on its transaction"), ...errorResponses(404, 503), ...postErrors },
});
