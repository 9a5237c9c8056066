/**
 * Refund events, written in the transaction that makes the change (the webhook outbox): their types, and the data
 * each carries, the refund and its order as they are at that moment.
 */
import type { Transaction } from "../db/client.js";
import { events } from "../db/schema.js";
import type { ChainCatalog } from "../chains/catalog.js";
import { newId } from "../lib/ids.js";
import { enqueueDeliveries } from "../webhooks/fan-out.js";
import { toOrderView, type OrderRow, type ViewContext } from "../orders/views.js";
import { toRefundView, type RefundRow } from "./views.js";

export type RefundEventType = "refund.created" | "refund.destination_set" | "refund.succeeded" | "refund.failed" | "refund.cancelled";

export const REFUND_EVENT_TYPES: readonly RefundEventType[] = ["refund.created", "refund.destination_set", "refund.succeeded", "refund.failed", "refund.cancelled"];

/** What refund code needs to show a refund: the order view's context and the chains (for the RefundRouter). */
export type RefundContext = ViewContext & { chains: ChainCatalog };

export function refundView(refund: RefundRow, order: OrderRow, ctx: RefundContext) {
  return toRefundView(refund, order, ctx.chains.chain(order.chainId)?.refundRouter, ctx.publicBaseUrl);
}

export function refundEventData(refund: RefundRow, order: OrderRow, ctx: RefundContext) {
  return { refund: refundView(refund, order, ctx), order: toOrderView(order, ctx) };
}

/** Writes the event row and its deliveries; call inside the transaction that made the change. */
export async function writeRefundEvent(
  tx: Transaction,
  type: RefundEventType,
  { refund, order, ctx, now }: { refund: RefundRow; order: OrderRow; ctx: RefundContext; now: Date },
): Promise<string> {
  const id = newId("evt", now.getTime());
  await tx.insert(events).values({ id, merchantId: refund.merchantId, type, orderId: order.id, data: refundEventData(refund, order, ctx), createdAt: now });
  await enqueueDeliveries(tx, { id, merchantId: refund.merchantId, type }, { now });
  return id;
}
