import { createRoute, z } from "@hono/zod-openapi";
import { queryInteger } from "../../lib/query-integer.js";
import { ORDER_EVENT_TYPES } from "../../orders/events.js";
import { REFUND_EVENT_TYPES } from "../../refunds/events.js";
import { authErrors, errorResponses, jsonContent, postErrors } from "../../http/openapi.js";
import { requiresScope } from "../../middlewares/require-scope.js";
import { idempotencyKeyParameter } from "../../middlewares/idempotency.js";

const tags = ["Webhook endpoints"];
const eventTypes = [...ORDER_EVENT_TYPES, ...REFUND_EVENT_TYPES] as [string, ...string[]];

const url = z.string().max(2048).openapi({ description: "http(s) URL that receives signed POSTs.", example: "https://shop.example.com/webhooks/stablegate" });
const eventTypeFilter = z
  .array(z.enum(eventTypes))
  .min(1)
  .max(eventTypes.length)
  .openapi({ description: "Event types to deliver; omit (or null) for all of them." });

export const endpointSchema = z
  .object({
    id: z.string().openapi({ example: "we_01JD3S6X2V8Q0000000000000" }),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()).nullable(),
    enabled: z.boolean(),
    disabledAt: z.string().nullable().openapi({ format: "date-time" }),
    disabledReason: z.string().nullable().openapi({ description: "Why: by you, a 410 Gone, or days of failures." }),
    failingSince: z.string().nullable().openapi({ format: "date-time", description: "First failed attempt since the last success." }),
    previousSecretExpiresAt: z.string().nullable().openapi({ format: "date-time", description: "Until then the secrets replaced by rotations sign too (each until its own rotation + the overlap; this is the latest)." }),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("WebhookEndpoint");

export const endpointWithSecretSchema = endpointSchema
  .extend({ secret: z.string().openapi({ description: "The signing secret: shown now and never again.", example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }) })
  .openapi("WebhookEndpointWithSecret");

export const attemptSchema = z
  .object({
    attemptedAt: z.string().openapi({ format: "date-time" }),
    responseStatus: z.number().int().nullable(),
    latencyMs: z.number().int(),
    responseExcerpt: z.string().openapi({ description: "The first KiB of the response body." }),
    error: z.string().nullable(),
    outcome: z.enum(["in_flight", "delivered", "failed", "unknown"]).openapi({
      description: "`in_flight` while the request is out; `unknown` when the dispatcher stopped (crash, shutdown) before an answer: the delivery is attempted again.",
    }),
    finishedAt: z.string().nullable().openapi({ format: "date-time", description: "When the answer came (or the attempt was given up as unknown)." }),
  })
  .openapi("WebhookAttempt");

export const deliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    endpointId: z.string(),
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int().openapi({ description: "Attempts in the current retry schedule; a manual redelivery starts a new one (attemptLog keeps them all)." }),
    nextAttemptAt: z.string().nullable().openapi({ format: "date-time" }),
    lastAttemptAt: z.string().nullable().openapi({ format: "date-time" }),
    deliveredAt: z.string().nullable().openapi({ format: "date-time", description: "When the 2xx answer arrived." }),
    lastError: z.string().nullable(),
    attemptLog: z.array(attemptSchema).openapi({ description: "Every attempt, oldest first." }),
  })
  .openapi("WebhookDelivery");

export const deliveryPageSchema = z.object({ data: z.array(deliverySchema), nextCursor: z.string().nullable() }).openapi("WebhookDeliveryPage");

const endpointIdParams = z.object({ endpointId: z.string().openapi({ param: { name: "endpointId", in: "path" }, example: "we_01JD3S6X2V8Q0000000000000" }) });

