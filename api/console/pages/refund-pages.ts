/**
 * The order page's refunds: each with amount, status, destination, refundRef and the exact transaction the payout
 * wallet (or a Safe owner, as a proposal) sends; a cancel button while pending; the refund form for roles that may.
 */
import type { OrderRow } from "../../orders/views.js";
import type { RefundView } from "../../refunds/views.js";
import { actionButton, csrfField, html, time, type ConsoleContext } from "./html.js";

function refundItem(c: ConsoleContext, orderPath: string, r: RefundView, mayRefund: boolean) {
  const tx = r.transaction;
  const facts: [string, unknown][] = [
    ["Amount", `${r.amount} ${r.symbol}`],
    ["Status", html`<span class="status status-${r.status}" data-refund-status>${r.status}</span>`],
    ["Reason", r.reason],
    ["Destination", html`<span class="mono">${r.destination ?? "none yet"}</span>`],
    ["Send from", html`<span class="mono">${r.from}</span>`],
    ["Refund reference", html`<span class="mono">${r.refundRef}</span>`],
    ["Requested", time(new Date(r.createdAt))],
  ];
  if (r.status === "pending") facts.push(["Refund page", html`<a href="${r.refundUrl}" rel="noreferrer" data-refund-url>send it from your wallet or see the Safe transaction</a>`]);
  if (r.claimUrl && !r.destination && r.status === "pending") facts.push(["Claim link for the customer", html`<span class="mono" data-claim-url>${r.claimUrl}</span>`]);
  if (r.txHash) facts.push(["Transaction seen", html`<span class="mono">${r.txHash}</span>`]);
  if (r.failureReason) facts.push(["Failure", r.failureReason]);
  const txBlock = tx
    ? html`<h4>Transaction to send (after approving the RefundRouter for ${r.amount} ${r.symbol})</h4><dl class="facts refund-tx">
<div><dt>to</dt><dd class="mono" data-tx="to">${tx.to}</dd></div><div><dt>value</dt><dd class="mono" data-tx="value">${tx.value}</dd></div>
<div><dt>data</dt><dd class="mono" data-tx="data">${tx.data}</dd></div></dl>`
    : html`<p class="muted">No transaction yet: the refund has no destination or the chain has no RefundRouter.</p>`;
  const cancel = mayRefund && r.status === "pending" ? actionButton(c, `${orderPath}/refunds/${r.id}/cancel`, "Cancel refund", { danger: true }) : "";
  return html`<li class="card refund" data-refund="${r.id}"><h3 class="mono">${r.id}</h3><dl class="facts">${facts.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>
${r.status === "pending" || r.status === "submitted" ? txBlock : ""}${cancel}</li>`;
}

function refundForm(c: ConsoleContext, orderPath: string, order: OrderRow) {
  return html`<form method="post" action="${orderPath}/refund" class="stack card" id="refund-form">${csrfField(c)}
<h3>Refund</h3>
<label for="refund-amount">Amount (${order.tokenSymbol}, decimal)</label><input id="refund-amount" name="amount" inputmode="decimal" required autocomplete="off">
<label for="refund-reason">Reason</label><input id="refund-reason" name="reason" required maxlength="500">
<label for="refund-destination">Destination (optional; default: the wallet that paid; <span class="mono">claim</span>: the customer enters it through a claim link)</label><input id="refund-destination" name="destination" class="mono" autocomplete="off">
<button type="submit">Create refund</button></form>`;
}

export function refundsSection(c: ConsoleContext, { order, refunds, mayRefund, error }: { order: OrderRow; refunds: RefundView[]; mayRefund: boolean; error?: string | undefined }) {
  const orderPath = `/console/m/${c.get("merchant").id}/orders/${order.id}`;
  return html`<section id="refunds"><h2>Refunds</h2>
${error ? html`<p class="error" role="alert" id="refund-error">${error}</p>` : ""}
<ul class="plain-list" id="refund-list">${refunds.length ? refunds.map((r) => refundItem(c, orderPath, r, mayRefund)) : html`<li>No refunds.</li>`}</ul>
${mayRefund ? refundForm(c, orderPath, order) : ""}</section>`;
}
