import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../http/openapi.js";

export const getHealth = createRoute({
  operationId: "getHealth",
  method: "get",
  path: "/health",
  tags: ["Operations"],
  security: [], // no API key: for load balancers and orchestrators
  summary: "Liveness: the process answers",
  responses: {
    200: jsonContent(
      z.object({
        status: z.literal("ok"),
        instanceId: z.string().openapi({ description: "This instance (INSTANCE_ID)." }),
        confirmerLeader: z.boolean().openapi({ description: "Whether this instance holds the confirmer's leader lease." }),
      }),
      "Alive",
    ),
  },
});

export const getMetrics = createRoute({
  operationId: "getMetrics",
  method: "get",
  path: "/metrics",
  tags: ["Operations"],
  summary:
    "Prometheus metrics: `stablegate_confirmer_leader` (1 on the instance that leads the confirmer), `stablegate_sweeper_balance_wei` and `stablegate_sweeper_balance_low` per chain (the sweeper that pays forwards' gas)",
  security: [], // no API key: for the operator's scraper (keep it off the public internet)
  responses: { 200: { description: "Prometheus text format", content: { "text/plain": { schema: z.string() } } } },
});

export const getReady = createRoute({
  operationId: "getReady",
  method: "get",
  path: "/ready",
  tags: ["Operations"],
  security: [], // no API key: for load balancers and orchestrators
  summary: "Readiness: the database answers",
  responses: {
    200: jsonContent(z.object({ status: z.literal("ready"), database: z.enum(["pglite", "postgres"]) }), "Ready"),
    ...errorResponses(500),
  },
});
