import type { RouteHandler } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../../http/context.js";
import type * as routes from "./health.routes.js";

export const getHealth: RouteHandler<typeof routes.getHealth, AppEnv> = (c) => c.json({ status: "ok" as const }, 200);

export const getReady: RouteHandler<typeof routes.getReady, AppEnv> = async (c) => {
  await c.get("deps").db.execute(sql`select 1`);
  return c.json({ status: "ready" as const, database: c.get("deps").config.database.url ? ("postgres" as const) : ("pglite" as const) }, 200);
};
