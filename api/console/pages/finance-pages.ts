/** Finance: totals for a date range per chain and token, a chart per series, the daily table, exports. */
import { formatAmount } from "../../lib/amount.js";
import type { BalanceRow } from "../../routes/balance/balance.queries.js";
import { netChartSvg } from "../finance/chart.js";
import type { DateRange, DayRow, Total } from "../finance/report.js";
import { html, raw, tableRegion, type ConsoleContext } from "./html.js";
import { layout } from "./layout.js";

const fmt = (units: bigint, decimals: number) => formatAmount(units, decimals);

export function financePage(c: ConsoleContext, { range, rows, totals, allTime }: { range: DateRange; rows: DayRow[]; totals: Total[]; allTime: BalanceRow[] }) {
  const base = `/console/m/${c.get("merchant").id}/finance`;
  const query = `from=${range.fromDay}&to=${range.toDay}`;
  const charts = totals.map((t) => {
    const seriesRows = rows.filter((r) => r.chainId === t.chainId && r.symbol === t.symbol);
    return html`<figure class="card"><figcaption>${t.symbol} on chain ${t.chainId}: net ${fmt(t.net, t.decimals)}</figcaption>${raw(netChartSvg(t, seriesRows, range))}</figure>`;
  });
  return layout(c, {
    title: "Finance",
    current: "finance",
    body: html`<form method="get" action="${base}" class="range">
  <div><label for="from">From</label><input id="from" name="from" type="date" value="${range.fromDay}" required></div>
  <div><label for="to">To (included)</label><input id="to" name="to" type="date" value="${range.toDay}" required></div>
  <button type="submit">Show</button>
</form>
<p class="exports"><a class="button secondary" id="export-orders" href="${base}/orders.csv?${query}" download>Orders CSV</a>
<a class="button secondary" id="export-payments" href="${base}/payments.csv?${query}" download>Payments CSV</a>
<a class="button secondary" id="export-refunds" href="${base}/refunds.csv?${query}" download>Refunds CSV</a></p>
<h2>Totals, ${range.fromDay} to ${range.toDay} (UTC, by block time)</h2>
${tableRegion("Totals for the range", html`<table id="range-totals"><thead><tr><th scope="col">Chain</th><th scope="col">Token</th><th scope="col" class="num">Received</th><th scope="col" class="num">Refunded</th><th scope="col" class="num">Net</th></tr></thead><tbody>
${totals.length ? totals.map((t) => html`<tr><td>${t.chainId}</td><td>${t.symbol}</td><td class="num">${fmt(t.received, t.decimals)}</td><td class="num">${fmt(t.refunded, t.decimals)}</td><td class="num">${fmt(t.net, t.decimals)}</td></tr>`) : html`<tr><td colspan="5">No confirmed payments or refunds in this range.</td></tr>`}
</tbody></table>`)}
<div class="charts">${charts}</div>
<h2>All time (equals <code>GET /v1/balance</code>)</h2>
${tableRegion("All-time totals", html`<table id="all-time"><thead><tr><th scope="col">Chain</th><th scope="col">Token</th><th scope="col" class="num">Received</th><th scope="col" class="num">Refunded</th><th scope="col" class="num">Net</th><th scope="col" class="num">Confirming</th></tr></thead><tbody>
${allTime.length ? allTime.map((b) => html`<tr data-chain="${b.chainId}" data-symbol="${b.symbol}"><td>${b.chainId}</td><td>${b.symbol}</td><td class="num received">${fmt(b.received, b.decimals)}</td><td class="num refunded">${fmt(b.refunded, b.decimals)}</td><td class="num net">${fmt(b.received - b.refunded, b.decimals)}</td><td class="num">${fmt(b.confirming, b.decimals)}</td></tr>`) : html`<tr><td colspan="6">Nothing received yet.</td></tr>`}
</tbody></table>`)}
<h2>Per day</h2>
${tableRegion("Per day", html`<table><thead><tr><th scope="col">Day</th><th scope="col">Chain</th><th scope="col">Token</th><th scope="col" class="num">Payments</th><th scope="col" class="num">Received</th><th scope="col" class="num">Refunded</th><th scope="col" class="num">Net</th></tr></thead><tbody>
${rows.length ? rows.map((r) => html`<tr><td>${r.day}</td><td>${r.chainId}</td><td>${r.symbol}</td><td class="num">${r.payments}</td><td class="num">${fmt(r.received, r.decimals)}</td><td class="num">${fmt(r.refunded, r.decimals)}</td><td class="num">${fmt(r.net, r.decimals)}</td></tr>`) : html`<tr><td colspan="7">No confirmed payments or refunds in this range.</td></tr>`}
</tbody></table>`)}`,
  });
}
