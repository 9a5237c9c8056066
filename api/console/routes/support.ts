/** Support: find orders, read their timeline, cancel and redeliver; review unmatched payments. Refunds: `refunds.ts`. */
import { and, eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { cancelOrder } from "../../orders/cancel.js";
import { loadHeads } from "../../orders/reads.js";
import { events, orders } from "../../db/schema.js";
import { ApiError, notFound } from "../../lib/errors.js";
import { redeliverEvent } from "../../webhooks/redeliver.js";
import { auditAction } from "./audit-action.js";
import type { ConsoleEnv } from "../context.js";
import { requirePermission } from "../middleware.js";
import { doneNotice } from "../pages/html.js";
import { orderPage, ordersPage, unmatchedPage } from "../pages/support-pages.js";
import { searchOrders } from "../support/search.js";
import { consoleRefundContext, orderRefunds } from "../support/refunds.js";
import { orderTimeline } from "../support/timeline.js";
import { attachUnmatched, dismissUnmatched, listUnmatched } from "../support/unmatched.js";

type Ctx = Context<ConsoleEnv>;

export async function ownedOrder(c: Ctx) {
  const [order] = await c.get("deps").db.select().from(orders).where(and(eq(orders.id, c.req.param("orderId") ?? ""), eq(orders.merchantId, c.get("merchant").id)));
  if (!order) throw notFound("Order");
  return order;
}

/** The order page; after a refused refund action, with its message and status (422, 409) instead of a notice. */
export async function renderOrder(c: Ctx, { status = 200, refundError }: { status?: 200 | 409 | 422; refundError?: string } = {}) {
  const order = await ownedOrder(c);
  const { db, config, chains } = c.get("deps");
  const refunds = await orderRefunds(db, order, await consoleRefundContext(db, config.publicBaseUrl, chains));
  const { entries } = await orderTimeline(db, order, refunds.rows);
  const notice = refundError ? {} : doneNotice(c);
  return c.html(orderPage(c, { order, entries, refunds: refunds.views, ...notice, ...(refundError ? { refundError } : {}) }), status);
}

const view = requirePermission("orders:view");

export const supportRoutes = new Hono<ConsoleEnv>()
  .get("/console/m/:merchantId/orders", view, async (c) => {
    const query = c.req.query("q") ?? "";
    const result = await searchOrders(c.get("deps").db, c.get("merchant").id, query);
    return c.html(ordersPage(c, { query, ...result }));
  })
  .get("/console/m/:merchantId/orders/:orderId", view, (c) => renderOrder(c))
  .post("/console/m/:merchantId/orders/:orderId/cancel", requirePermission("orders:cancel"), async (c) => {
    const before = await ownedOrder(c);
    const { db, now, config } = c.get("deps");
    const ctx = { publicBaseUrl: config.publicBaseUrl, heads: await loadHeads(db) };
    const after = await cancelOrder(db, { merchantId: c.get("merchant").id, orderId: before.id, now: now(), ctx });
    await auditAction(c, "order.cancelled", { target: before.id, before: { status: before.status }, after: { status: after.status } });
    return c.redirect(`${c.req.path.replace(/\/cancel$/, "")}?done=cancelled`, 303);
  })
  .post("/console/m/:merchantId/orders/:orderId/redeliver", requirePermission("orders:redeliver"), async (c) => {
    const order = await ownedOrder(c);
    const { db, now } = c.get("deps");
    const [event] = await db
      .select({ id: events.id, merchantId: events.merchantId, type: events.type })
      .from(events)
      .where(and(eq(events.id, c.get("form").eventId ?? ""), eq(events.orderId, order.id), eq(events.merchantId, order.merchantId)));
    if (!event) throw notFound("Event");
    const endpoints = await redeliverEvent(db, event, { now: now() });
    await auditAction(c, "webhook.redelivered", { target: event.id, after: { eventType: event.type, endpoints } });
    return c.redirect(`${c.req.path.replace(/\/redeliver$/, "")}?done=${endpoints.length ? "redelivered" : "redelivered-none"}`, 303);
  })
  .get("/console/m/:merchantId/unmatched", requirePermission("unmatched:review"), async (c) => {
    const { db } = c.get("deps");
    const merchantId = c.get("merchant").id;
    const [open, resolved] = await Promise.all([listUnmatched(db, { merchantId }), listUnmatched(db, { merchantId, resolved: true })]);
    return c.html(unmatchedPage(c, { open, resolved, ...doneNotice(c) }));
  })
  .post("/console/m/:merchantId/unmatched/:unmatchedId/attach", requirePermission("unmatched:review"), async (c) => {
    const { db, now, config } = c.get("deps");
    const form = c.get("form");
    const orderId = (form.orderId ?? "").trim();
    if (!orderId) throw new ApiError(422, "validation_failed", "orderId: is required");
    const result = await attachUnmatched(db, {
      unmatchedId: c.req.param("unmatchedId"),
      orderId,
      merchantId: c.get("merchant").id,
      userId: c.get("session")!.user.id,
      note: (form.note ?? "").slice(0, 1000),
      now: now(),
      publicBaseUrl: config.publicBaseUrl,
    });
    await auditAction(c, "unmatched.attached", {
      target: c.req.param("unmatchedId"),
      before: { orderId, status: result.order.statusBefore, amountReceived: result.order.receivedBefore },
      after: { orderId, status: result.order.statusAfter, amountReceived: result.order.receivedAfter, paymentId: result.paymentId, events: result.events },
    });
    return c.redirect(`/console/m/${c.get("merchant").id}/orders/${orderId}?done=attached`, 303);
  })
  .post("/console/m/:merchantId/unmatched/:unmatchedId/dismiss", requirePermission("unmatched:review"), async (c) => {
    const { db, now } = c.get("deps");
    const row = await dismissUnmatched(db, {
      unmatchedId: c.req.param("unmatchedId"),
      merchantId: c.get("merchant").id,
      userId: c.get("session")!.user.id,
      note: c.get("form").note ?? "",
      now: now(),
    });
    await auditAction(c, "unmatched.dismissed", { target: row.id, after: { note: row.resolutionNote } });
    return c.redirect(`/console/m/${c.get("merchant").id}/unmatched?done=dismissed`, 303);
  });
