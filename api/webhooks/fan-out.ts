/**
 * Fan-out: one delivery row per event and enabled endpoint of the merchant whose filter takes the event's type,
 * written in the transaction that writes the event, so an event is never committed without its deliveries.
 */
import { and, inArray, isNull } from "drizzle-orm";
import type { Queryable } from "../db/client.js";
import { webhookDeliveries, webhookEndpoints } from "../db/schema.js";
import { chunked } from "../lib/chunks.js";
import { newId } from "../lib/ids.js";

export function endpointWants(eventTypes: readonly string[] | null, type: string): boolean {
  return eventTypes === null || eventTypes.includes(type);
}

/** Queues `event` for every enabled endpoint of its merchant that wants it; returns the endpoints queued. */
export async function enqueueDeliveries(
  tx: Queryable,
  event: { id: string; merchantId: string; type: string },
  { now }: { now: Date },
): Promise<string[]> {
  return enqueueDeliveriesFor(tx, [event], { now });
}

/**
 * Queues many events in two statements (the merchants' endpoints, then every delivery row): how a batch of status
 * updates (orders/order-batch.ts) fans out. Returns the endpoints queued (one entry per delivery row).
 */
export async function enqueueDeliveriesFor(
  tx: Queryable,
  events: readonly { id: string; merchantId: string; type: string }[],
  { now }: { now: Date },
): Promise<string[]> {
  if (events.length === 0) return [];
  const endpoints = await tx
    .select({ id: webhookEndpoints.id, merchantId: webhookEndpoints.merchantId, eventTypes: webhookEndpoints.eventTypes })
    .from(webhookEndpoints)
    .where(and(inArray(webhookEndpoints.merchantId, [...new Set(events.map((e) => e.merchantId))]), isNull(webhookEndpoints.disabledAt), isNull(webhookEndpoints.deletedAt)));
  const rows = events.flatMap((event) =>
    endpoints
      .filter((endpoint) => endpoint.merchantId === event.merchantId && endpointWants(endpoint.eventTypes, event.type))
      .map((endpoint) => ({
        id: newId("wd", now.getTime()),
        eventId: event.id,
        endpointId: endpoint.id,
        merchantId: event.merchantId,
        status: "pending" as const,
        nextAttemptAt: now,
        createdAt: now,
      })),
  );
  for (const run of chunked(rows, 500)) await tx.insert(webhookDeliveries).values(run).onConflictDoNothing();
  return rows.map((row) => row.endpointId);
}
