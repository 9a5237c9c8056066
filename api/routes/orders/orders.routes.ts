import { createRoute, z } from "@hono/zod-openapi";
import { queryInteger } from "../../lib/query-integer.js";
import { orderStatuses, paymentMethods } from "../../db/schema.js";
import { isoDateTime } from "../../lib/datetime.js";
import { authErrors, errorResponses, jsonContent, postErrors } from "../../http/openapi.js";
import { requiresScope } from "../../middlewares/require-scope.js";
import { idempotencyKeyParameter } from "../../middlewares/idempotency.js";
import { MAX_ORDER_LIFETIME_SECONDS } from "../../orders/create.js";
import { decimalString, orderSchema, paymentSchema } from "../../orders/views.js";

const tags = ["Orders"];

const printable = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // The control characters (Unicode Cc) spelled out: a pattern any JSON Schema validator reads the same way.
    .regex(/^[^\x00-\x1f\x7f-\x9f]+$/, "must not contain control characters");

/** Metadata may nest this deep (objects and arrays inside the top-level object). */
const METADATA_MAX_DEPTH = 10;

/** How deeply arrays and objects nest in a parsed JSON value (a scalar is 0); iterative, so any depth is safe. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2048);


export const createOrderBody = z
  .strictObject({
    chainId: z.number().int().positive().openapi({ description: "A chain this gateway accepts (GET /v1/chains).", example: 1 }),
    symbol: z.string().min(1).max(16).openapi({ description: "A token accepted on that chain.", example: "USDT" }),
    amount: z
      .string()
      .max(100)
      .regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/, 'must be a positive decimal number in plain notation, such as "12.50"')
      .openapi({ description: "Decimal string in token units, at most the token's decimals.", example: "12.50" }),
    merchantOrderId: printable(128).openapi({ description: "Your own order id; unique among your orders.", example: "A-1001" }),
    description: z.string().max(500).optional(),
    customerId: printable(128).optional(),
    metadata: z
      .record(z.string().max(64), z.unknown())
      // First, and stopping there: the checks after it serialise the value, which deep nesting would overflow.
      .refine((value) => nestingDepth(value) <= METADATA_MAX_DEPTH, { message: `at most ${METADATA_MAX_DEPTH} levels of nesting`, abort: true })
      .refine((value) => Object.keys(value).length <= 50, "at most 50 keys")
      .refine((value) => JSON.stringify(value).length <= 8192, "at most 8 KiB as JSON")
      .optional()
      .openapi({ description: "Your own JSON object, returned as given.", example: { sku: "T-SHIRT-M" } }),
    expiresIn: z.number().int().min(60).max(MAX_ORDER_LIFETIME_SECONDS).optional().openapi({ description: "Seconds the order stays payable." }),
    expiresAt: isoDateTime()
      .optional()
      .openapi({ description: "When the order stops being payable (instead of expiresIn): 60 s to 7 days from now, like expiresIn." }),
    successUrl: httpUrl.optional().openapi({ description: "Where the checkout sends the customer after paying. Proves nothing: wait for `paid`." }),
    cancelUrl: httpUrl.optional(),
    paymentMethods: z
      .array(z.enum(paymentMethods))
      .min(1)
      .max(paymentMethods.length)
      .refine((methods) => new Set(methods).size === methods.length, "must not repeat a method")
      .optional()
      .openapi({
        description:
          "How this order may be paid: `router` (a wallet calls the PaymentRouter) and/or `transfer` (a plain transfer to the " +
          "order's `depositAddress`). Default: your merchant settings (both, unless changed); a method your settings turn off is refused.",
        example: ["router", "transfer"],
      }),
  })
  .refine((body) => body.expiresIn === undefined || body.expiresAt === undefined, {
    message: "give expiresIn or expiresAt, not both",
    path: ["expiresAt"],
  })
  .openapi("CreateQrOrderRequest");

export const createQrOrder = createRoute({
  operationId: "createQrOrder",
  method: "post",
  path: "/v1/orders",
  tags,
  ...requiresScope("orders:write"),
  summary: "Create an order to be paid by QR code, wallet link or hosted checkout",
  parameters: [idempotencyKeyParameter],
  request: {
    body: { required: true, content: { "application/json": { schema: createOrderBody } } },
  },
  responses: {
    201: jsonContent(orderSchema, "The new order"),
    ...postErrors,
  },
});

const orderIdParams = z.object({
  orderId: z.string().openapi({ param: { name: "orderId", in: "path" }, example: "ord_01JD3S6X2V8Q0000000000000" }),
});

export const getOrder = createRoute({
  operationId: "getOrder",
  method: "get",
  path: "/v1/orders/{orderId}",
  tags,
  ...requiresScope("orders:read"),
  request: { params: orderIdParams },
  summary: "One order",
  responses: { 200: jsonContent(orderSchema, "The order"), ...errorResponses(404, 422), ...authErrors },
});

const isoTime = isoDateTime();
const ORDER_STATUSES = new Set<string>(orderStatuses);

export const listOrdersQuery = z.object({
  status: z
    .string()
    .refine((value) => value.split(",").every((s) => ORDER_STATUSES.has(s)), `must be one or more of ${orderStatuses.join(", ")}, comma separated`)
    .transform((value) => value.split(",") as (typeof orderStatuses)[number][])
    .optional()
    .openapi({ param: { name: "status", in: "query" }, example: "paid,overpaid" }),
  merchantOrderId: z.string().optional(),
  createdFrom: isoTime.optional().openapi({ description: "Created at or after." }),
  createdTo: isoTime.optional().openapi({ description: "Created before." }),
  limit: queryInteger({ min: 1, max: 100 }).default(20),
  cursor: z
    .string()
    .regex(/^ord_[0-9A-Z]{26}$/, "must be a nextCursor from an earlier page")
    .optional()
    .openapi({ description: "The nextCursor of the previous page." }),
});

export const orderPageSchema = z
  .object({
    data: z.array(orderSchema),
    nextCursor: z.string().nullable().openapi({ description: "Pass as cursor for the next page; null on the last one." }),
  })
  .openapi("OrderPage");

export const listOrders = createRoute({
  operationId: "listOrders",
  method: "get",
  path: "/v1/orders",
  tags,
  ...requiresScope("orders:read"),
  summary: "List orders, newest first",
  request: { query: listOrdersQuery },
  responses: { 200: jsonContent(orderPageSchema, "A page of orders"), ...errorResponses(422), ...authErrors },
});

export const cancelOrder = createRoute({
  operationId: "cancelOrder",
  method: "post",
  path: "/v1/orders/{orderId}/cancel",
  tags,
  ...requiresScope("orders:write"),
  summary: "Cancel a pending order",
  parameters: [idempotencyKeyParameter],
  request: { params: orderIdParams },
  responses: { 200: jsonContent(orderSchema, "The cancelled order"), ...errorResponses(404), ...postErrors },
});

export const listOrderPayments = createRoute({
  operationId: "listOrderPayments",
  method: "get",
  path: "/v1/orders/{orderId}/payments",
  tags,
  ...requiresScope("orders:read"),
  summary: "The order's payments",
  request: { params: orderIdParams },
  responses: {
    200: jsonContent(z.object({ data: z.array(paymentSchema) }), "The order's payments, oldest first"),
    ...errorResponses(404, 422),
    ...authErrors,
  },
});

export const contractPaymentQuery = z
  .object({
    orderId: z.string().optional().openapi({ description: "Our order id." }),
    merchantOrderId: z.string().optional().openapi({ description: "Your order id." }),
  })
  .refine((q) => (q.orderId === undefined) !== (q.merchantOrderId === undefined), {
    message: "give exactly one of orderId and merchantOrderId",
    path: ["orderId"],
  });

export const contractPaymentSchema = z
  .object({
    orderId: z.string(),
    merchantOrderId: z.string(),
    status: z.enum(orderStatuses),
    amount: decimalString("The order amount."),
    amountReceived: decimalString("Sum of the confirmed payments.", "0"),
    symbol: z.string(),
    chainId: z.number().int(),
    toAddress: z.string().openapi({ description: "The PaymentRouter the customer's wallet pays through." }),
    depositAddress: z.string().nullable().openapi({ description: "The order's deposit address for a plain transfer (null: transfers are off)." }),
    timestamp: z.number().int().openapi({ description: "When the order was created, Unix milliseconds." }),
    expiresAt: z.string().openapi({ format: "date-time" }),
    payments: z.array(paymentSchema),
  })
  .openapi("ContractPayment");

export const contractPayment = createRoute({
  operationId: "contractPayment",
  method: "get",
  path: "/v1/contract-payment",
  tags,
  ...requiresScope("orders:read"),
  summary: "An order's status and its on-chain payments, by order id or merchant order id",
  request: { query: contractPaymentQuery },
  responses: { 200: jsonContent(contractPaymentSchema, "Status and payments"), ...errorResponses(404, 422), ...authErrors },
});
