/** Owner: payout addresses (changed with a signature), merchant settings, people and roles; the audit log. */
import { consoleRoles, type PaymentMethod } from "../../db/schema.js";
import type { AcceptedChain } from "../../chains/catalog.js";
import type { Merchant } from "../../http/context.js";
import { ROLE_DESCRIPTIONS } from "../access/roles.js";
import type { AuditRow } from "../audit.js";
import type { Challenge } from "../owner/payout-proof.js";
import { actionButton, csrfField, html, tableRegion, time, type ConsoleContext } from "./html.js";
import { layout } from "./layout.js";
import { shownOnceBox, type ShownOnce } from "./developer-pages.js";

type Member = { userId: string; email: string; role: string; totpEnabledAt: Date | null };
const base = (c: ConsoleContext) => `/console/m/${c.get("merchant").id}/settings`;

function payoutSection(c: ConsoleContext, chains: AcceptedChain[], payouts: Map<number, string>) {
  return html`<section class="card" id="payouts"><h2>Payout addresses</h2>
<p class="muted">The router pays customers' money straight into these wallets. A change needs a signature from the new address, made in your wallet, so a typo cannot send money into the void.</p>
${tableRegion("Payout addresses", html`<table><thead><tr><th scope="col">Chain</th><th scope="col">Address</th></tr></thead><tbody>${chains.map(
    (ch) => html`<tr><td>${ch.name} (${ch.chainId})</td><td class="mono" data-chain="${ch.chainId}">${payouts.get(ch.chainId) ?? "not set"}</td></tr>`,
  )}</tbody></table>`)}
<form method="post" action="${base(c)}/payout" class="stack">${csrfField(c)}
<label for="payout-chain">Chain</label><select id="payout-chain" name="chainId">${chains.map((ch) => html`<option value="${ch.chainId}">${ch.name} (${ch.chainId})</option>`)}</select>
<label for="payout-address">New payout address</label><input id="payout-address" name="address" required pattern="0x[0-9a-fA-F]{40}" autocomplete="off">
<button type="submit">Continue to signing</button></form></section>`;
}

function settingsSection(c: ConsoleContext, merchant: Merchant, chains: AcceptedChain[]) {
  return html`<section class="card" id="merchant-settings"><h2>Payment settings</h2>
<form method="post" action="${base(c)}/merchant" class="stack">${csrfField(c)}
<fieldset><legend>Confirmations per chain (empty: the operator's default)</legend>${chains.map(
    (ch) => html`<label for="conf-${ch.chainId}">${ch.name} (default ${ch.confirmations})</label><input id="conf-${ch.chainId}" name="confirmations:${ch.chainId}" type="number" min="0" value="${merchant.confirmations[String(ch.chainId)] ?? ""}">`,
  )}</fieldset>
<label for="expiry">Order expiry in seconds (empty: the operator's default)</label><input id="expiry" name="orderExpirySeconds" type="number" min="60" value="${merchant.orderExpirySeconds ?? ""}">
<label for="under">Underpayment tolerance (basis points)</label><input id="under" name="underpaymentToleranceBps" type="number" min="0" max="10000" value="${merchant.underpaymentToleranceBps}">
<label for="over">Overpayment tolerance (basis points)</label><input id="over" name="overpaymentToleranceBps" type="number" min="0" max="10000" value="${merchant.overpaymentToleranceBps}">
<button type="submit">Save settings</button></form></section>`;
}

const METHOD_LABELS: Record<PaymentMethod, { name: string; help: string }> = {
  router: { name: "Browser wallet", help: "the customer's wallet calls the PaymentRouter (MetaMask and other dapp wallets)" },
  transfer: { name: "Send from any wallet or exchange", help: "a plain transfer to the order's own deposit address, forwarded to your payout wallet" },
};

function methodsSection(c: ConsoleContext, merchant: Merchant) {
  return html`<section class="card" id="payment-methods"><h2>Ways to pay</h2>
<p class="muted">What the checkout offers for new orders (an order made through the API may narrow it further). Orders made before a change keep theirs.</p>
<form method="post" action="${base(c)}/payment-methods" class="stack">${csrfField(c)}
<fieldset><legend>Customers may pay by (at least one)</legend>${(Object.keys(METHOD_LABELS) as PaymentMethod[]).map(
    (method) => html`<label class="check"><input type="checkbox" name="method:${method}" id="method-${method}"${merchant.paymentMethods.includes(method) ? html` checked` : ""}> ${METHOD_LABELS[method].name}: <span class="muted">${METHOD_LABELS[method].help}</span></label>`,
  )}</fieldset>
<button type="submit">Save ways to pay</button></form></section>`;
}