export const createEndpoint = createRoute({
  operationId: "createWebhookEndpoint",
  method: "post",
  path: "/v1/webhook-endpoints",
  tags,
  ...requiresScope("webhooks:write"),
  summary: "Register a webhook endpoint; the response shows its signing secret, once",
  parameters: [idempotencyKeyParameter],
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .strictObject({ url, eventTypes: eventTypeFilter.nullable().optional(), description: z.string().max(500).optional() })
            .openapi("CreateWebhookEndpointRequest"),
        },
      },
    },
  },
  responses: { 201: jsonContent(endpointWithSecretSchema, "The endpoint and its secret"), ...postErrors },
});

export const listEndpoints = createRoute({
  operationId: "listWebhookEndpoints",
  method: "get",
  path: "/v1/webhook-endpoints",
  tags,
  ...requiresScope("webhooks:read"),
  summary: "Your webhook endpoints",
  responses: { 200: jsonContent(z.object({ data: z.array(endpointSchema) }), "Your endpoints, oldest first"), ...authErrors },
});

export const getEndpoint = createRoute({
  operationId: "getWebhookEndpoint",
  method: "get",
  path: "/v1/webhook-endpoints/{endpointId}",
  tags,
  ...requiresScope("webhooks:read"),
  request: { params: endpointIdParams },
  summary: "One webhook endpoint (without its secret)",
  responses: { 200: jsonContent(endpointSchema, "The endpoint"), ...errorResponses(404, 422), ...authErrors },
});

export const updateEndpoint = createRoute({
  operationId: "updateWebhookEndpoint",
  method: "patch",
  path: "/v1/webhook-endpoints/{endpointId}",
  tags,
  ...requiresScope("webhooks:write"),
  summary: "Change the URL or event types; disable or enable",
  request: {
    params: endpointIdParams,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .strictObject({
              url: url.optional(),
              eventTypes: eventTypeFilter.nullable().optional(),
              description: z.string().max(500).nullable().optional(),
              enabled: z.boolean().optional().openapi({ description: "false disables the endpoint; true enables it again and clears the failure record." }),
            })
            .openapi("UpdateWebhookEndpointRequest"),
        },
      },
    },
  },
  responses: { 200: jsonContent(endpointSchema, "The endpoint"), ...errorResponses(404), ...postErrors },
});

export const deleteEndpoint = createRoute({
  operationId: "deleteWebhookEndpoint",
  method: "delete",
  path: "/v1/webhook-endpoints/{endpointId}",
  tags,
  ...requiresScope("webhooks:write"),
  request: { params: endpointIdParams },
  summary: "Delete a webhook endpoint; its delivery log stays readable",
  responses: { 204: { description: "Deleted; its pending deliveries are dropped" }, ...errorResponses(404, 422), ...authErrors },
});

export const rotateSecret = createRoute({
  operationId: "rotateWebhookSecret",
  method: "post",
  path: "/v1/webhook-endpoints/{endpointId}/rotate-secret",
  tags,
  ...requiresScope("webhooks:write"),
  summary: "A new signing secret, shown once; the old one keeps signing too during the overlap",
  parameters: [idempotencyKeyParameter],
  request: { params: endpointIdParams },
  responses: { 200: jsonContent(endpointWithSecretSchema, "The endpoint and its new secret"), ...errorResponses(404), ...postErrors },
});

export const listEndpointDeliveries = createRoute({
  operationId: "listWebhookEndpointDeliveries",
  method: "get",
  path: "/v1/webhook-endpoints/{endpointId}/deliveries",
  tags,
  ...requiresScope("webhooks:read"),
  request: {
    params: endpointIdParams,
    query: z.object({
      status: z.enum(["pending", "delivered", "failed"]).optional(),
      limit: queryInteger({ min: 1, max: 100 }).default(20),
      cursor: z.string().regex(/^wd_[0-9A-Z]{26}$/, "must be a nextCursor from an earlier page").optional(),
    }),
  },
  summary: "The endpoint's deliveries, newest first, with every attempt",
  responses: { 200: jsonContent(deliveryPageSchema, "Deliveries, newest first, with their attempts"), ...errorResponses(404, 422), ...authErrors },
});
