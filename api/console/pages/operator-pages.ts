/** Operator: merchants (create one with its first owner). Unmatched payments and the audit log reuse their pages. */
import { csrfField, html, tableRegion, time, type ConsoleContext } from "./html.js";
import { layout } from "./layout.js";
import { shownOnceBox, type ShownOnce } from "./developer-pages.js";

type MerchantRow = { id: string; name: string; createdAt: Date; owners: string[] };

export function operatorPage(c: ConsoleContext, { merchants, secret, notice }: { merchants: MerchantRow[]; secret?: ShownOnce; notice?: string }) {
  return layout(c, {
    title: "Operator",
    current: "operator",
    body: html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ""}${shownOnceBox(secret)}
<p><a href="/console/operator/unmatched">Unmatched payments of every merchant</a> · <a href="/console/operator/audit">Audit log of everything</a></p>
<section class="card"><h2>Merchants</h2>
${tableRegion("Merchants", html`<table><thead><tr><th scope="col">Merchant</th><th scope="col">Id</th><th scope="col">Owners</th><th scope="col">Created</th></tr></thead><tbody>${merchants.map(
      (m) => html`<tr><td><a href="/console/m/${m.id}/orders">${m.name}</a></td><td class="mono">${m.id}</td><td>${m.owners.join(", ") || "—"}</td><td>${time(m.createdAt)}</td></tr>`,
    )}</tbody></table>`)}
<form method="post" action="/console/operator/merchants" class="stack">${csrfField(c)}
<label for="merchant-name">Name</label><input id="merchant-name" name="name" required maxlength="200">
<label for="owner-email">Owner's email</label><input id="owner-email" name="ownerEmail" type="email" required>
<button type="submit">Create merchant</button></form></section>`,
  });
}
