/** Operator pages: merchants, every unmatched payment, the whole audit log. */
import { asc, eq } from "drizzle-orm";
import { Hono } from "hono";
import * as admin from "../../admin/commands.js";
import { consoleMemberships, consoleUsers, merchants, orders } from "../../db/schema.js";
import { ApiError, notFound } from "../../lib/errors.js";
import { createUser, findUserByEmail, setMembership } from "../access/users.js";
import { listAudit } from "../audit.js";
import type { ConsoleEnv } from "../context.js";
import { requireOperator } from "../middleware.js";
import { doneNotice } from "../pages/html.js";
import { operatorPage } from "../pages/operator-pages.js";
import { auditPage } from "../pages/owner-pages.js";
import { unmatchedPage } from "../pages/support-pages.js";
import { attachUnmatched, dismissUnmatched, listUnmatched } from "../support/unmatched.js";
import { auditAction } from "./audit-action.js";

async function merchantRows(db: ConsoleEnv["Variables"]["deps"]["db"]) {
  const [all, owners] = await Promise.all([
    db.select().from(merchants).orderBy(asc(merchants.name)),
    db.select({ merchantId: consoleMemberships.merchantId, email: consoleUsers.email }).from(consoleMemberships).innerJoin(consoleUsers, eq(consoleUsers.id, consoleMemberships.userId)).where(eq(consoleMemberships.role, "owner")),
  ]);
  return all.map((m) => ({ id: m.id, name: m.name, createdAt: m.createdAt, owners: owners.filter((o) => o.merchantId === m.id).map((o) => o.email) }));
}

export const operatorRoutes = new Hono<ConsoleEnv>()
  .use("/console/operator", requireOperator)
  .use("/console/operator/*", requireOperator)
  .get("/console/operator", async (c) => c.html(operatorPage(c, { merchants: await merchantRows(c.get("deps").db), ...doneNotice(c) })))
  .post("/console/operator/merchants", async (c) => {
    const { db } = c.get("deps");
    const form = c.get("form");
    const email = form.ownerEmail ?? "";
    const existing = await findUserByEmail(db, email);
    let merchant;
    try {
      merchant = await admin.createMerchant(db, { name: form.name ?? "" });
    } catch (error) {
      if (error instanceof admin.AdminError) throw new ApiError(422, "validation_failed", `name: ${error.message}`);
      throw error;
    }
    const created = existing ? null : await createUser(db, { email });
    const owner = existing ?? created!.user;
    await setMembership(db, { userId: owner.id, merchantId: merchant.id, role: "owner" });
    await auditAction(c, "merchant.created", { merchantId: merchant.id, target: merchant.id, after: { name: merchant.name, owner: owner.email } });
    const list = await merchantRows(db);
    if (!created) return c.redirect("/console/operator?done=merchant-created", 303);
    return c.html(operatorPage(c, { merchants: list, secret: { what: `First-time password for ${owner.email}`, value: created.password } }));
  })
  .get("/console/operator/unmatched", async (c) => {
    const { db } = c.get("deps");
    const [open, resolved] = await Promise.all([listUnmatched(db, {}), listUnmatched(db, { resolved: true })]);
    return c.html(unmatchedPage(c, { open, resolved, title: "Unmatched payments (all merchants)", ...doneNotice(c) }));
  })
  .post("/console/operator/unmatched/:unmatchedId/attach", async (c) => {
    const { db, now, config } = c.get("deps");
    const orderId = (c.get("form").orderId ?? "").trim();
    const [order] = await db.select({ merchantId: orders.merchantId }).from(orders).where(eq(orders.id, orderId));
    if (!order) throw notFound("Order");
    const result = await attachUnmatched(db, { unmatchedId: c.req.param("unmatchedId"), orderId, merchantId: order.merchantId, userId: c.get("session")!.user.id, note: "", now: now(), publicBaseUrl: config.publicBaseUrl });
    await auditAction(c, "unmatched.attached", { merchantId: order.merchantId, target: c.req.param("unmatchedId"), before: { status: result.order.statusBefore }, after: { orderId, status: result.order.statusAfter, paymentId: result.paymentId } });
    return c.redirect("/console/operator/unmatched?done=attached", 303);
  })
  .post("/console/operator/unmatched/:unmatchedId/dismiss", async (c) => {
    const { db, now } = c.get("deps");
    const row = await dismissUnmatched(db, { unmatchedId: c.req.param("unmatchedId"), userId: c.get("session")!.user.id, note: c.get("form").note ?? "", now: now() });
    await auditAction(c, "unmatched.dismissed", { target: row.id, after: { note: row.resolutionNote } });
    return c.redirect("/console/operator/unmatched?done=dismissed", 303);
  })
  .get("/console/operator/audit", async (c) => {
    const { rows, nextCursor } = await listAudit(c.get("deps").db, c.req.query("cursor") ? { cursor: c.req.query("cursor")! } : {});
    return c.html(auditPage(c, { rows, nextCursor, title: "Audit log (everything)" }));
  });
