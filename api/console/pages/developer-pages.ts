/** Developers: API keys, webhook endpoints with their deliveries, signed requests, the API reference. */
import { ORDER_EVENT_TYPES } from "../../orders/events.js";
import { API_SCOPES } from "../../lib/scopes.js";
import type { listDeliveries } from "../../webhooks/delivery-log.js";
import type { EndpointRow } from "../../webhooks/endpoints.js";
import { actionButton, csrfField, html, tableRegion, time, type ConsoleContext } from "./html.js";
import { layout } from "./layout.js";

type KeyRow = { id: string; prefix: string; label: string | null; scopes: string[] | null; createdAt: Date; revokedAt: Date | null; lastUsedAt: Date | null };
type Deliveries = Awaited<ReturnType<typeof listDeliveries>>["data"];
export type ShownOnce = { what: string; value: string };

const base = (c: ConsoleContext) => `/console/m/${c.get("merchant").id}/developers`;

export const shownOnceBox = (secret: ShownOnce | undefined) =>
  secret
    ? html`<section class="card secret-box" role="status"><h2>${secret.what}</h2><p>Shown only now; it is stored hashed or encrypted and cannot be shown again.</p><p><code id="shown-once" class="secret">${secret.value}</code></p></section>`
    : "";

function keysSection(c: ConsoleContext, keys: KeyRow[]) {
  const rows = keys.map(
    (k) => html`<tr><td class="mono">${k.prefix}…</td><td>${k.label ?? ""}</td><td>${k.scopes?.join(", ") ?? "full access"}</td><td>${time(k.createdAt)}</td><td>${time(k.lastUsedAt)}</td>
<td>${k.revokedAt ? html`revoked ${time(k.revokedAt)}` : actionButton(c, `${base(c)}/keys/${k.id}/revoke`, "Revoke", { danger: true })}</td></tr>`,
  );
  return html`<section class="card" id="api-keys"><h2>API keys</h2>
${tableRegion("API keys", html`<table><thead><tr><th scope="col">Key</th><th scope="col">Label</th><th scope="col">Scopes</th><th scope="col">Issued</th><th scope="col">Last used</th><th scope="col">Status</th></tr></thead><tbody>${rows.length ? rows : html`<tr><td colspan="6">No keys.</td></tr>`}</tbody></table>`)}
<form method="post" action="${base(c)}/keys" class="stack">${csrfField(c)}
<label for="key-label">Label</label><input id="key-label" name="label" maxlength="100">
<fieldset><legend>Scopes (none ticked: a full key)</legend>${Object.entries(API_SCOPES).map(
    ([scope, what]) => html`<label class="check"><input type="checkbox" name="scope:${scope}" value="1"> <code>${scope}</code> <span class="muted">${what}</span></label>`,
  )}</fieldset>
<button type="submit">Issue key</button></form></section>`;
}

function endpointsSection(c: ConsoleContext, endpoints: EndpointRow[]) {
  const rows = endpoints.map(
    (e) => html`<tr><td><a href="${base(c)}/webhooks/${e.id}">${e.url}</a></td><td>${e.eventTypes?.join(", ") ?? "all events"}</td><td>${e.disabledAt ? `disabled: ${e.disabledReason ?? ""}` : e.failingSince ? "failing" : "enabled"}</td><td>${time(e.createdAt)}</td></tr>`,
  );
  return html`<section class="card" id="webhooks"><h2>Webhook endpoints</h2>
${tableRegion("Webhook endpoints", html`<table><thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Created</th></tr></thead><tbody>${rows.length ? rows : html`<tr><td colspan="4">No endpoints.</td></tr>`}</tbody></table>`)}
<form method="post" action="${base(c)}/webhooks" class="stack">${csrfField(c)}
<label for="endpoint-url">URL (https)</label><input id="endpoint-url" name="url" type="url" required>
<label for="endpoint-description">Description</label><input id="endpoint-description" name="description" maxlength="500">
<fieldset><legend>Events (none ticked: all)</legend>${ORDER_EVENT_TYPES.map((t) => html`<label class="check"><input type="checkbox" name="event:${t}" value="1"> <code>${t}</code></label>`)}</fieldset>
<button type="submit">Add endpoint</button></form></section>`;
}

