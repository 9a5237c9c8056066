import type { RouteHandler } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../../http/context.js";
import { sweeperGauges } from "../../sweeper/gauges.js";
import type * as routes from "./health.routes.js";

export const getHealth: RouteHandler<typeof routes.getHealth, AppEnv> = (c) => {
  const { instance, config } = c.get("deps");
  return c.json({ status: "ok" as const, instanceId: instance?.id ?? config.instanceId, confirmerLeader: instance?.isConfirmerLeader() ?? false }, 200);
};

export const getMetrics: RouteHandler<typeof routes.getMetrics, AppEnv> = (c) => {
  const { instance, config } = c.get("deps");
  const id = (instance?.id ?? config.instanceId).replace(/["\\\n]/g, "_");
  const lines = [
    "# HELP stablegate_confirmer_leader 1 while this instance holds the confirmer's leader lease, else 0.",
    "# TYPE stablegate_confirmer_leader gauge",
    `stablegate_confirmer_leader{instance="${id}"} ${instance?.isConfirmerLeader() ? 1 : 0}`,
  ];
  const sweepers = sweeperGauges();
  if (sweepers.length > 0) {
    lines.push(
      "# HELP stablegate_sweeper_balance_wei The sweeper account's native balance (pays the forwards' gas), as last read by this instance.",
      "# TYPE stablegate_sweeper_balance_wei gauge",
      ...sweepers.map((g) => `stablegate_sweeper_balance_wei{chain_id="${g.chainId}",address="${g.address}"} ${g.balanceWei}`),
      "# HELP stablegate_sweeper_balance_low 1 when the sweeper's balance is below SWEEPER_LOW_BALANCE.",
      "# TYPE stablegate_sweeper_balance_low gauge",
      ...sweepers.map((g) => `stablegate_sweeper_balance_low{chain_id="${g.chainId}"} ${g.low ? 1 : 0}`),
    );
  }
  return c.text(`${lines.join("\n")}\n`, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
};

export const getReady: RouteHandler<typeof routes.getReady, AppEnv> = async (c) => {
  await c.get("deps").db.execute(sql`select 1`);
  return c.json({ status: "ready" as const, database: c.get("deps").config.database.url ? ("postgres" as const) : ("pglite" as const) }, 200);
};