function membersSection(c: ConsoleContext, members: Member[]) {
  const roleSelect = (id: string, current?: string) =>
    html`<select id="${id}" name="role">${consoleRoles.map((r) => html`<option value="${r}"${r === current ? html` selected` : ""}>${r}</option>`)}</select>`;
  return html`<section class="card" id="members"><h2>People and roles</h2>
<ul class="plain">${consoleRoles.map((r) => html`<li><strong>${r}</strong>: ${ROLE_DESCRIPTIONS[r]}</li>`)}</ul>
${tableRegion("People", html`<table><thead><tr><th scope="col">Email</th><th scope="col">Two-factor</th><th scope="col">Role</th><th scope="col">Remove</th></tr></thead><tbody>${members.map(
    (m) => html`<tr><td>${m.email}</td><td>${m.totpEnabledAt ? "on" : "not set up yet"}</td><td><form method="post" action="${base(c)}/members/${m.userId}/role" class="inline">${csrfField(c)}<label class="sr-only" for="role-${m.userId}">Role of ${m.email}</label>${roleSelect(`role-${m.userId}`, m.role)}<button type="submit" class="secondary">Save</button></form></td>
<td>${actionButton(c, `${base(c)}/members/${m.userId}/remove`, "Remove", { danger: true })}</td></tr>`,
  )}</tbody></table>`)}
<form method="post" action="${base(c)}/members" class="stack">${csrfField(c)}
<label for="member-email">Email</label><input id="member-email" name="email" type="email" required>
<label for="member-role">Role</label>${roleSelect("member-role")}
<button type="submit">Add person</button></form></section>`;
}

export function settingsPage(
  c: ConsoleContext,
  data: { chains: AcceptedChain[]; payouts: Map<number, string>; members: Member[]; secret?: ShownOnce; notice?: string },
) {
  return layout(c, {
    title: "Settings",
    current: "settings",
    body: html`${data.notice ? html`<p class="notice" role="status">${data.notice}</p>` : ""}${shownOnceBox(data.secret)}
${payoutSection(c, data.chains, data.payouts)}${settingsSection(c, c.get("merchant"), data.chains)}${methodsSection(c, c.get("merchant"))}${membersSection(c, data.members)}`,
  });
}

export function signPayoutPage(c: ConsoleContext, { challenge, error }: { challenge: Challenge; error?: string }) {
  return layout(c, {
    title: "Sign the payout address change",
    current: "settings",
    body: html`${error ? html`<p class="error" role="alert">${error}</p>` : ""}
<p>Sign this message with the wallet that holds <code class="mono">${challenge.address}</code>. Your wallet shows the same text.</p>
<pre class="message" id="challenge-message">${challenge.message}</pre>
<form method="post" action="${base(c)}/payout/${challenge.id}" class="stack" id="payout-sign-form" data-address="${challenge.address}" data-message="${challenge.message}">${csrfField(c)}
<button type="button" id="sign-with-wallet">Sign with browser wallet</button>
<p id="wallet-status" class="muted" role="status" aria-live="polite"></p>
<label for="signature">Signature (filled in by your wallet, or paste one made elsewhere)</label>
<textarea id="signature" name="signature" rows="3" required></textarea>
<button type="submit" id="submit-signature">Change payout address</button></form>`,
  });
}

const json = (value: unknown) => (value === null || value === undefined ? "" : JSON.stringify(value));

export function auditPage(c: ConsoleContext, { rows, nextCursor, title = "Audit log" }: { rows: AuditRow[]; nextCursor: string | null; title?: string }) {
  return layout(c, {
    title,
    current: c.req.path.startsWith("/console/operator") ? "operator" : "audit",
    body: html`<p class="muted">Every sensitive action, append-only: nobody can change or delete an entry.</p>
${tableRegion("Audit entries", html`<table id="audit"><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">From</th><th scope="col">Before</th><th scope="col">After</th></tr></thead><tbody>${rows.map(
      (r) => html`<tr><td>${time(r.at)}</td><td>${r.actorEmail ?? "—"}</td><td><code>${r.action}</code></td><td class="mono">${r.target ?? ""}</td><td>${r.ip ?? ""}</td><td class="json">${json(r.before)}</td><td class="json">${json(r.after)}</td></tr>`,
    )}</tbody></table>`)}
${nextCursor ? html`<p><a href="?cursor=${nextCursor}">Older entries</a></p>` : ""}`,
  });
}
