import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { and, asc, eq, isNull } from "drizzle-orm";
import { webhookDeliveries, webhookEndpoints } from "../../db/schema.js";
import type { AppEnv } from "../../http/context.js";
import { ApiError, notFound, validationFailed } from "../../lib/errors.js";
import { listDeliveries, toEndpointView } from "../../webhooks/delivery-log.js";
import { createEndpoint as create, rotateEndpointSecret } from "../../webhooks/endpoints.js";
import { checkTargetUrl } from "../../webhooks/ssrf.js";
import type * as routes from "./webhook-endpoints.routes.js";

type Ctx = Context<AppEnv>;

function secretsKey(c: Ctx): Buffer {
  const key = c.get("deps").config.webhooks.secretsKey;
  if (!key) throw new ApiError(500, "not_configured", "The operator has not set SECRETS_KEY");
  return key;
}

/** The URL as it will be called; refused targets are a 422 on `url`. */
function targetUrl(c: Ctx, url: string): string {
  try {
    return checkTargetUrl(url, { allowPrivateTargets: c.get("deps").config.webhooks.allowPrivateTargets }).toString();
  } catch (error) {
    throw validationFailed([{ field: "url", in: "body", message: (error as Error).message }]);
  }
}

async function ownedEndpoint(c: Ctx, id: string) {
  const [row] = await c
    .get("deps")
    .db.select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.merchantId, c.get("merchant").id), isNull(webhookEndpoints.deletedAt)));
  if (!row) throw notFound("Webhook endpoint");
  return row;
}

export const createEndpoint: RouteHandler<typeof routes.createEndpoint, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const { endpoint, secret } = await create(c.get("deps").db, {
    merchantId: c.get("merchant").id,
    url: targetUrl(c, body.url),
    description: body.description ?? null,
    eventTypes: body.eventTypes ?? null,
    secretsKey: secretsKey(c),
    allowPrivateTargets: c.get("deps").config.webhooks.allowPrivateTargets,
    now: c.get("deps").now(),
  });
  c.set("replayHoldsSecret", true);
  return c.json({ ...toEndpointView(endpoint), secret }, 201);
};

export const listEndpoints: RouteHandler<typeof routes.listEndpoints, AppEnv> = async (c) => {
  const rows = await c
    .get("deps")
    .db.select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.merchantId, c.get("merchant").id), isNull(webhookEndpoints.deletedAt)))
    .orderBy(asc(webhookEndpoints.id));
  return c.json({ data: rows.map(toEndpointView) }, 200);
};

export const getEndpoint: RouteHandler<typeof routes.getEndpoint, AppEnv> = async (c) => {
  return c.json(toEndpointView(await ownedEndpoint(c, c.req.valid("param").endpointId)), 200);
};

export const updateEndpoint: RouteHandler<typeof routes.updateEndpoint, AppEnv> = async (c) => {
  const ctx = c;
  const existing = await ownedEndpoint(ctx, c.req.valid("param").endpointId);
  const body = c.req.valid("json");
  const now = c.get("deps").now();
  const changes: Partial<typeof webhookEndpoints.$inferInsert> = { updatedAt: now };
  if (body.url !== undefined) changes.url = targetUrl(ctx, body.url);
  if (body.eventTypes !== undefined) changes.eventTypes = body.eventTypes ? [...new Set(body.eventTypes)] : null;
  if (body.description !== undefined) changes.description = body.description;
  if (body.enabled === false && !existing.disabledAt) Object.assign(changes, { disabledAt: now, disabledReason: "disabled by the merchant" });
  if (body.enabled === true) Object.assign(changes, { disabledAt: null, disabledReason: null, failingSince: null });
  const [row] = await c.get("deps").db.update(webhookEndpoints).set(changes).where(eq(webhookEndpoints.id, existing.id)).returning();
  return c.json(toEndpointView(row!), 200);
};

export const deleteEndpoint: RouteHandler<typeof routes.deleteEndpoint, AppEnv> = async (c) => {
  const existing = await ownedEndpoint(c, c.req.valid("param").endpointId);
  const now = c.get("deps").now();
  // Kept as a tombstone: its delivery log stays readable for the events.
  await c.get("deps").db.transaction(async (tx) => {
    await tx.update(webhookEndpoints).set({ deletedAt: now, disabledAt: existing.disabledAt ?? now, disabledReason: existing.disabledReason ?? "deleted", updatedAt: now }).where(eq(webhookEndpoints.id, existing.id));
    await tx
      .update(webhookDeliveries)
      .set({ status: "failed", nextAttemptAt: null, lastError: "the endpoint was deleted" })
      .where(and(eq(webhookDeliveries.endpointId, existing.id), eq(webhookDeliveries.status, "pending")));
  });
  return c.body(null, 204);
};

export const rotateSecret: RouteHandler<typeof routes.rotateSecret, AppEnv> = async (c) => {
  const existing = await ownedEndpoint(c, c.req.valid("param").endpointId);
  const { now, config, db } = c.get("deps");
  const { endpoint, secret } = await rotateEndpointSecret(db, existing, { secretsKey: secretsKey(c), overlapMs: config.webhooks.rotationOverlapMs, now: now() });
  c.set("replayHoldsSecret", true);
  return c.json({ ...toEndpointView(endpoint), secret }, 200);
};

export const listEndpointDeliveries: RouteHandler<typeof routes.listEndpointDeliveries, AppEnv> = async (c) => {
  const endpoint = await ownedEndpoint(c, c.req.valid("param").endpointId);
  const q = c.req.valid("query");
  const where = q.status
    ? and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.status, q.status))!
    : eq(webhookDeliveries.endpointId, endpoint.id);
  return c.json(await listDeliveries(c.get("deps").db, { where, limit: q.limit, cursor: q.cursor }), 200);
};
