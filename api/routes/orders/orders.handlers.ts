import type { RouteHandler } from "@hono/zod-openapi";
import { and, desc, eq, gte, inArray, lt } from "drizzle-orm";
import { cancelOrder as cancel, loadHeads, orderPayments } from "../../confirmer/order-updates.js";
import { orders, payoutAddresses } from "../../db/schema.js";
import { AmountError, parseAmount } from "../../lib/amount.js";
import type { AppEnv } from "../../lib/context.js";
import { ApiError, notFound, validationFailed } from "../../lib/errors.js";
import { newId, newOrderRef } from "../../lib/ids.js";
import { toOrderView, toPaymentView, type ViewContext } from "../../lib/order-view.js";
import { insertOrder } from "./orders.queries.js";
import type * as routes from "./orders.routes.js";

const NO_HEADS: ReadonlyMap<number, bigint> = new Map();

export const createQrOrder: RouteHandler<typeof routes.createQrOrder, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const { db, chains, config, now } = c.get("deps");
  const merchant = c.get("merchant");

  const chain = chains.chain(body.chainId);
  if (!chain) {
    const accepted = chains.list().map((ch) => ch.chainId).join(", ");
    throw validationFailed([{ field: "chainId", in: "body", message: `chain ${body.chainId} is not accepted here (accepted: ${accepted})` }]);
  }
  const token = chains.token(body.chainId, body.symbol);
  if (!token) {
    const accepted = chain.tokens.map((t) => t.symbol).join(", ");
    throw validationFailed([{ field: "symbol", in: "body", message: `${body.symbol} is not accepted on chain ${chain.chainId} (accepted: ${accepted})` }]);
  }
  let amount: bigint;
  try {
    amount = parseAmount(body.amount, token.decimals);
  } catch (error) {
    if (error instanceof AmountError) throw validationFailed([{ field: "amount", in: "body", message: `${error.message}` }]);
    throw error;
  }

  const at = now();
  let expiresAt: Date;
  if (body.expiresAt !== undefined) {
    expiresAt = new Date(body.expiresAt);
    if (expiresAt.getTime() < at.getTime() + 60_000) {
      throw validationFailed([{ field: "expiresAt", in: "body", message: "must be at least 60 seconds from now" }]);
    }
  } else {
    const seconds = body.expiresIn ?? merchant.orderExpirySeconds ?? config.orderExpirySeconds;
    expiresAt = new Date(at.getTime() + seconds * 1000);
  }

  const payouts = await c.get("caches").payouts.get(merchant.id, at.getTime(), async () => {
    const rows = await db
      .select({ chainId: payoutAddresses.chainId, address: payoutAddresses.address })
      .from(payoutAddresses)
      .where(eq(payoutAddresses.merchantId, merchant.id));
    return new Map(rows.map((row) => [row.chainId, row.address]));
  });
  const payout = payouts?.get(chain.chainId);
  if (!payout) {
    throw new ApiError(422, "payout_address_not_set", `No payout address is set for chain ${chain.chainId}; ask the operator to set one`, {
      details: [{ field: "chainId", in: "body", message: "the merchant has no payout address on this chain" }],
    });
  }

  const order = await insertOrder(db, {
    id: newId("ord", at.getTime()),
    merchantId: merchant.id,
    merchantOrderId: body.merchantOrderId,
    orderRef: newOrderRef(),
    chainId: chain.chainId,
    routerAddress: chain.router,
    tokenSymbol: token.symbol,
    tokenAddress: token.address,
    tokenDecimals: token.decimals,
    payoutAddress: payout,
    amount,
    status: "pending",
    confirmations: merchant.confirmations[String(chain.chainId)] ?? chain.confirmations,
    underpaymentToleranceBps: merchant.underpaymentToleranceBps,
    overpaymentToleranceBps: merchant.overpaymentToleranceBps,
    description: body.description ?? null,
    customerId: body.customerId ?? null,
    metadata: body.metadata ?? null,
    successUrl: body.successUrl ?? null,
    cancelUrl: body.cancelUrl ?? null,
    expiresAt,
    createdAt: at,
    updatedAt: at,
  });
  if (!order) {
    const [existing] = await db
      .select({ id: orders.id })
      .from(orders)
      .where(and(eq(orders.merchantId, merchant.id), eq(orders.merchantOrderId, body.merchantOrderId)));
    throw new ApiError(409, "duplicate_merchant_order_id", `An order with merchantOrderId "${body.merchantOrderId}" already exists`, {
      details: { orderId: existing?.id },
    });
  }
  c.header("Location", `/v1/orders/${order.id}`);
  return c.json(toOrderView(order, { publicBaseUrl: config.publicBaseUrl, heads: NO_HEADS }), 201);
};

