/** Finance: totals and chart for a date range, and the CSV exports. */
import { Hono, type Context } from "hono";
import { ordersCsv, paymentsCsv, refundsCsv } from "../finance/csv.js";
import { allTimeTotals, dailyTotals, parseRange, sumBySeries } from "../finance/report.js";
import type { ConsoleEnv } from "../context.js";
import { requirePermission } from "../middleware.js";
import { financePage } from "../pages/finance-pages.js";
import { auditAction } from "./audit-action.js";

const finance = requirePermission("finance:view");
const range = (c: Context<ConsoleEnv>) => parseRange({ from: c.req.query("from"), to: c.req.query("to") }, c.get("deps").now());

function csv(c: Context<ConsoleEnv>, name: string, body: string) {
  return c.body(body, 200, { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${name}"` });
}

export const financeRoutes = new Hono<ConsoleEnv>()
  .get("/console/m/:merchantId/finance", finance, async (c) => {
    const r = range(c);
    const { db } = c.get("deps");
    const merchantId = c.get("merchant").id;
    const [rows, allTime] = await Promise.all([dailyTotals(db, merchantId, r), allTimeTotals(db, merchantId)]);
    return c.html(financePage(c, { range: r, rows, totals: sumBySeries(rows), allTime }));
  })
  .get("/console/m/:merchantId/finance/orders.csv", finance, async (c) => {
    const r = range(c);
    const body = await ordersCsv(c.get("deps").db, c.get("merchant").id, r);
    await auditAction(c, "export.orders_csv", { after: { from: r.fromDay, to: r.toDay } });
    return csv(c, `orders-${r.fromDay}-${r.toDay}.csv`, body);
  })
  .get("/console/m/:merchantId/finance/payments.csv", finance, async (c) => {
    const r = range(c);
    const body = await paymentsCsv(c.get("deps").db, c.get("merchant").id, r);
    await auditAction(c, "export.payments_csv", { after: { from: r.fromDay, to: r.toDay } });
    return csv(c, `payments-${r.fromDay}-${r.toDay}.csv`, body);
  })
  .get("/console/m/:merchantId/finance/refunds.csv", finance, async (c) => {
    const r = range(c);
    const body = await refundsCsv(c.get("deps").db, c.get("merchant").id, r);
    await auditAction(c, "export.refunds_csv", { after: { from: r.fromDay, to: r.toDay } });
    return csv(c, `refunds-${r.fromDay}-${r.toDay}.csv`, body);
  });
