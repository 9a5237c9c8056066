/** Owner: payout addresses (with a signature from the new address), settings, people and roles, audit log. */
import { eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import * as admin from "../../admin/commands.js";
import { paymentMethods, payoutAddresses } from "../../db/schema.js";
import { ApiError, notFound } from "../../lib/errors.js";
import { checkRole, createUser, findUserByEmail, listMembers, removeMembership, setMembership } from "../access/users.js";
import { listAudit } from "../audit.js";
import type { ConsoleEnv } from "../context.js";
import { requirePermission } from "../middleware.js";
import { confirmChallenge, createChallenge, findChallenge } from "../owner/payout-proof.js";
import { doneNotice } from "../pages/html.js";
import { auditPage, settingsPage, signPayoutPage } from "../pages/owner-pages.js";
import type { ShownOnce } from "../pages/developer-pages.js";
import { auditAction } from "./audit-action.js";

type Ctx = Context<ConsoleEnv>;
const owner = requirePermission("owner:manage");
const settingsPath = (c: Ctx) => `/console/m/${c.get("merchant").id}/settings`;

async function renderSettings(c: Ctx, secret?: ShownOnce) {
  const { db, chains } = c.get("deps");
  const merchantId = c.get("merchant").id;
  const [rows, members] = await Promise.all([db.select().from(payoutAddresses).where(eq(payoutAddresses.merchantId, merchantId)), listMembers(db, merchantId)]);
  const payouts = new Map(rows.map((r) => [r.chainId, r.address]));
  return c.html(settingsPage(c, { chains: chains.list(), payouts, members, ...(secret ? { secret } : {}), ...doneNotice(c) }));
}

function settingsFrom(form: Record<string, string>): admin.MerchantSettings {
  const whole = (name: string) => {
    const value = (form[name] ?? "").trim();
    if (value === "") return undefined;
    if (!/^\d+$/.test(value)) throw new ApiError(422, "validation_failed", `${name}: must be a whole number`, { details: [{ field: name, in: "body", message: "must be a whole number" }] });
    return Number(value);
  };
  const confirmations: Record<string, number> = {};
  for (const name of Object.keys(form).filter((n) => n.startsWith("confirmations:"))) {
    const n = whole(name);
    if (n !== undefined) confirmations[name.slice("confirmations:".length)] = n;
  }
  return {
    confirmations,
    orderExpirySeconds: whole("orderExpirySeconds") ?? null,
    underpaymentToleranceBps: whole("underpaymentToleranceBps") ?? 0,
    overpaymentToleranceBps: whole("overpaymentToleranceBps") ?? 0,
  };
}

const adminErrors = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    if (error instanceof admin.AdminError) throw new ApiError(422, "validation_failed", error.message);
    throw error;
  }
};

