import { createRoute, z } from "@hono/zod-openapi";
import { queryInteger } from "../../lib/query-integer.js";
import { ORDER_EVENT_TYPES } from "../../orders/events.js";
import { isoDateTime } from "../../lib/datetime.js";
import { REFUND_EVENT_TYPES } from "../../refunds/events.js";
import { authErrors, errorResponses, jsonContent, postErrors } from "../../http/openapi.js";
import { requiresScope } from "../../middlewares/require-scope.js";
import { idempotencyKeyParameter } from "../../middlewares/idempotency.js";
import { deliveryPageSchema } from "../webhook-endpoints/webhook-endpoints.routes.js";

const eventTypes = [...ORDER_EVENT_TYPES, ...REFUND_EVENT_TYPES] as [string, ...string[]];

export const eventSchema = z
  .object({
    id: z.string().openapi({ description: "Stable: the same id in the list and in every webhook delivery.", example: "evt_01JD3S6X2V8Q0000000000000" }),
    type: z.enum(eventTypes),
    orderId: z.string().nullable(),
    createdAt: z.string().openapi({ format: "date-time" }),
    data: z.record(z.string(), z.unknown()).openapi({
      description: "`order`: the order as it was at that moment, with its `payments`; `payment`: the payment a payment.* event is about.",
    }),
  })
  .openapi("Event");

export const listEventsQuery = z.object({
  type: z.enum(eventTypes).optional(),
  orderId: z.string().optional(),
  createdFrom: isoDateTime().optional(),
  createdTo: isoDateTime().optional(),
  limit: queryInteger({ min: 1, max: 100 }).default(20),
  cursor: z.string().regex(/^evt_[0-9A-Z]{26}$/, "must be a nextCursor from an earlier page").optional(),
});

export const listEvents = createRoute({
  operationId: "listEvents",
  method: "get",
  path: "/v1/events",
  tags: ["Events"],
  ...requiresScope("events:read"),
  summary: "Events, newest first: replay what a webhook endpoint missed",
  request: { query: listEventsQuery },
  responses: {
    200: jsonContent(z.object({ data: z.array(eventSchema), nextCursor: z.string().nullable() }).openapi("EventPage"), "A page of events"),
    ...errorResponses(422),
    ...authErrors,
  },
});

const eventIdParams = z.object({ eventId: z.string().openapi({ param: { name: "eventId", in: "path" }, example: "evt_01JD3S6X2V8Q0000000000000" }) });

export const listEventDeliveries = createRoute({
  operationId: "listEventDeliveries",
  method: "get",
  path: "/v1/events/{eventId}/deliveries",
  tags: ["Events"],
  ...requiresScope("events:read"),
  summary: "The event's webhook deliveries, one per endpoint, with every attempt",
  request: { params: eventIdParams },
  responses: { 200: jsonContent(deliveryPageSchema, "Deliveries, newest first"), ...errorResponses(404, 422), ...authErrors },
});

export const redeliverEvent = createRoute({
  operationId: "redeliverEvent",
  method: "post",
  path: "/v1/events/{eventId}/redeliver",
  tags: ["Events"],
  ...requiresScope("webhooks:write"),
  summary: "Deliver the event again now to every enabled endpoint that takes its type",
  parameters: [idempotencyKeyParameter],
  request: { params: eventIdParams },
  responses: { 202: jsonContent(deliveryPageSchema, "The deliveries now queued"), ...errorResponses(404), ...postErrors },
});
