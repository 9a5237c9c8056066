/** HTML helpers: hono's `html` escapes every interpolated value; `raw` only for markup we made (SVG we rendered). */
import { html, raw } from "hono/html";
import type { ConsoleEnv } from "../context.js";
import type { Context } from "hono";

export { html, raw };
export type Html = ReturnType<typeof html>;
export type ConsoleContext = Context<ConsoleEnv>;

export const csrfField = (c: ConsoleContext) => html`<input type="hidden" name="_csrf" value="${c.get("csrf")}">`;

/** A one-button form: every mutation is a POST with the CSRF token. */
export function actionButton(c: ConsoleContext, action: string, label: string, { danger = false, fields = {} as Record<string, string> } = {}) {
  return html`<form method="post" action="${action}" class="inline">${csrfField(c)}${Object.entries(fields).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}<button type="submit" class="${danger ? "danger" : "secondary"}">${label}</button></form>`;
}

export const time = (date: Date | null | undefined) =>
  date ? html`<time datetime="${date.toISOString()}">${date.toISOString().replace("T", " ").slice(0, 19)} UTC</time>` : html`<span class="muted">—</span>`;

/** A scrollable table region (phones), focusable so keyboard users can scroll it. */
export const tableRegion = (label: string, table: Html) => html`<div class="table-wrap" role="region" aria-label="${label}" tabindex="0">${table}</div>`;


/** What a redirect after a POST says happened: a fixed code in `?done=`, never text from the URL. */
const NOTICES: Record<string, string> = {
  cancelled: "Order cancelled.",
  "refund-created": "Refund created. Send its transaction from the payout wallet (or propose it in the Safe).",
  "refund-cancelled": "Refund cancelled.",
  redelivered: "Queued again for delivery.",
  "redelivered-none": "No enabled endpoint takes this event.",
  attached: "Payment attached and credited.",
  dismissed: "Resolved with your note.",
  revoked: "Key revoked.",
  "endpoint-disabled": "Endpoint disabled.",
  "endpoint-enabled": "Endpoint enabled.",
  "test-sent": "Test event queued for this endpoint.",
  "signed-off": "Signed requests are no longer required.",
  "settings-saved": "Settings saved.",
  "methods-saved": "Ways to pay saved: new orders offer these (on every instance within a few seconds).",
  "payout-changed": "Payout address changed.",
  "member-saved": "Role saved.",
  "member-removed": "Person removed from this merchant.",
  "merchant-created": "Merchant created.",
};

export function doneNotice(c: ConsoleContext): { notice?: string } {
  const message = NOTICES[c.req.query("done") ?? ""];
  return message ? { notice: message } : {};
}
