/**
 * The order events merchants receive: their types, the order snapshot each carries, and the one public JSON of an
 * event, the same in `GET /v1/events` and in every webhook delivery.
 */
import { toOrderView, toPaymentView, type OrderRow, type PaymentRow, type ViewContext } from "./views.js";

export type OrderEventType =
  | "order.confirming"
  | "order.paid"
  | "order.underpaid"
  | "order.overpaid"
  | "order.expired"
  | "order.paid_late"
  | "order.cancelled"
  | "payment.received"
  | "payment.reverted";

export const ORDER_EVENT_TYPES: readonly OrderEventType[] = [
  "order.confirming",
  "order.paid",
  "order.underpaid",
  "order.overpaid",
  "order.expired",
  "order.paid_late",
  "order.cancelled",
  "payment.received",
  "payment.reverted",
];

/** The event's `data`: the order as it is now, with its payments, and the payment the event is about. */
export function eventData(order: OrderRow, orderPaymentRows: PaymentRow[], ctx: ViewContext, payment?: PaymentRow) {
  return {
    order: { ...toOrderView(order, ctx), payments: orderPaymentRows.map((p) => toPaymentView(p, order, ctx)) },
    ...(payment ? { payment: toPaymentView(payment, order, ctx) } : {}),
  };
}

export type StoredEvent<D = unknown> = { id: string; type: string; orderId: string | null; createdAt: Date; data: D };

/** An event as merchants see it (GET /v1/events and webhook bodies alike). Key order is part of the contract. */
export function toEventView<D>(event: StoredEvent<D>) {
  return { id: event.id, type: event.type, orderId: event.orderId, createdAt: event.createdAt.toISOString(), data: event.data };
}

/** The exact JSON body of an event's deliveries: the same on every attempt. */
export function eventBody(event: StoredEvent): string {
  return JSON.stringify(toEventView(event));
}