export const ownerRoutes = new Hono<ConsoleEnv>()
  .get("/console/m/:merchantId/settings", owner, (c) => renderSettings(c))
  .post("/console/m/:merchantId/settings/payout", owner, async (c) => {
    const { db, chains, now } = c.get("deps");
    const form = c.get("form");
    const challenge = await createChallenge(db, chains, {
      merchant: c.get("merchant"),
      chainId: Number(form.chainId),
      address: (form.address ?? "").trim(),
      userId: c.get("session")!.user.id,
      now: now(),
    });
    return c.redirect(`${settingsPath(c)}/payout/${challenge.id}`, 303);
  })
  .get("/console/m/:merchantId/settings/payout/:challengeId", owner, async (c) => {
    const { db, now } = c.get("deps");
    const challenge = await findChallenge(db, { merchantId: c.get("merchant").id, challengeId: c.req.param("challengeId"), now: now() });
    if (!challenge) throw notFound("Payout change request");
    return c.html(signPayoutPage(c, { challenge }));
  })
  .post("/console/m/:merchantId/settings/payout/:challengeId", owner, async (c) => {
    const { db, chains, now, config } = c.get("deps");
    const result = await confirmChallenge(db, chains, {
      merchantId: c.get("merchant").id,
      challengeId: c.req.param("challengeId"),
      signature: (c.get("form").signature ?? "").trim(),
      now: now(),
      rpcUrls: config.rpcUrls,
    });
    await auditAction(c, "payout_address.changed", { target: `chain ${result.chainId}`, before: { address: result.before }, after: { address: result.after, proof: result.proof } });
    return c.redirect(`${settingsPath(c)}?done=payout-changed`, 303);
  })
  .post("/console/m/:merchantId/settings/merchant", owner, async (c) => {
    const before = c.get("merchant");
    const settings = settingsFrom(c.get("form"));
    const after = await adminErrors(() => admin.updateMerchant(c.get("deps").db, before.id, settings));
    const pick = (m: typeof before) => ({ confirmations: m.confirmations, orderExpirySeconds: m.orderExpirySeconds, underpaymentToleranceBps: m.underpaymentToleranceBps, overpaymentToleranceBps: m.overpaymentToleranceBps });
    await auditAction(c, "merchant.settings_changed", { before: pick(before), after: pick(after) });
    return c.redirect(`${settingsPath(c)}?done=settings-saved`, 303);
  })
  .post("/console/m/:merchantId/settings/payment-methods", owner, async (c) => {
    const before = c.get("merchant");
    const methods = paymentMethods.filter((method) => c.get("form")[`method:${method}`] === "on");
    if (methods.length === 0) {
      const message = "keep at least one way to pay: with none, customers could not pay any new order";
      throw new ApiError(422, "validation_failed", `paymentMethods: ${message}`, { details: [{ field: "paymentMethods", in: "body", message }] });
    }
    const after = await adminErrors(() => admin.setPaymentMethods(c.get("deps").db, { merchantId: before.id, methods }));
    await auditAction(c, "merchant.payment_methods_changed", { before: { paymentMethods: before.paymentMethods }, after: { paymentMethods: after.paymentMethods } });
    return c.redirect(`${settingsPath(c)}?done=methods-saved`, 303);
  })
  .post("/console/m/:merchantId/settings/members", owner, async (c) => {
    const { db } = c.get("deps");
    const role = checkRole(c.get("form").role ?? "");
    const email = c.get("form").email ?? "";
    const existing = await findUserByEmail(db, email);
    const created = existing ? null : await createUser(db, { email });
    const user = existing ?? created!.user;
    const { previousRole } = await setMembership(db, { userId: user.id, merchantId: c.get("merchant").id, role });
    await auditAction(c, "member.role_set", { target: user.email, before: { role: previousRole }, after: { role, newAccount: Boolean(created) } });
    if (!created) return c.redirect(`${settingsPath(c)}?done=member-saved`, 303);
    return renderSettings(c, { what: `First-time password for ${user.email} (they set up two-factor sign-in when they first sign in)`, value: created.password });
  })
  .post("/console/m/:merchantId/settings/members/:userId/role", owner, async (c) => {
    const { db } = c.get("deps");
    const merchantId = c.get("merchant").id;
    const role = checkRole(c.get("form").role ?? "");
    const member = (await listMembers(db, merchantId)).find((m) => m.userId === c.req.param("userId"));
    if (!member) throw notFound("Person");
    await refuseLastOwner(c, member, role);
    await setMembership(db, { userId: member.userId, merchantId, role });
    await auditAction(c, "member.role_set", { target: member.email, before: { role: member.role }, after: { role } });
    return c.redirect(`${settingsPath(c)}?done=member-saved`, 303);
  })
  .post("/console/m/:merchantId/settings/members/:userId/remove", owner, async (c) => {
    const { db } = c.get("deps");
    const merchantId = c.get("merchant").id;
    const member = (await listMembers(db, merchantId)).find((m) => m.userId === c.req.param("userId"));
    if (!member) throw notFound("Person");
    await refuseLastOwner(c, member, null);
    await removeMembership(db, { userId: member.userId, merchantId });
    await auditAction(c, "member.removed", { target: member.email, before: { role: member.role }, after: { role: null } });
    return c.redirect(`${settingsPath(c)}?done=member-removed`, 303);
  })
  .get("/console/m/:merchantId/audit", requirePermission("audit:view"), async (c) => {
    const { rows, nextCursor } = await listAudit(c.get("deps").db, { merchantId: c.get("merchant").id, ...(c.req.query("cursor") ? { cursor: c.req.query("cursor")! } : {}) });
    return c.html(auditPage(c, { rows, nextCursor }));
  });

async function refuseLastOwner(c: Ctx, member: { userId: string; role: string }, newRole: string | null) {
  if (member.role !== "owner" || newRole === "owner") return;
  const owners = (await listMembers(c.get("deps").db, c.get("merchant").id)).filter((m) => m.role === "owner");
  if (owners.length <= 1) throw new ApiError(409, "last_owner", "A merchant keeps at least one owner; make someone else owner first");
}

