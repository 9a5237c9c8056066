/**
 * A bar chart of net received per day, one chart per chain and token, as inline SVG (no script, no CDN). Bar heights
 * are proportions computed from the exact amounts; the figures themselves are in the table next to the chart.
 */
import { formatAmount } from "../../lib/amount.js";
import type { DateRange, DayRow, Series } from "./report.js";

const WIDTH = 640;
const HEIGHT = 180;
const PAD = 28;
const DAY_MS = 24 * 60 * 60 * 1000;

const escape = (value: string) => value.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

export function days(range: DateRange): string[] {
  const out: string[] = [];
  for (let t = range.from.getTime(); t < range.to.getTime(); t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

export function netChartSvg(series: Series, rows: DayRow[], range: DateRange): string {
  const byDay = new Map(rows.map((row) => [row.day, row.net]));
  const labels = days(range);
  const max = rows.reduce((m, row) => (row.net > m ? row.net : m), 0n);
  const slot = (WIDTH - PAD * 2) / labels.length;
  const bars = labels
    .map((day, i) => {
      const net = byDay.get(day) ?? 0n;
      if (net <= 0n || max === 0n) return "";
      const h = Math.max(1, (Number((net * 1000n) / max) / 1000) * (HEIGHT - PAD * 2));
      const x = PAD + i * slot + slot * 0.1;
      return `<rect x="${x.toFixed(1)}" y="${(HEIGHT - PAD - h).toFixed(1)}" width="${Math.max(1, slot * 0.8).toFixed(1)}" height="${h.toFixed(1)}" class="bar"><title>${escape(day)}: ${escape(formatAmount(net, series.decimals))} ${escape(series.symbol)}</title></rect>`;
    })
    .join("");
  const label = `Net received per day in ${series.symbol} on chain ${series.chainId}, ${range.fromDay} to ${range.toDay}; highest day ${formatAmount(max, series.decimals)}`;
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escape(label)}" xmlns="http://www.w3.org/2000/svg">
<line x1="${PAD}" y1="${HEIGHT - PAD}" x2="${WIDTH - PAD}" y2="${HEIGHT - PAD}" class="axis"/>${bars}
<text x="${PAD}" y="${HEIGHT - 6}" class="tick">${escape(labels[0] ?? "")}</text>
<text x="${WIDTH - PAD}" y="${HEIGHT - 6}" class="tick" text-anchor="end">${escape(labels.at(-1) ?? "")}</text>
<text x="${PAD}" y="${PAD - 8}" class="tick">${escape(formatAmount(max, series.decimals))} ${escape(series.symbol)}</text>
</svg>`;
}