async function findOrder(c: { get<K extends keyof AppEnv["Variables"]>(key: K): AppEnv["Variables"][K] }, where: { id: string } | { merchantOrderId: string }) {
  const { db } = c.get("deps");
  const condition = "id" in where ? eq(orders.id, where.id) : eq(orders.merchantOrderId, where.merchantOrderId);
  const [order] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.merchantId, c.get("merchant").id), condition));
  if (!order) throw notFound("Order");
  return order;
}

const viewContext = (c: { get<K extends keyof AppEnv["Variables"]>(key: K): AppEnv["Variables"][K] }, heads = NO_HEADS): ViewContext => ({
  publicBaseUrl: c.get("deps").config.publicBaseUrl,
  heads,
});

export const getOrder: RouteHandler<typeof routes.getOrder, AppEnv> = async (c) => {
  const order = await findOrder(c, { id: c.req.valid("param").orderId });
  return c.json(toOrderView(order, viewContext(c)), 200);
};

export const listOrders: RouteHandler<typeof routes.listOrders, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const { db } = c.get("deps");
  const conditions = [eq(orders.merchantId, c.get("merchant").id)];
  if (q.status) conditions.push(inArray(orders.status, q.status));
  if (q.merchantOrderId !== undefined) conditions.push(eq(orders.merchantOrderId, q.merchantOrderId));
  if (q.createdFrom) conditions.push(gte(orders.createdAt, new Date(q.createdFrom)));
  if (q.createdTo) conditions.push(lt(orders.createdAt, new Date(q.createdTo)));
  if (q.cursor) conditions.push(lt(orders.id, q.cursor));
  const rows = await db
    .select()
    .from(orders)
    .where(and(...conditions))
    .orderBy(desc(orders.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const ctx = viewContext(c);
  return c.json({ data: page.map((o) => toOrderView(o, ctx)), nextCursor: rows.length > q.limit ? page.at(-1)!.id : null }, 200);
};

export const cancelOrder: RouteHandler<typeof routes.cancelOrder, AppEnv> = async (c) => {
  const { db, now } = c.get("deps");
  const ctx = viewContext(c, await loadHeads(db));
  const order = await cancel(db, { merchantId: c.get("merchant").id, orderId: c.req.valid("param").orderId, now: now(), ctx });
  return c.json(toOrderView(order, ctx), 200);
};

export const listOrderPayments: RouteHandler<typeof routes.listOrderPayments, AppEnv> = async (c) => {
  const order = await findOrder(c, { id: c.req.valid("param").orderId });
  const { db } = c.get("deps");
  const ctx = viewContext(c, await loadHeads(db));
  const rows = await orderPayments(db, order.id);
  return c.json({ data: rows.map((p) => toPaymentView(p, order, ctx)) }, 200);
};

export const contractPayment: RouteHandler<typeof routes.contractPayment, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const order = await findOrder(c, q.orderId !== undefined ? { id: q.orderId } : { merchantOrderId: q.merchantOrderId! });
  const { db } = c.get("deps");
  const ctx = viewContext(c, await loadHeads(db));
  const view = toOrderView(order, ctx);
  const rows = await orderPayments(db, order.id);
  return c.json(
    {
      orderId: view.id,
      merchantOrderId: view.merchantOrderId,
      status: view.status,
      amount: view.amount,
      amountReceived: view.amountReceived,
      symbol: view.symbol,
      chainId: view.chainId,
      toAddress: view.toAddress,
      timestamp: order.createdAt.getTime(),
      expiresAt: view.expiresAt,
      payments: rows.map((p) => toPaymentView(p, order, ctx)),
    },
    200,
  );
};