export function developersPage(c: ConsoleContext, { keys, endpoints, signedRequests, secret, notice }: { keys: KeyRow[]; endpoints: EndpointRow[]; signedRequests: boolean; secret?: ShownOnce; notice?: string }) {
  return layout(c, {
    title: "Developers",
    current: "developers",
    body: html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ""}${shownOnceBox(secret)}
${keysSection(c, keys)}
${endpointsSection(c, endpoints)}
<section class="card" id="signed-requests"><h2>Signed requests</h2>
<p>${signedRequests ? "Required: every API request must carry an HMAC signature made with the request signing secret." : "Not required."}</p>
${actionButton(c, `${base(c)}/signed-requests`, signedRequests ? "Rotate the signing secret" : "Require signed requests", { fields: { required: "on" } })}
${signedRequests ? actionButton(c, `${base(c)}/signed-requests`, "Stop requiring signatures", { danger: true, fields: { required: "off" } }) : ""}</section>
<section class="card"><h2>API reference</h2><p><a href="/docs">Interactive reference (/docs)</a> · <a href="/openapi.json">OpenAPI document</a></p></section>`,
  });
}

function deliveryItem(c: ConsoleContext, endpointPath: string, d: Deliveries[number]) {
  return html`<li class="delivery" data-delivery="${d.id}"><div><strong>${d.eventType}</strong> <span class="status status-${d.status}">${d.status}</span> · ${d.attempts} attempt(s) · event <code>${d.eventId}</code>${d.lastError ? html` · <span class="muted">${d.lastError}</span>` : ""}</div>
<ul class="attempts">${d.attemptLog.map((a) => html`<li>${a.attemptedAt.replace("T", " ").slice(0, 19)} → ${a.responseStatus ?? "no response"} in ${a.latencyMs} ms${a.error ? ` · ${a.error}` : ""}${a.responseExcerpt ? html` · <code>${a.responseExcerpt.slice(0, 200)}</code>` : ""}</li>`)}</ul>
${actionButton(c, `${endpointPath}/deliveries/${d.id}/redeliver`, "Redeliver")}</li>`;
}

export function endpointPage(c: ConsoleContext, { endpoint, deliveries, secret, notice }: { endpoint: EndpointRow; deliveries: Deliveries; secret?: ShownOnce; notice?: string }) {
  const path = `${base(c)}/webhooks/${endpoint.id}`;
  return layout(c, {
    title: "Webhook endpoint",
    current: "developers",
    body: html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ""}${shownOnceBox(secret)}
<section class="card"><dl class="facts"><div><dt>URL</dt><dd>${endpoint.url}</dd></div><div><dt>Events</dt><dd>${endpoint.eventTypes?.join(", ") ?? "all"}</dd></div>
<div><dt>State</dt><dd>${endpoint.disabledAt ? `disabled (${endpoint.disabledReason ?? ""})` : "enabled"}</dd></div><div><dt>Previous secret valid until</dt><dd>${time(latestOverlapEnd(endpoint.previousSecrets))}</dd></div></dl>
<div class="actions">${actionButton(c, `${path}/test`, "Send a test event")}${actionButton(c, `${path}/rotate`, "Rotate secret")}${endpoint.disabledAt ? actionButton(c, `${path}/enable`, "Enable") : actionButton(c, `${path}/disable`, "Disable", { danger: true })}</div></section>
<section><h2>Deliveries</h2><ol class="deliveries" id="deliveries">${deliveries.length ? deliveries.map((d) => deliveryItem(c, path, d)) : html`<li>No deliveries yet.</li>`}</ol></section>
<p><a href="${base(c)}">Back to Developers</a></p>`,
  });
}

/** When the last replaced secret stops signing (each keeps its own overlap), or null when none does. */
function latestOverlapEnd(previous: { expiresAt: string }[]): Date | null {
  const last = previous.map((p) => p.expiresAt).sort().at(-1);
  return last ? new Date(last) : null;
}
