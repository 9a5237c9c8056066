import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../http/openapi.js";

export const getHealth = createRoute({
  operationId: "getHealth",
  method: "get",
  path: "/health",
  tags: ["Operations"],
  security: [], // no API key: for load balancers and orchestrators
  summary: "Liveness: the process answers",
  responses: { 200: jsonContent(z.object({ status: z.literal("ok") }), "Alive") },
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
