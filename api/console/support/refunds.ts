/**
 * An order's refunds on its console page, and the form's input checked as the API checks it (the same schema), so
 * the console only collects fields and calls the refunds domain (`api/refunds/`), which decides everything else.
 */
import { and, asc, eq } from "drizzle-orm";
import type { Queryable } from "../../db/client.js";
import { refunds } from "../../db/schema.js";
import type { ChainCatalog } from "../../chains/catalog.js";
import { ApiError } from "../../lib/errors.js";
import { viewContext } from "../../orders/reads.js";
import type { OrderRow } from "../../orders/views.js";
import { refundView, type RefundContext } from "../../refunds/events.js";
import type { CreateRefundInput } from "../../refunds/create.js";
import type { RefundRow, RefundView } from "../../refunds/views.js";
import { createRefundBody } from "../../routes/refunds/refunds.routes.js";

export async function consoleRefundContext(db: Queryable, publicBaseUrl: string, chains: ChainCatalog): Promise<RefundContext> {
  return { ...(await viewContext(db, publicBaseUrl, { withHeads: false })), chains };
}

/** The order's refunds, oldest first: the rows (for the timeline) and their views (with the transaction to send). */
export async function orderRefunds(db: Queryable, order: OrderRow, ctx: RefundContext): Promise<{ rows: RefundRow[]; views: RefundView[] }> {
  const rows = await db
    .select()
    .from(refunds)
    .where(and(eq(refunds.orderId, order.id), eq(refunds.merchantId, order.merchantId)))
    .orderBy(asc(refunds.id));
  return { rows, views: rows.map((row) => refundView(row, order, ctx)) };
}

/** The refund form's fields; an empty destination means "the wallet that paid". A 422 naming the field otherwise. */
export function refundInput(form: Record<string, string>): CreateRefundInput {
  const destination = (form.destination ?? "").trim();
  const parsed = createRefundBody.safeParse({ amount: (form.amount ?? "").trim(), reason: (form.reason ?? "").trim(), ...(destination ? { destination } : {}) });
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({ field: String(issue.path[0] ?? "form"), in: "body", message: issue.message }));
  throw new ApiError(422, "validation_failed", details.map((d) => `${d.field}: ${d.message}`).join("; "), { details });
}
