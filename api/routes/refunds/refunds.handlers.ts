import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../http/context.js";
import { viewContext } from "../../orders/reads.js";
import { cancelRefund as cancel } from "../../refunds/cancel.js";
import { rpcChainReader } from "../../chains/rpc.js";
import { createRefund as create } from "../../refunds/create.js";
import { recordRefundTransaction as record } from "../../refunds/record-tx.js";
import { refundView, type RefundContext } from "../../refunds/events.js";
import * as reads from "../../refunds/reads.js";
import type * as routes from "./refunds.routes.js";

async function refundContext(deps: AppEnv["Variables"]["deps"]): Promise<RefundContext> {
  return { ...(await viewContext(deps.db, deps.config.publicBaseUrl, { withHeads: false })), chains: deps.chains };
}

export const createRefund: RouteHandler<typeof routes.createRefund, AppEnv> = async (c) => {
  const deps = c.get("deps");
  const ctx = await refundContext(deps);
  const { orderId } = c.req.valid("param");
  const { refund, order } = await create(deps.db, { merchantId: c.get("merchant").id, orderId, input: c.req.valid("json"), now: deps.now(), ctx });
  c.header("Location", `/v1/refunds/${refund.id}`);
  return c.json(refundView(refund, order, ctx), 201);
};

export const listRefunds: RouteHandler<typeof routes.listRefunds, AppEnv> = async (c) => {
  const deps = c.get("deps");
  return c.json(await reads.listRefunds(deps.db, c.get("merchant").id, c.req.valid("query"), await refundContext(deps)), 200);
};

export const getRefund: RouteHandler<typeof routes.getRefund, AppEnv> = async (c) => {
  const deps = c.get("deps");
  return c.json(await reads.getRefund(deps.db, c.get("merchant").id, c.req.valid("param").refundId, await refundContext(deps)), 200);
};

export const cancelRefund: RouteHandler<typeof routes.cancelRefund, AppEnv> = async (c) => {
  const deps = c.get("deps");
  const ctx = await refundContext(deps);
  const { refund, order } = await cancel(deps.db, { merchantId: c.get("merchant").id, refundId: c.req.valid("param").refundId, now: deps.now(), ctx });
  return c.json(refundView(refund, order, ctx), 200);
};

export const recordRefundTransaction: RouteHandler<typeof routes.recordRefundTransaction, AppEnv> = async (c) => {
  const deps = c.get("deps");
  const ctx = await refundContext(deps);
  const input = { merchantId: c.get("merchant").id, refundId: c.req.valid("param").refundId, txHash: c.req.valid("json").txHash, now: deps.now(), ctx };
  const { refund, order } = await record(deps.db, rpcChainReader(deps.config.rpcUrls), input);
  return c.json(refundView(refund, order, ctx), 200);
};
