/** Developers: API keys (shown once), webhook endpoints and deliveries, signed requests. */
import { and, asc, eq, isNull } from "drizzle-orm";
import { Hono, type Context } from "hono";
import * as admin from "../../admin/commands.js";
import { ORDER_EVENT_TYPES } from "../../orders/events.js";
import { merchants, webhookDeliveries, webhookEndpoints } from "../../db/schema.js";
import { ApiError, notFound } from "../../lib/errors.js";
import { isApiScope } from "../../lib/scopes.js";
import { listDeliveries } from "../../webhooks/delivery-log.js";
import { createEndpoint, EndpointUrlError, findEndpoint, rotateEndpointSecret, sendTestEvent, setEndpointEnabled } from "../../webhooks/endpoints.js";
import { redeliverDelivery } from "../../webhooks/redeliver.js";
import type { ConsoleEnv } from "../context.js";
import { requirePermission } from "../middleware.js";
import { developersPage, endpointPage, type ShownOnce } from "../pages/developer-pages.js";
import { doneNotice } from "../pages/html.js";
import { auditAction } from "./audit-action.js";

type Ctx = Context<ConsoleEnv>;
const dev = requirePermission("developers:manage");
const basePath = (c: Ctx) => `/console/m/${c.get("merchant").id}/developers`;

async function renderDevelopers(c: Ctx, secret?: ShownOnce) {
  const { db } = c.get("deps");
  const merchant = c.get("merchant");
  const [keys, endpoints, [fresh]] = await Promise.all([
    admin.listApiKeys(db, merchant.id),
    db.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.merchantId, merchant.id), isNull(webhookEndpoints.deletedAt))).orderBy(asc(webhookEndpoints.id)),
    db.select({ required: merchants.requireSignedRequests }).from(merchants).where(eq(merchants.id, merchant.id)),
  ]);
  return c.html(developersPage(c, { keys, endpoints, signedRequests: fresh?.required ?? false, ...(secret ? { secret } : {}), ...doneNotice(c) }));
}

async function ownedEndpoint(c: Ctx) {
  const endpoint = await findEndpoint(c.get("deps").db, c.get("merchant").id, c.req.param("endpointId") ?? "");
  if (!endpoint) throw notFound("Webhook endpoint");
  return endpoint;
}

async function renderEndpoint(c: Ctx, secret?: ShownOnce) {
  const endpoint = await ownedEndpoint(c);
  const { data } = await listDeliveries(c.get("deps").db, { where: eq(webhookDeliveries.endpointId, endpoint.id), limit: 50 });
  return c.html(endpointPage(c, { endpoint, deliveries: data, ...(secret ? { secret } : {}), ...doneNotice(c) }));
}

const ticked = (form: Record<string, string>, prefix: string) =>
  Object.keys(form).filter((name) => name.startsWith(prefix) && form[name] === "1").map((name) => name.slice(prefix.length));

const secretsKey = (c: Ctx) => c.get("deps").config.webhooks.secretsKey!;

