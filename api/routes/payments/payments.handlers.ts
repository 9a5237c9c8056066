import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../http/context.js";
import { listPayments as list } from "../../orders/reads.js";
import type * as routes from "./payments.routes.js";

export const listPayments: RouteHandler<typeof routes.listPayments, AppEnv> = async (c) => {
  const { db, config } = c.get("deps");
  return c.json(await list(db, c.get("merchant").id, c.req.valid("query"), config.publicBaseUrl), 200);
};
