/**
 * The HTTP app, built by a function so tests run it in-process (`app.request(...)`) with their own database and
 * clock. Every failure leaves through `onError` or `notFound` in the one error shape.
 */
import { randomUUID } from "node:crypto";
import { HTTPException } from "hono/http-exception";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppCaches, AppDeps, AppEnv } from "./http/context.js";
import { ApiError } from "./lib/errors.js";
import { createRouter } from "./http/openapi.js";
import { TtlCache } from "./lib/ttl-cache.js";
import { domainApiError } from "./http/domain-errors.js";
import { API_SCOPES } from "./lib/scopes.js";
import { NONCE_HEADER, SIGNATURE_HEADER, SIGNATURE_WINDOW_SECONDS, TIMESTAMP_HEADER } from "./lib/request-signature.js";
import { authenticate } from "./middlewares/authenticate.js";
import { jsonBody } from "./middlewares/json-body.js";
import { rateLimits } from "./middlewares/rate-limit.js";
import { verifySignedRequest } from "./middlewares/signed-requests.js";
import { balanceRouter } from "./routes/balance/balance.index.js";
import { chainsRouter } from "./routes/chains/chains.index.js";
import { checkoutRouter } from "./routes/checkout/checkout.index.js";
import { consoleRouter } from "./console/console.index.js";
import { docsRouter } from "./routes/docs/docs.index.js";
import { eventsRouter } from "./routes/events/events.index.js";
import { healthRouter } from "./routes/health/health.index.js";
import { ordersRouter } from "./routes/orders/orders.index.js";
import { paymentsRouter } from "./routes/payments/payments.index.js";
import { refundPagesRouter } from "./routes/refund-pages/refund-pages.index.js";
import { refundsRouter } from "./routes/refunds/refunds.index.js";
import { webhookEndpointsRouter } from "./routes/webhook-endpoints/webhook-endpoints.index.js";

export const API_VERSION = "1.0.0";
const MAX_BODY_BYTES = 64 * 1024;

export function createApp(deps: AppDeps) {
  const app = createRouter();
  const caches: AppCaches = {
    apiKeys: new TtlCache({ ttlMs: deps.config.authCacheMs }),
    payouts: new TtlCache({ ttlMs: deps.config.authCacheMs }),
  };

  // Headers set before `next()` go into every response the context builds (c.json, c.body, errors), without
  // editing the finished response's headers afterwards.
  app.use("*", async (c, next) => {
    c.set("deps", deps);
    c.set("caches", caches);
    const requestId = c.req.header("x-request-id")?.slice(0, 100) || randomUUID();
    c.set("requestId", requestId);
    c.header("X-Request-Id", requestId);
    await next();
  });

  const { perKey, perAddress } = rateLimits(deps);
  // Unauthenticated routes: the hosted checkout (page, status, QR, assets), the refund and claim pages, the API reference.
  for (const path of ["/pay/*", "/refund/*", "/claim/*", "/docs/*", "/openapi.json"]) app.use(path, perAddress); // "/docs/*" takes "/docs" too

  app.use(
    "/v1/*",
    jsonBody(MAX_BODY_BYTES),
    authenticate,
    perKey,
    verifySignedRequest,
    // Then, per route: its scope, and Idempotency-Key (middlewares/require-scope.ts).
  );

  app
    .route("/", healthRouter)
    .route("/", ordersRouter)
    .route("/", paymentsRouter)
    .route("/", refundsRouter)
    .route("/", balanceRouter)
    .route("/", eventsRouter)
    .route("/", webhookEndpointsRouter)
    .route("/", chainsRouter)
    .route("/", docsRouter)
    .route("/", checkoutRouter)
    .route("/", refundPagesRouter)
    .route("/", consoleRouter);

  document(app, deps);

  app.notFound(notFound(app));
  app.onError((error, c) => errorResponse(c, toApiError(error, c)));
  return app;
}

export type App = ReturnType<typeof createApp>;

type Router = ReturnType<typeof createRouter>;

/** The OpenAPI document at `/openapi.json`: the bearer scheme (with the signing and scope rules) and the info. */
function document(app: Router, deps: AppDeps): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description:
      `An API key from the operator (\`sk_live_…\`). Merchants that require signed requests also send ` +
      `\`${TIMESTAMP_HEADER}: <unix seconds>\` and \`${SIGNATURE_HEADER}: v1=<hex HMAC-SHA256>\` over ` +
      `\`<timestamp>.<METHOD>.<path with query>.<raw body>\` keyed with the request signing secret; ` +
      `${SIGNATURE_WINDOW_SECONDS} s window, each signature accepted once. To send identical requests within one ` +
      `second, add \`${NONCE_HEADER}: <8-64 of A-Z a-z 0-9 _ ->\` (fresh per request) and sign ` +
      `\`<timestamp>.<nonce>.<METHOD>.<path with query>.<raw body>\`. A restricted key holds scopes; each ` +
      `operation's security requirement names the one it needs (403 \`insufficient_scope\` without it): ` +
      Object.entries(API_SCOPES).map(([scope, what]) => `\`${scope}\` (${what})`).join(", ") + ".",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Stablegate API",
      version: API_VERSION,
      description:
        "Self-hosted, non-custodial stablecoin payments. Amounts are exact decimal strings in token units. " +
        'Every error has the shape {"error": {"code", "message", "details"}}. POSTs accept an Idempotency-Key.',
    },
    servers: [{ url: deps.config.publicBaseUrl }],
  });
}

/** 405 with `Allow` for a known path and another method; 404 otherwise. */
function notFound(app: Router) {
  const routes = app.routes.filter((route) => route.method !== "ALL");
  return (c: Context<AppEnv>) => {
    const allowed = [...new Set(routes.filter((route) => pathMatches(route.path, c.req.path)).map((route) => route.method))];
    if (allowed.length > 0 && !allowed.includes(c.req.method)) {
      return errorResponse(c, new ApiError(405, "method_not_allowed", `${c.req.method} is not allowed here; use ${allowed.join(", ")}`, {
        headers: { Allow: allowed.join(", ") },
      }));
    }
    return errorResponse(c, new ApiError(404, "not_found", `No route for ${c.req.method} ${c.req.path}`));
  };
}

function pathMatches(pattern: string, path: string): boolean {
  const regex = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\/:[^/]+/g, "/[^/]+").replace(/\*/g, ".*");
  return new RegExp(`^${regex}/?$`).test(path);
}

function toApiError(error: Error, c: Context<AppEnv>): ApiError {
  if (error instanceof ApiError) return error;
  const domain = domainApiError(error);
  if (domain) return domain;
  if (error instanceof HTTPException) {
    if (error.status === 400) return new ApiError(400, "invalid_json", "The body is not valid JSON");
    if (error.status >= 400 && error.status < 500) {
      return new ApiError(error.status as ContentfulStatusCode, "bad_request", error.message || "Bad request");
    }
  }
  console.error(`[${c.get("requestId") ?? "-"}] ${c.req.method} ${c.req.path}:`, error);
  return new ApiError(500, "internal_error", "Something went wrong on our side; it has been logged", {
    details: { requestId: c.get("requestId") },
  });
}

function errorResponse(c: Context<AppEnv>, error: ApiError) {
  return c.json(error.toJSON(), error.status, error.headers);
}
