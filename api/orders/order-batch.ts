/**
 * Status updates for many orders in one transaction, in a constant number of statements: the orders are locked and
 * read (with their payments) once, each change is worked out in memory exactly as `updateOrder` would one at a time
 * (the same state machine, the same events, in the same order, each event's snapshot the order as it was at that
 * step), and the new statuses, the events and their deliveries are written in bulk at the end.
 *
 * Whoever changes a payment of a held order tells the batch (`putPayment`) after writing it, so the next step sees it.
 */
import { inArray, or, sql } from "drizzle-orm";
import type { Transaction } from "../db/client.js";
import { events, orders, type OrderStatus, payments } from "../db/schema.js";
import { chunked } from "../lib/chunks.js";
import { newId } from "../lib/ids.js";
import { enqueueDeliveriesFor } from "../webhooks/fan-out.js";
import { eventData, type OrderEventType } from "./events.js";
import { confirmedAmount, deriveStatus, isExtraPayment, statusEvent } from "./status.js";
import type { OrderRow, PaymentRow, ViewContext } from "./views.js";

export type OrderUpdate = { order: OrderRow; from: OrderStatus; events: { type: OrderEventType }[] };

/** What a step is about: a payment a reorg just removed, or one just confirmed (see `updateOrder`). */
export type OrderStep = { reverted?: PaymentRow | undefined; confirmed?: string | undefined };

type Held = { written: OrderRow; order: OrderRow; payments: PaymentRow[] };
type EventRow = typeof events.$inferInsert & { id: string; merchantId: string; type: OrderEventType };
type PendingEvent = Omit<EventRow, "id">;

/** As `orderPayments` reads them: in chain order. */
const chainOrder = (a: PaymentRow, b: PaymentRow) =>
  a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1;

export class OrderBatch {
  readonly #now: Date;
  readonly #ctx: ViewContext;
  readonly #held = new Map<string, Held>();
  readonly #byRef = new Map<string, string>();
  #events: PendingEvent[] = [];

  constructor({ now, ctx }: { now: Date; ctx: ViewContext }) {
    this.#now = now;
    this.#ctx = ctx;
  }

  /** Locks and reads the orders named (by id or by order reference) that the batch does not hold yet: two statements. */
  async hold(tx: Transaction, { ids = [], refs = [] }: { ids?: readonly string[]; refs?: readonly string[] }): Promise<void> {
    const newIds = [...new Set(ids)].filter((id) => !this.#held.has(id));
    const newRefs = [...new Set(refs.map((ref) => ref.toLowerCase()))].filter((ref) => !this.#byRef.has(ref));
    if (newIds.length === 0 && newRefs.length === 0) return;
    const where = or(newIds.length > 0 ? inArray(orders.id, newIds) : undefined, newRefs.length > 0 ? inArray(orders.orderRef, newRefs) : undefined);
    // In id order, so two transactions locking several orders never wait on each other in a circle.
    const found = (await tx.select().from(orders).where(where).orderBy(orders.id).for("update")).filter((o) => !this.#held.has(o.id));
    if (found.length === 0) return;
    const rows = await tx.select().from(payments).where(inArray(payments.orderId, found.map((o) => o.id)));
    for (const order of found) {
      this.#held.set(order.id, { written: order, order, payments: rows.filter((p) => p.orderId === order.id).sort(chainOrder) });
      this.#byRef.set(order.orderRef, order.id);
    }
  }

  /** The held order with this reference (lower-case 0x hex), if any. */
  orderByRef(ref: string): OrderRow | undefined {
    const id = this.#byRef.get(ref.toLowerCase());
    return id === undefined ? undefined : this.#held.get(id)?.order;
  }

  /** A payment as the batch holds it (undefined when its order is not held). */
  payment(orderId: string, paymentId: string): PaymentRow | undefined {
    return this.#held.get(orderId)?.payments.find((p) => p.id === paymentId);
  }

  /** A payment row as just written (new or changed); nothing to do when its order is not held. */
  putPayment(row: PaymentRow): void {
    const held = this.#held.get(row.orderId);
    if (!held) return;
    held.payments = [...held.payments.filter((p) => p.id !== row.id), row].sort(chainOrder);
  }

  /**
   * Re-derives a held order's status from its terms, its payments and the time, and queues the events the change
   * calls for (`updateOrder`'s rules); written by `write`.
   */
  update(orderId: string, { reverted, confirmed }: OrderStep = {}): OrderUpdate {
    const held = this.#held.get(orderId);
    if (!held) throw new Error(`order ${orderId} vanished`);
    const { order, payments: paymentRows } = held;
    const status = deriveStatus(order, paymentRows, this.#now);
    const amountReceived = confirmedAmount(paymentRows);
    const updated = status !== order.status || amountReceived !== order.amountReceived ? { ...order, status, amountReceived, updatedAt: this.#now } : order;
    held.order = updated;

    const types: { type: OrderEventType; payment?: PaymentRow | undefined }[] = [];
    if (reverted) types.push({ type: "payment.reverted", payment: reverted });
    const change = statusEvent(order.status, status);
    if (change) types.push({ type: change });
    const extra = confirmed ? paymentRows.find((p) => p.id === confirmed) : undefined;
    if (extra && isExtraPayment(order, paymentRows, extra)) types.push({ type: "payment.received", payment: extra });

    for (const { type, payment } of types) {
      this.#events.push({ merchantId: order.merchantId, type, orderId, data: eventData(updated, paymentRows, this.#ctx, payment), createdAt: this.#now });
    }
    return { order: updated, from: order.status, events: types.map(({ type }) => ({ type })) };
  }

  /**
   * Writes what changed since the last write: order statuses, then events, then their deliveries. Returns the orders
   * changed. An order's events keep their order, and go out together (ids are given here, in that order): in a block
   * of 50 payments each order's `order.confirming` is followed by its `order.paid`, not by 49 other orders'
   * `order.confirming`, so the dispatcher (oldest first) brings the `order.paid` of the median order a third sooner.
   */
  async write(tx: Transaction): Promise<string[]> {
    const changed = [...this.#held.values()].filter((held) => held.order !== held.written);
    for (const rows of chunked(changed, 500)) await writeStatuses(tx, rows.map((held) => held.order));
    const written: EventRow[] = groupedByOrder(this.#events).map((event) => ({ ...event, id: newId("evt", this.#now.getTime()) }));
    for (const rows of chunked(written, 500)) await tx.insert(events).values(rows);
    await enqueueDeliveriesFor(tx, written, { now: this.#now });
    for (const held of changed) held.written = held.order;
    this.#events = [];
    return changed.map((held) => held.order.id);
  }
}

/** Each order's events in the order they came, the orders in the order of their first event. */
function groupedByOrder(pending: readonly PendingEvent[]): PendingEvent[] {
  const byOrder = new Map<string | null | undefined, PendingEvent[]>();
  for (const event of pending) {
    const list = byOrder.get(event.orderId);
    if (list) list.push(event);
    else byOrder.set(event.orderId, [event]);
  }
  return [...byOrder.values()].flat();
}

/** One UPDATE for many orders' status, amount received and update time. */
async function writeStatuses(tx: Transaction, rows: readonly OrderRow[]) {
  const values = rows.map((o) => ({ id: o.id, status: o.status, amount_received: o.amountReceived.toString(), updated_at: o.updatedAt.toISOString() }));
  await tx.execute(sql`
    update ${orders} set status = v.status, amount_received = v.amount_received, updated_at = v.updated_at
    from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as v(id text, status text, amount_received numeric, updated_at timestamptz)
    where ${orders.id} = v.id`);
}
