import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../http/context.js";
import { cancelOrder as cancel } from "../../orders/cancel.js";
import { createOrder } from "../../orders/create.js";
import * as reads from "../../orders/reads.js";
import { toOrderView } from "../../orders/views.js";
import type * as routes from "./orders.routes.js";

const NO_HEADS: ReadonlyMap<number, bigint> = new Map();

export const createQrOrder: RouteHandler<typeof routes.createQrOrder, AppEnv> = async (c) => {
  const { db, chains, config, now } = c.get("deps");
  const deps = { db, chains, payouts: c.get("caches").payouts, defaultExpirySeconds: config.orderExpirySeconds, now: now() };
  const order = await createOrder(deps, c.get("merchant"), c.req.valid("json"));
  c.header("Location", `/v1/orders/${order.id}`);
  return c.json(toOrderView(order, { publicBaseUrl: config.publicBaseUrl, heads: NO_HEADS }), 201);
};

export const getOrder: RouteHandler<typeof routes.getOrder, AppEnv> = async (c) => {
  const { db, config } = c.get("deps");
  const order = await reads.findOrder(db, c.get("merchant").id, { id: c.req.valid("param").orderId });
  return c.json(toOrderView(order, { publicBaseUrl: config.publicBaseUrl, heads: NO_HEADS }), 200);
};

export const listOrders: RouteHandler<typeof routes.listOrders, AppEnv> = async (c) => {
  const { db, config } = c.get("deps");
  return c.json(await reads.listOrders(db, c.get("merchant").id, c.req.valid("query"), config.publicBaseUrl), 200);
};

export const cancelOrder: RouteHandler<typeof routes.cancelOrder, AppEnv> = async (c) => {
  const { db, config, now } = c.get("deps");
  const ctx = await reads.viewContext(db, config.publicBaseUrl, { withHeads: true });
  const order = await cancel(db, { merchantId: c.get("merchant").id, orderId: c.req.valid("param").orderId, now: now(), ctx });
  return c.json(toOrderView(order, ctx), 200);
};

export const listOrderPayments: RouteHandler<typeof routes.listOrderPayments, AppEnv> = async (c) => {
  const { db, config } = c.get("deps");
  return c.json(await reads.listOrderPayments(db, c.get("merchant").id, c.req.valid("param").orderId, config.publicBaseUrl), 200);
};

export const contractPayment: RouteHandler<typeof routes.contractPayment, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const key = q.orderId !== undefined ? { id: q.orderId } : { merchantOrderId: q.merchantOrderId! };
  const { db, config } = c.get("deps");
  return c.json(await reads.contractPayment(db, c.get("merchant").id, key, config.publicBaseUrl), 200);
};
