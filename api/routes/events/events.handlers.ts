import type { RouteHandler } from "@hono/zod-openapi";
import { and, eq, inArray } from "drizzle-orm";
import { events, webhookDeliveries } from "../../db/schema.js";
import type { AppEnv } from "../../http/context.js";
import { notFound } from "../../lib/errors.js";
import { listEvents as list } from "../../orders/event-log.js";
import { listDeliveries } from "../../webhooks/delivery-log.js";
import { enqueueDeliveries } from "../../webhooks/fan-out.js";
import { notifyOutbox } from "../../webhooks/outbox-signal.js";
import type * as routes from "./events.routes.js";

export const listEvents: RouteHandler<typeof routes.listEvents, AppEnv> = async (c) => {
  return c.json(await list(c.get("deps").db, c.get("merchant").id, c.req.valid("query")), 200);
};

async function ownedEvent(db: AppEnv["Variables"]["deps"]["db"], merchantId: string, eventId: string) {
  const [event] = await db
    .select({ id: events.id, merchantId: events.merchantId, type: events.type })
    .from(events)
    .where(and(eq(events.id, eventId), eq(events.merchantId, merchantId)));
  if (!event) throw notFound("Event");
  return event;
}

export const listEventDeliveries: RouteHandler<typeof routes.listEventDeliveries, AppEnv> = async (c) => {
  const { db } = c.get("deps");
  const event = await ownedEvent(db, c.get("merchant").id, c.req.valid("param").eventId);
  return c.json(await listDeliveries(db, { where: eq(webhookDeliveries.eventId, event.id), limit: 100 }), 200);
};

/**
 * Queues the event now for every enabled endpoint that takes its type: an existing delivery (delivered, failed or
 * waiting for a retry) is due again at once, and an endpoint added since the event gets its first delivery.
 */
export const redeliverEvent: RouteHandler<typeof routes.redeliverEvent, AppEnv> = async (c) => {
  const { db, now } = c.get("deps");
  const event = await ownedEvent(db, c.get("merchant").id, c.req.valid("param").eventId);
  const at = now();
  const endpointIds = await db.transaction(async (tx) => {
    const ids = await enqueueDeliveries(tx, event, { now: at });
    if (ids.length > 0) {
      await tx
        .update(webhookDeliveries)
        .set({ status: "pending", nextAttemptAt: at })
        .where(and(eq(webhookDeliveries.eventId, event.id), inArray(webhookDeliveries.endpointId, ids)));
    }
    return ids;
  });
  notifyOutbox();
  const where = endpointIds.length
    ? and(eq(webhookDeliveries.eventId, event.id), inArray(webhookDeliveries.endpointId, endpointIds))!
    : and(eq(webhookDeliveries.eventId, event.id), eq(webhookDeliveries.id, ""))!;
  return c.json(await listDeliveries(db, { where, limit: 100 }), 202);
};
