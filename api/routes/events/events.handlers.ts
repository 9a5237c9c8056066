import type { RouteHandler } from "@hono/zod-openapi";
import { and, eq, inArray } from "drizzle-orm";
import { events, webhookDeliveries } from "../../db/schema.js";
import type { AppEnv } from "../../http/context.js";
import { notFound } from "../../lib/errors.js";
import { listEvents as list } from "../../orders/event-log.js";
import { listDeliveries } from "../../webhooks/delivery-log.js";
import { redeliverEvent as redeliver } from "../../webhooks/redeliver.js";
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

/** Queues the event again for every endpoint that takes it (webhooks/redeliver.ts). */
export const redeliverEvent: RouteHandler<typeof routes.redeliverEvent, AppEnv> = async (c) => {
  const { db, now } = c.get("deps");
  const event = await ownedEvent(db, c.get("merchant").id, c.req.valid("param").eventId);
  const endpointIds = await redeliver(db, event, { now: now() });
  const where = endpointIds.length
    ? and(eq(webhookDeliveries.eventId, event.id), inArray(webhookDeliveries.endpointId, endpointIds))!
    : and(eq(webhookDeliveries.eventId, event.id), eq(webhookDeliveries.id, ""))!;
  return c.json(await listDeliveries(db, { where, limit: 100 }), 202);
};
