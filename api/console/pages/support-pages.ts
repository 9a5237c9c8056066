/** Orders search, the order page with its timeline, and the unmatched payments queue. */
import { formatAmount } from "../../lib/amount.js";
import type { OrderRow } from "../../orders/views.js";
import type { RefundView } from "../../refunds/views.js";
import { can } from "../access/roles.js";
import type { TimelineEntry } from "../support/timeline.js";
import type { UnmatchedRow } from "../support/unmatched.js";
import { actionButton, csrfField, html, tableRegion, time, type ConsoleContext } from "./html.js";
import { layout } from "./layout.js";
import { refundsSection } from "./refund-pages.js";

const base = (c: ConsoleContext) => `/console/m/${c.get("merchant").id}`;
const allowed = (c: ConsoleContext, permission: Parameters<typeof can>[1]) => can(c.get("role"), permission, { operator: c.get("session")?.user.isOperator ?? false });
const amountOf = (o: OrderRow, units: bigint) => `${formatAmount(units, o.tokenDecimals)} ${o.tokenSymbol}`;

export function ordersPage(c: ConsoleContext, { query, orders, kind }: { query: string; orders: OrderRow[]; kind: string }) {
  const rows = orders.map(
    (o) => html`<tr><td><a href="${base(c)}/orders/${o.id}">${o.id}</a></td><td>${o.merchantOrderId}</td><td><span class="status status-${o.status}">${o.status}</span></td>
<td class="num">${amountOf(o, o.amount)}</td><td class="num">${amountOf(o, o.amountReceived)}</td><td>${o.customerId ?? ""}</td><td>${time(o.createdAt)}</td></tr>`,
  );
  return layout(c, {
    title: "Orders",
    current: "orders",
    body: html`<form method="get" action="${base(c)}/orders" class="search" role="search">
  <label for="q">Order id, merchant order id, customer id, transaction hash or payer address</label>
  <div class="row"><input id="q" name="q" value="${query}" autocomplete="off"><button type="submit">Search</button></div>
</form>
<p class="muted" id="result-summary">${query ? `${orders.length} order(s) matching this ${kind.replace("_", " ")}` : `Latest ${orders.length} orders`}</p>
${tableRegion("Orders", html`<table><thead><tr><th scope="col">Order</th><th scope="col">Merchant order id</th><th scope="col">Status</th><th scope="col" class="num">Amount</th><th scope="col" class="num">Received</th><th scope="col">Customer</th><th scope="col">Created</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="7">No orders found.</td></tr>`}</tbody></table>`)}`,
  });
}

function timelineList(c: ConsoleContext, entries: TimelineEntry[]) {
  const redeliver = allowed(c, "orders:redeliver");
  const orderPath = c.req.path;
  return html`<ol class="timeline" id="timeline">${entries.map(
    (e) => html`<li class="entry ${e.kind} ${e.status ?? ""}" data-kind="${e.kind}"><div class="when">${time(e.at)}</div><div class="what"><strong>${e.title}</strong>${e.detail
      ? html`<div class="detail">${e.detail}</div>`
      : ""}${e.eventId && redeliver ? actionButton(c, `${orderPath}/redeliver`, "Redeliver", { fields: { eventId: e.eventId } }) : ""}</div></li>`,
  )}</ol>`;
}

export type OrderPageData = { order: OrderRow; entries: TimelineEntry[]; refunds: RefundView[]; notice?: string; refundError?: string };

export function orderPage(c: ConsoleContext, { order, entries, refunds, notice, refundError }: OrderPageData) {
  const facts: [string, unknown][] = [
    ["Status", html`<span class="status status-${order.status}" id="order-status">${order.status}</span>`],
    ["Merchant order id", order.merchantOrderId],
    ["Amount", amountOf(order, order.amount)],
    ["Received (confirmed)", amountOf(order, order.amountReceived)],
    ["Refunded (succeeded)", amountOf(order, order.amountRefunded)],
    ["Chain", String(order.chainId)],
    ["Token", `${order.tokenSymbol} ${order.tokenAddress}`],
    ["Payout address", order.payoutAddress],
    ["Customer id", order.customerId ?? "—"],
    ["Description", order.description ?? "—"],
    ["Order reference", order.orderRef],
    ["Expires", time(order.expiresAt)],
  ];
  return layout(c, {
    title: `Order ${order.id}`,
    current: "orders",
    body: html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ""}
<section class="card"><dl class="facts">${facts.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>
<div class="actions">${allowed(c, "orders:cancel") && order.status === "pending" ? actionButton(c, `${c.req.path}/cancel`, "Cancel order", { danger: true }) : ""}</div></section>
${refundsSection(c, { order, refunds, mayRefund: allowed(c, "orders:refund"), error: refundError })}
<section><h2>Timeline</h2>${timelineList(c, entries)}</section>
<p><a href="${base(c)}/orders">All orders</a></p>`,
  });
}