export const developerRoutes = new Hono<ConsoleEnv>()
  .get("/console/m/:merchantId/developers", dev, (c) => renderDevelopers(c))
  .post("/console/m/:merchantId/developers/keys", dev, async (c) => {
    const form = c.get("form");
    const scopes = ticked(form, "scope:").filter(isApiScope);
    const label = (form.label ?? "").trim().slice(0, 100) || undefined;
    const key = await admin.issueApiKey(c.get("deps").db, { merchantId: c.get("merchant").id, label, scopes: scopes.length ? scopes : undefined });
    await auditAction(c, "api_key.issued", { target: key.id, after: { prefix: key.prefix, label: label ?? null, scopes: key.scopes } });
    return renderDevelopers(c, { what: `New API key ${key.prefix}…`, value: key.key });
  })
  .post("/console/m/:merchantId/developers/keys/:keyId/revoke", dev, async (c) => {
    const { db } = c.get("deps");
    const key = (await admin.listApiKeys(db, c.get("merchant").id)).find((k) => k.id === c.req.param("keyId") && !k.revokedAt);
    if (!key) throw notFound("API key");
    await admin.revokeApiKey(db, key.id);
    await auditAction(c, "api_key.revoked", { target: key.id, before: { prefix: key.prefix, label: key.label, active: true }, after: { active: false } });
    return c.redirect(`${basePath(c)}?done=revoked`, 303);
  })
  .post("/console/m/:merchantId/developers/webhooks", dev, async (c) => {
    const form = c.get("form");
    const types = ticked(form, "event:").filter((t) => (ORDER_EVENT_TYPES as readonly string[]).includes(t));
    const { db, now, config } = c.get("deps");
    try {
      const { endpoint, secret } = await createEndpoint(db, {
        merchantId: c.get("merchant").id,
        url: (form.url ?? "").trim(),
        description: (form.description ?? "").trim().slice(0, 500) || null,
        eventTypes: types.length ? types : null,
        secretsKey: secretsKey(c),
        allowPrivateTargets: config.webhooks.allowPrivateTargets,
        now: now(),
      });
      await auditAction(c, "webhook_endpoint.created", { target: endpoint.id, after: { url: endpoint.url, eventTypes: endpoint.eventTypes } });
      return renderDevelopers(c, { what: `Signing secret of ${endpoint.url}`, value: secret });
    } catch (error) {
      if (error instanceof EndpointUrlError) throw new ApiError(422, "validation_failed", `url: ${error.message}`, { details: [{ field: "url", in: "body", message: error.message }] });
      throw error;
    }
  })
  .get("/console/m/:merchantId/developers/webhooks/:endpointId", dev, (c) => renderEndpoint(c))
  .post("/console/m/:merchantId/developers/webhooks/:endpointId/rotate", dev, async (c) => {
    const existing = await ownedEndpoint(c);
    const { db, now, config } = c.get("deps");
    const { endpoint, secret } = await rotateEndpointSecret(db, existing, { secretsKey: secretsKey(c), overlapMs: config.webhooks.rotationOverlapMs, now: now() });
    await auditAction(c, "webhook_endpoint.secret_rotated", { target: endpoint.id, after: { previousSecretExpiresAt: endpoint.previousSecrets.map((p) => p.expiresAt).sort().at(-1) ?? null } });
    return renderEndpoint(c, { what: "New signing secret", value: secret });
  })
  .post("/console/m/:merchantId/developers/webhooks/:endpointId/:change{enable|disable}", dev, async (c) => {
    const existing = await ownedEndpoint(c);
    const enabled = c.req.param("change") === "enable";
    await setEndpointEnabled(c.get("deps").db, existing, { enabled, now: c.get("deps").now() });
    await auditAction(c, enabled ? "webhook_endpoint.enabled" : "webhook_endpoint.disabled", { target: existing.id, before: { enabled: !existing.disabledAt }, after: { enabled } });
    return c.redirect(`${basePath(c)}/webhooks/${existing.id}?done=endpoint-${enabled ? "enabled" : "disabled"}`, 303);
  })
  .post("/console/m/:merchantId/developers/webhooks/:endpointId/test", dev, async (c) => {
    const endpoint = await ownedEndpoint(c);
    const eventId = await sendTestEvent(c.get("deps").db, endpoint, { now: c.get("deps").now() });
    await auditAction(c, "webhook_endpoint.test_sent", { target: endpoint.id, after: { eventId } });
    return c.redirect(`${basePath(c)}/webhooks/${endpoint.id}?done=test-sent`, 303);
  })
  .post("/console/m/:merchantId/developers/webhooks/:endpointId/deliveries/:deliveryId/redeliver", requirePermission("orders:redeliver"), async (c) => {
    const endpoint = await ownedEndpoint(c);
    const deliveryId = c.req.param("deliveryId");
    const ok = await redeliverDelivery(c.get("deps").db, { merchantId: endpoint.merchantId, endpointId: endpoint.id, deliveryId, now: c.get("deps").now() });
    if (!ok) throw notFound("Delivery");
    await auditAction(c, "webhook.redelivered", { target: deliveryId, after: { endpointId: endpoint.id } });
    return c.redirect(`${basePath(c)}/webhooks/${endpoint.id}?done=redelivered`, 303);
  })
  .post("/console/m/:merchantId/developers/signed-requests", dev, async (c) => {
    const required = c.get("form").required === "on";
    const before = c.get("merchant").requireSignedRequests;
    const result = await admin.setSignedRequests(c.get("deps").db, { merchantId: c.get("merchant").id, required });
    await auditAction(c, required ? "signed_requests.secret_issued" : "signed_requests.disabled", { before: { required: before }, after: { required } });
    if (!result.secret) return c.redirect(`${basePath(c)}?done=signed-off`, 303);
    return renderDevelopers(c, { what: "Request signing secret", value: result.secret });
  });
