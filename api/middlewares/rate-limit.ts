/** Per API key: over the limit answers 429 with Retry-After; every answer carries RateLimit-* headers. */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/context.js";
import { ApiError } from "../lib/errors.js";

export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const { rateLimiter, now } = c.get("deps");
  const decision = rateLimiter.hit(c.get("apiKeyId"), now().getTime());
  c.header("RateLimit-Limit", String(decision.limit));
  c.header("RateLimit-Remaining", String(decision.remaining));
  c.header("RateLimit-Reset", String(decision.retryAfterSeconds));
  if (!decision.allowed) {
    throw new ApiError(429, "rate_limited", `Rate limit of ${decision.limit} requests a minute reached; retry in ${decision.retryAfterSeconds} s`, {
      headers: { "Retry-After": String(decision.retryAfterSeconds) },
    });
  }
  await next();
});
