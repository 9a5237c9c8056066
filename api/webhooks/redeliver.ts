/** Manual redelivery, for the API (`POST /v1/events/:id/redeliver`) and the console alike. */
import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { webhookDeliveries } from "../db/schema.js";
import { enqueueDeliveries } from "./fan-out.js";
import { notifyOutbox } from "./outbox-signal.js";

/**
 * Queues the event now for every enabled endpoint that takes its type: an existing delivery (delivered, failed or
 * waiting for a retry) is due again at once with a fresh retry schedule (its attempt count starts over; the attempt
 * log keeps every earlier attempt), and an endpoint added since the event gets its first delivery.
 * Returns the endpoints queued.
 */
export async function redeliverEvent(db: Database, event: { id: string; merchantId: string; type: string }, { now }: { now: Date }): Promise<string[]> {
  const endpointIds = await db.transaction(async (tx) => {
    const ids = await enqueueDeliveries(tx, event, { now });
    if (ids.length > 0) {
      await tx
        .update(webhookDeliveries)
        .set({ status: "pending", nextAttemptAt: now, attempts: 0 })
        .where(and(eq(webhookDeliveries.eventId, event.id), inArray(webhookDeliveries.endpointId, ids)));
    }
    return ids;
  });
  notifyOutbox();
  return endpointIds;
}

/** Makes one delivery (of this endpoint and merchant)'s due again now, with a fresh retry schedule; false when there is none. */
export async function redeliverDelivery(
  db: Database,
  { merchantId, endpointId, deliveryId, now }: { merchantId: string; endpointId: string; deliveryId: string; now: Date },
): Promise<boolean> {
  const rows = await db
    .update(webhookDeliveries)
    .set({ status: "pending", nextAttemptAt: now, attempts: 0 })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.merchantId, merchantId), eq(webhookDeliveries.endpointId, endpointId)))
    .returning({ id: webhookDeliveries.id });
  notifyOutbox();
  return rows.length > 0;
}
