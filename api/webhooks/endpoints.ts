/**
 * Changing webhook endpoints, for the API routes and the console alike: create (with a new secret, returned once),
 * rotate the secret (the previous one keeps signing for the overlap), enable or disable, and send a test event.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database, Queryable } from "../db/client.js";
import { events, webhookDeliveries, webhookEndpoints } from "../db/schema.js";
import { newId } from "../lib/ids.js";
import { notifyOutbox } from "./outbox-signal.js";
import { encryptSecret } from "./secret-box.js";
import { generateSecret } from "./signing.js";
import { checkTargetUrl } from "./ssrf.js";

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
/** Replaced secrets that may still sign at once; an 11th rotation inside one overlap drops the oldest. */
export const MAX_PREVIOUS_SECRETS = 10;
export const TEST_EVENT_TYPE = "webhook.test";

export class EndpointUrlError extends Error {
  override name = "EndpointUrlError";
}

/** The URL as it will be called; a refused target throws EndpointUrlError. */
export function endpointUrl(url: string, allowPrivateTargets: boolean): string {
  try {
    return checkTargetUrl(url, { allowPrivateTargets }).toString();
  } catch (error) {
    throw new EndpointUrlError((error as Error).message, { cause: error });
  }
}

export async function createEndpoint(
  db: Queryable,
  { merchantId, url, description, eventTypes, secretsKey, allowPrivateTargets, now }: {
    merchantId: string; url: string; description: string | null; eventTypes: string[] | null; secretsKey: Buffer; allowPrivateTargets: boolean; now: Date;
  },
): Promise<{ endpoint: EndpointRow; secret: string }> {
  const target = endpointUrl(url, allowPrivateTargets);
  const secret = generateSecret();
  const [endpoint] = await db
    .insert(webhookEndpoints)
    .values({
      id: newId("we", now.getTime()),
      merchantId,
      url: target,
      description,
      eventTypes: eventTypes ? [...new Set(eventTypes)] : null,
      secretEncrypted: encryptSecret(secretsKey, secret),
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return { endpoint: endpoint!, secret };
}

export async function rotateEndpointSecret(
  db: Queryable,
  existing: EndpointRow,
  { secretsKey, overlapMs, now }: { secretsKey: Buffer; overlapMs: number; now: Date },
): Promise<{ endpoint: EndpointRow; secret: string }> {
  const secret = generateSecret();
  // Every replaced secret keeps its own overlap: a second rotation does not cut the first one short.
  const previousSecrets = [
    ...existing.previousSecrets.filter((p) => new Date(p.expiresAt).getTime() > now.getTime()),
    { secretEncrypted: existing.secretEncrypted, expiresAt: new Date(now.getTime() + overlapMs).toISOString() },
  ].slice(-MAX_PREVIOUS_SECRETS);
  const [endpoint] = await db
    .update(webhookEndpoints)
    .set({ secretEncrypted: encryptSecret(secretsKey, secret), previousSecrets, updatedAt: now })
    .where(eq(webhookEndpoints.id, existing.id))
    .returning();
  return { endpoint: endpoint!, secret };
}

export async function setEndpointEnabled(db: Queryable, existing: EndpointRow, { enabled, now }: { enabled: boolean; now: Date }): Promise<EndpointRow> {
  const changes = enabled
    ? { disabledAt: null, disabledReason: null, failingSince: null, updatedAt: now }
    : { disabledAt: existing.disabledAt ?? now, disabledReason: existing.disabledReason ?? "disabled by the merchant", updatedAt: now };
  const [endpoint] = await db.update(webhookEndpoints).set(changes).where(eq(webhookEndpoints.id, existing.id)).returning();
  return endpoint!;
}

export async function findEndpoint(db: Queryable, merchantId: string, endpointId: string): Promise<EndpointRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.merchantId, merchantId), isNull(webhookEndpoints.deletedAt)));
  return row;
}

/** A `webhook.test` event (no order), delivered to this endpoint only, signed like every other. */
export async function sendTestEvent(db: Database, endpoint: EndpointRow, { now }: { now: Date }): Promise<string> {
  const id = newId("evt", now.getTime());
  await db.transaction(async (tx) => {
    await tx.insert(events).values({
      id,
      merchantId: endpoint.merchantId,
      type: TEST_EVENT_TYPE,
      orderId: null,
      data: { message: "A test event from the Stablegate console", endpointId: endpoint.id },
      createdAt: now,
    });
    await tx.insert(webhookDeliveries).values({
      id: newId("wd", now.getTime()),
      eventId: id,
      endpointId: endpoint.id,
      merchantId: endpoint.merchantId,
      status: "pending",
      nextAttemptAt: now,
      createdAt: now,
    });
  });
  notifyOutbox();
  return id;
}
