/** Reading deliveries and their attempts for the API: the merchant's delivery log. */
import { and, asc, desc, eq, inArray, lt, type SQL } from "drizzle-orm";
import type { Queryable } from "../db/client.js";
import { events, webhookAttempts, webhookDeliveries, webhookEndpoints } from "../db/schema.js";
import { cursorPage } from "../lib/pagination.js";

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export type EndpointRow = typeof webhookEndpoints.$inferSelect;

export function toEndpointView(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    enabled: row.disabledAt === null,
    disabledAt: iso(row.disabledAt),
    disabledReason: row.disabledReason,
    failingSince: iso(row.failingSince),
    previousSecretExpiresAt: row.previousSecrets.map((p) => p.expiresAt).sort().at(-1) ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Deliveries matching `where`, newest first, `limit` of them, each with its attempts. */
export async function listDeliveries(db: Queryable, { where, limit, cursor }: { where: SQL; limit: number; cursor?: string | undefined }) {
  return cursorPage(
    limit,
    (take) =>
      db
        .select({ delivery: webhookDeliveries, eventType: events.type })
        .from(webhookDeliveries)
        .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
        .where(cursor ? and(where, lt(webhookDeliveries.id, cursor)) : where)
        .orderBy(desc(webhookDeliveries.id))
        .limit(take),
    (row) => row.delivery.id,
    (page) => withAttempts(db, page),
  );
}

type DeliveryRow = { delivery: typeof webhookDeliveries.$inferSelect; eventType: string };

/** Each delivery as the API shows it, with its attempts. */
async function withAttempts(db: Queryable, page: DeliveryRow[]) {
  const attempts = page.length
    ? await db
        .select()
        .from(webhookAttempts)
        .where(inArray(webhookAttempts.deliveryId, page.map((row) => row.delivery.id)))
        .orderBy(asc(webhookAttempts.id))
    : [];
  return page.map(({ delivery, eventType }) => ({
    id: delivery.id,
    eventId: delivery.eventId,
    eventType,
    endpointId: delivery.endpointId,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: iso(delivery.nextAttemptAt),
    lastAttemptAt: iso(delivery.lastAttemptAt),
    deliveredAt: iso(delivery.deliveredAt),
    lastError: delivery.lastError,
    attemptLog: attempts
      .filter((a) => a.deliveryId === delivery.id)
      .map((a) => ({
        attemptedAt: a.attemptedAt.toISOString(),
        responseStatus: a.responseStatus,
        latencyMs: a.latencyMs,
        responseExcerpt: a.responseExcerpt,
        error: a.error,
        outcome: a.outcome,
        finishedAt: iso(a.finishedAt),
      })),
  }));
}