function unmatchedItem(c: ConsoleContext, u: UnmatchedRow, { actions }: { actions: boolean }) {
  const act = `${c.req.path.replace(/\/unmatched.*$/, "")}/unmatched/${u.id}`;
  const facts: [string, unknown][] = [
    ["Reason", `${u.reason}${u.revertedAt ? " (removed by a reorg)" : ""}`],
    ["Amount (base units)", u.amount.toString()],
    ["Chain", String(u.chainId)],
    ["Transaction", html`<span class="mono">${u.txHash}</span> log ${u.logIndex}, block ${u.blockNumber.toString()}`],
    ["Token", html`<span class="mono">${u.tokenAddress}</span>`],
    ["Paid to", html`<span class="mono">${u.merchantAddress}</span>`],
    ["Payer", html`<span class="mono">${u.payerAddress}</span>`],
    ["Its reference points to", u.orderId ?? "no order"],
    ["Seen", time(u.createdAt)],
  ];
  if (!actions) facts.push(["Review", `${u.resolution ?? ""}${u.attachedOrderId ? ` to ${u.attachedOrderId}` : ""}${u.resolutionNote ? `: ${u.resolutionNote}` : ""}`]);
  return html`<li class="card unmatched" data-unmatched="${u.id}"><h3 class="mono">${u.id}</h3><dl class="facts">${facts.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>
${actions ? html`<div class="review"><form method="post" action="${act}/attach" class="stack">${csrfField(c)}<label for="attach-${u.id}">Attach to order (id)</label><input id="attach-${u.id}" name="orderId" value="${u.orderId ?? ""}" required><button type="submit">Attach and credit</button></form>
<form method="post" action="${act}/dismiss" class="stack">${csrfField(c)}<label for="note-${u.id}">Or resolve with a note</label><input id="note-${u.id}" name="note" required><button type="submit" class="secondary">Resolve</button></form></div>` : ""}</li>`;
}

export function unmatchedPage(c: ConsoleContext, { open, resolved, notice, title = "Unmatched payments" }: { open: UnmatchedRow[]; resolved: UnmatchedRow[]; notice?: string; title?: string }) {
  return layout(c, {
    title,
    current: "unmatched",
    body: html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ""}
<p class="muted">Payments the router saw that match no order exactly. Attach one to an order to credit it (only when it reached that order's wallet in its token and is final), or resolve it with a note. Both are audited.</p>
<h2>Waiting for review</h2><ul class="plain-list" id="unmatched-open">${open.length ? open.map((u) => unmatchedItem(c, u, { actions: true })) : html`<li>Nothing to review.</li>`}</ul>
<h2>Resolved</h2><ul class="plain-list" id="unmatched-resolved">${resolved.length ? resolved.map((u) => unmatchedItem(c, u, { actions: false })) : html`<li>None yet.</li>`}</ul>`,
  });
}
