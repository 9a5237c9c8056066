/**
 * An order's story for support: created, each payment seen / confirmed / reverted, each event (status changes) and
 * every webhook attempt of its deliveries, and each refund's steps (`refundEntries`), oldest first. Refund events
 * (`refund.created`, ...) are events of the order, so they appear (and redeliver) like the others.
 */
import { asc, eq, inArray } from "drizzle-orm";
import type { Queryable } from "../../db/client.js";
import { events, webhookAttempts, webhookDeliveries, webhookEndpoints } from "../../db/schema.js";
import { formatAmount } from "../../lib/amount.js";
import type { OrderRow, PaymentRow } from "../../orders/views.js";
import { orderPayments } from "../../orders/reads.js";
import type { RefundRow } from "../../refunds/views.js";

export type TimelineEntry = {
  at: Date;
  kind: "created" | "payment_seen" | "payment_confirmed" | "payment_reverted" | "event" | "webhook_attempt" | "refund";
  title: string;
  detail?: string;
  status?: "ok" | "warn" | "bad";
  /** For events: the id a redeliver action takes. */
  eventId?: string;
};

export type OrderTimeline = { entries: TimelineEntry[]; payments: PaymentRow[]; events: { id: string; type: string; createdAt: Date }[] };

function paymentEntries(order: OrderRow, payment: PaymentRow): TimelineEntry[] {
  const amount = `${formatAmount(payment.amount, order.tokenDecimals)} ${order.tokenSymbol}`;
  const where = `tx ${payment.txHash} (log ${payment.logIndex}, block ${payment.blockNumber}) from ${payment.payerAddress}`;
  const entries: TimelineEntry[] = [{ at: payment.createdAt, kind: "payment_seen", title: `Payment seen: ${amount}`, detail: where }];
  if (payment.confirmedAt) entries.push({ at: payment.confirmedAt, kind: "payment_confirmed", title: `Payment confirmed: ${amount}`, detail: where, status: "ok" });
  if (payment.revertedAt) entries.push({ at: payment.revertedAt, kind: "payment_reverted", title: `Payment removed by a reorg: ${amount}`, detail: where, status: "bad" });
  return entries;
}

async function webhookEntries(db: Queryable, eventIds: string[], eventTypes: Map<string, string>): Promise<TimelineEntry[]> {
  if (eventIds.length === 0) return [];
  const rows = await db
    .select({ attempt: webhookAttempts, eventId: webhookDeliveries.eventId, url: webhookEndpoints.url })
    .from(webhookAttempts)
    .innerJoin(webhookDeliveries, eq(webhookDeliveries.id, webhookAttempts.deliveryId))
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(inArray(webhookDeliveries.eventId, eventIds))
    .orderBy(asc(webhookAttempts.id));
  return rows.map(({ attempt, eventId, url }) => {
    const ok = attempt.responseStatus !== null && attempt.responseStatus >= 200 && attempt.responseStatus < 300;
    return {
      at: attempt.attemptedAt,
      kind: "webhook_attempt" as const,
      title: `Webhook ${eventTypes.get(eventId)} → ${attempt.responseStatus ?? "no response"} in ${attempt.latencyMs} ms`,
      detail: `${url}${attempt.error ? ` · ${attempt.error}` : ""}${attempt.responseExcerpt ? ` · “${attempt.responseExcerpt.slice(0, 120)}”` : ""}`,
      status: ok ? ("ok" as const) : ("bad" as const),
    };
  });
}

/** Each refund's steps: requested, its `RefundSent` seen (submitted), succeeded, failed or cancelled. */
export function refundEntries(order: OrderRow, refundRows: RefundRow[]): TimelineEntry[] {
  return refundRows.flatMap((r) => {
    const amount = `${formatAmount(r.amount, order.tokenDecimals)} ${order.tokenSymbol}`;
    const to = `to ${r.destination ?? "(no destination yet)"} · ref ${r.refundRef}`;
    const sent = r.txHash ? `${to} · tx ${r.txHash}` : to;
    const entries: TimelineEntry[] = [{ at: r.createdAt, kind: "refund", title: `Refund requested: ${amount} (${r.reason})`, detail: to }];
    if (r.submittedAt) entries.push({ at: r.submittedAt, kind: "refund", title: `Refund sent on-chain: ${amount}`, detail: sent, status: "warn" });
    if (r.succeededAt) entries.push({ at: r.succeededAt, kind: "refund", title: `Refund succeeded: ${amount}`, detail: sent, status: "ok" });
    if (r.status === "failed") entries.push({ at: r.updatedAt, kind: "refund", title: `Refund failed: ${amount}`, detail: `${sent}${r.failureReason ? ` · ${r.failureReason}` : ""}`, status: "bad" });
    if (r.cancelledAt) entries.push({ at: r.cancelledAt, kind: "refund", title: `Refund cancelled: ${amount}`, detail: to, status: "bad" });
    return entries;
  });
}

export async function orderTimeline(db: Queryable, order: OrderRow, refundRows: RefundRow[] = []): Promise<OrderTimeline> {
  const paymentRows = await orderPayments(db, order.id);
  const eventRows = await db.select({ id: events.id, type: events.type, createdAt: events.createdAt }).from(events).where(eq(events.orderId, order.id)).orderBy(asc(events.id));
  const types = new Map(eventRows.map((e) => [e.id, e.type]));
  const entries: TimelineEntry[] = [
    { at: order.createdAt, kind: "created", title: `Order created: ${formatAmount(order.amount, order.tokenDecimals)} ${order.tokenSymbol} on chain ${order.chainId}` },
    ...paymentRows.flatMap((p) => paymentEntries(order, p)),
    ...eventRows.map((e) => ({ at: e.createdAt, kind: "event" as const, title: `Event ${e.type}`, detail: e.id, eventId: e.id })),
    ...(await webhookEntries(db, eventRows.map((e) => e.id), types)),
    ...refundEntries(order, refundRows),
  ];
  entries.sort((a, b) => a.at.getTime() - b.at.getTime());
  return { entries, payments: paymentRows, events: eventRows };
}
