/** Reading orders and their payments as merchants see them. Every read is scoped to the calling merchant. */
import { and, asc, desc, eq, gte, inArray, lt } from "drizzle-orm";
import { readSnapshot, type Database, type Queryable } from "../db/client.js";
import { confirmerCursors, orders, payments, type OrderStatus, type PaymentState } from "../db/schema.js";
import { cursorPage } from "../lib/pagination.js";
import { OrderNotFoundError } from "./errors.js";
import { toOrderView, toPaymentView, type OrderRow, type PaymentRow, type ViewContext } from "./views.js";

/** Indexed head per chain as the confirmer last saw it. */
export async function loadHeads(db: Queryable): Promise<Map<number, bigint>> {
  const rows = await db.select({ chainId: confirmerCursors.chainId, head: confirmerCursors.indexedHead }).from(confirmerCursors);
  return new Map(rows.map((row) => [row.chainId, row.head]));
}

export async function orderPayments(db: Queryable, orderId: string): Promise<PaymentRow[]> {
  return db.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(asc(payments.blockNumber), asc(payments.logIndex));
}

/** The view context for reads: counting confirmations needs the heads, an order alone does not. */
export async function viewContext(db: Queryable, publicBaseUrl: string, { withHeads }: { withHeads: boolean }): Promise<ViewContext> {
  return { publicBaseUrl, heads: withHeads ? await loadHeads(db) : new Map() };
}

export type OrderKey = { id: string } | { merchantOrderId: string };

export async function findOrder(db: Queryable, merchantId: string, key: OrderKey): Promise<OrderRow> {
  const condition = "id" in key ? eq(orders.id, key.id) : eq(orders.merchantOrderId, key.merchantOrderId);
  const [order] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.merchantId, merchantId), condition));
  if (!order) throw new OrderNotFoundError();
  return order;
}

export type OrderFilter = {
  status?: OrderStatus[] | undefined;
  merchantOrderId?: string | undefined;
  createdFrom?: string | undefined;
  createdTo?: string | undefined;
  cursor?: string | undefined;
  limit: number;
};

/** The merchant's orders, newest first, one page. */
export async function listOrders(db: Queryable, merchantId: string, q: OrderFilter, publicBaseUrl: string) {
  const conditions = [eq(orders.merchantId, merchantId)];
  if (q.status) conditions.push(inArray(orders.status, q.status));
  if (q.merchantOrderId !== undefined) conditions.push(eq(orders.merchantOrderId, q.merchantOrderId));
  if (q.createdFrom) conditions.push(gte(orders.createdAt, new Date(q.createdFrom)));
  if (q.createdTo) conditions.push(lt(orders.createdAt, new Date(q.createdTo)));
  if (q.cursor) conditions.push(lt(orders.id, q.cursor));
  const ctx = await viewContext(db, publicBaseUrl, { withHeads: false });
  return cursorPage(
    q.limit,
    (take) => db.select().from(orders).where(and(...conditions)).orderBy(desc(orders.id)).limit(take),
    (o) => o.id,
    (page) => page.map((o) => toOrderView(o, ctx)),
  );
}

/** The order's payments as the API shows them (one snapshot: each payment's state agrees with its confirmations). */
export async function listOrderPayments(db: Database, merchantId: string, orderId: string, publicBaseUrl: string) {
  return readSnapshot(db, async (tx) => {
    const order = await findOrder(tx, merchantId, { id: orderId });
    const ctx = await viewContext(tx, publicBaseUrl, { withHeads: true });
    const rows = await orderPayments(tx, order.id);
    return { data: rows.map((p) => toPaymentView(p, order, ctx)) };
  });
}

/**
 * BlockATM's `contractPayment`: the order's status and its on-chain payments in one answer, read from one snapshot
 * (a read-only REPEATABLE READ transaction): a confirmer pass committing between the reads can never show a status
 * that disagrees with the payments listed.
 */
export async function contractPayment(db: Database, merchantId: string, key: OrderKey, publicBaseUrl: string) {
  return readSnapshot(db, (tx) => contractPaymentIn(tx, merchantId, key, publicBaseUrl));
}

async function contractPaymentIn(db: Queryable, merchantId: string, key: OrderKey, publicBaseUrl: string) {
  const order = await findOrder(db, merchantId, key);
  const ctx = await viewContext(db, publicBaseUrl, { withHeads: true });
  const view = toOrderView(order, ctx);
  const rows = await orderPayments(db, order.id);
  return {
    orderId: view.id,
    merchantOrderId: view.merchantOrderId,
    status: view.status,
    amount: view.amount,
    amountReceived: view.amountReceived,
    symbol: view.symbol,
    chainId: view.chainId,
    toAddress: view.toAddress,
    depositAddress: view.depositAddress,
    timestamp: order.createdAt.getTime(),
    expiresAt: view.expiresAt,
    payments: rows.map((p) => toPaymentView(p, order, ctx)),
  };
}

export type PaymentFilter = {
  orderId?: string | undefined;
  chainId?: number | undefined;
  state?: PaymentState | undefined;
  cursor?: string | undefined;
  limit: number;
};

/** The merchant's payments across orders, newest first, one page (one snapshot, as above). */
export async function listPayments(db: Database, merchantId: string, q: PaymentFilter, publicBaseUrl: string) {
  return readSnapshot(db, (tx) => listPaymentsIn(tx, merchantId, q, publicBaseUrl));
}

async function listPaymentsIn(db: Queryable, merchantId: string, q: PaymentFilter, publicBaseUrl: string) {
  const conditions = [eq(payments.merchantId, merchantId)];
  if (q.orderId !== undefined) conditions.push(eq(payments.orderId, q.orderId));
  if (q.chainId !== undefined) conditions.push(eq(payments.chainId, q.chainId));
  if (q.state !== undefined) conditions.push(eq(payments.state, q.state));
  if (q.cursor !== undefined) conditions.push(lt(payments.id, q.cursor));
  return cursorPage(
    q.limit,
    (take) =>
      db
        .select({ payment: payments, order: orders })
        .from(payments)
        .innerJoin(orders, eq(orders.id, payments.orderId))
        .where(and(...conditions))
        .orderBy(desc(payments.id))
        .limit(take),
    (row) => row.payment.id,
    async (page) => {
      const ctx = await viewContext(db, publicBaseUrl, { withHeads: true });
      return page.map((row) => toPaymentView(row.payment, row.order, ctx));
    },
  );
}
