/**
 * Over the limit answers 429 with Retry-After; every answer carries the bucket's RateLimit-* headers. The budget is
 * counted in the database (api/rate-limits/limiter.ts), so every instance sees the same one.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { clientAddress } from "../http/client-address.js";
import type { AppDeps, AppEnv } from "../http/context.js";
import { ApiError } from "../lib/errors.js";
import { RateLimiter } from "../rate-limits/limiter.js";

/** The two limits: per API key on `/v1/*` (after authentication), per client address on the public routes. */
export function rateLimits({ db, config }: Pick<AppDeps, "db" | "config">) {
  return {
    perKey: rateLimit(new RateLimiter({ db, limit: config.rateLimitPerMinute }), (c) => `key:${c.get("apiKeyId")}`, "per API key"),
    perAddress: rateLimit(
      new RateLimiter({ db, limit: config.publicRateLimitPerMinute }),
      (c) => `ip:${clientAddress(c, config.trustedProxies)}`,
      "per client address",
    ),
  };
}

export function rateLimit(limiter: RateLimiter, keyOf: (c: Context<AppEnv>) => string, what: string) {
  const perMinute = Math.round((limiter.limit * 60_000) / limiter.periodMs);
  return createMiddleware<AppEnv>(async (c, next) => {
    const decision = await limiter.hit(keyOf(c), c.get("deps").now().getTime());
    c.header("RateLimit-Limit", String(decision.limit));
    c.header("RateLimit-Remaining", String(decision.remaining));
    c.header("RateLimit-Reset", String(decision.resetSeconds));
    c.header("RateLimit-Policy", `${decision.limit};w=${Math.round(limiter.periodMs / 1000)}`);
    if (!decision.allowed) {
      throw new ApiError(429, "rate_limited", `Rate limit of ${perMinute} requests a minute ${what} reached; retry in ${decision.retryAfterSeconds} s`, {
        headers: { "Retry-After": String(decision.retryAfterSeconds) },
      });
    }
    await next();
  });
}
