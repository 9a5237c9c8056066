/**
 * Refunds from the order page: create (the refunds domain's `createRefund`, under the order's row lock) and cancel a
 * pending one; both audited. A refused refund (over-refund, unpaid order, bad destination, not cancellable) shows
 * its message on the order page with the domain's status (422 or 409), never an error page.
 */
import { and, eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { refunds } from "../../db/schema.js";
import { domainApiError } from "../../http/domain-errors.js";
import { formatAmount } from "../../lib/amount.js";
import { ApiError, notFound } from "../../lib/errors.js";
import { cancelRefund } from "../../refunds/cancel.js";
import { createRefund } from "../../refunds/create.js";
import { auditAction } from "./audit-action.js";
import type { ConsoleEnv } from "../context.js";
import { requirePermission } from "../middleware.js";
import { consoleRefundContext, refundInput } from "../support/refunds.js";
import { ownedOrder, renderOrder } from "./support.js";

type Ctx = Context<ConsoleEnv>;

const refundContext = (c: Ctx) => {
  const { db, config, chains } = c.get("deps");
  return consoleRefundContext(db, config.publicBaseUrl, chains);
};

/** A refused refund action back on the order page; anything else (404, a bug) goes to the error handler. */
async function refused(c: Ctx, error: unknown) {
  const apiError = error instanceof ApiError ? error : domainApiError(error);
  if (!apiError || (apiError.status !== 422 && apiError.status !== 409)) throw error;
  return renderOrder(c, { status: apiError.status, refundError: apiError.message });
}

const orderPath = (c: Ctx) => `/console/m/${c.get("merchant").id}/orders/${c.req.param("orderId")}`;
const refund = requirePermission("orders:refund");

export const refundRoutes = new Hono<ConsoleEnv>()
  .post("/console/m/:merchantId/orders/:orderId/refund", refund, async (c) => {
    const before = await ownedOrder(c);
    const { db, now } = c.get("deps");
    try {
      const input = refundInput(c.get("form"));
      const { refund: created } = await createRefund(db, { merchantId: before.merchantId, orderId: before.id, input, now: now(), ctx: await refundContext(c) });
      await auditAction(c, "refund.created", {
        target: created.id,
        before: { orderId: before.id, amountReceived: formatAmount(before.amountReceived, before.tokenDecimals), amountRefunded: formatAmount(before.amountRefunded, before.tokenDecimals) },
        after: { orderId: before.id, by: c.get("session")!.user.email, amount: input.amount, destination: created.destination, reason: created.reason, refundRef: created.refundRef, status: created.status },
      });
      return c.redirect(`${orderPath(c)}?done=refund-created`, 303);
    } catch (error) {
      return refused(c, error);
    }
  })
  .post("/console/m/:merchantId/orders/:orderId/refunds/:refundId/cancel", refund, async (c) => {
    const order = await ownedOrder(c);
    const { db, now } = c.get("deps");
    const [found] = await db
      .select({ id: refunds.id, status: refunds.status })
      .from(refunds)
      .where(and(eq(refunds.id, c.req.param("refundId")), eq(refunds.orderId, order.id), eq(refunds.merchantId, order.merchantId)));
    if (!found) throw notFound("Refund");
    try {
      const { refund: cancelled } = await cancelRefund(db, { merchantId: order.merchantId, refundId: found.id, now: now(), ctx: await refundContext(c) });
      await auditAction(c, "refund.cancelled", { target: found.id, before: { orderId: order.id, status: found.status }, after: { orderId: order.id, status: cancelled.status } });
      return c.redirect(`${orderPath(c)}?done=refund-cancelled`, 303);
    } catch (error) {
      return refused(c, error);
    }
  });
