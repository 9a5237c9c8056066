/**
 * `Idempotency-Key` on POST: the first request with a key runs; a retry with the same key and the same request
 * gets the first response again (`Idempotent-Replayed: true`); the same key with another request is a 422; a
 * retry while the first is still running is a 409. Keys last 24 hours.
 *
 * Only outcomes of the operation itself are kept (2xx, 404, 409). Failures that say the request never ran
 * (validation, auth, rate limit, 5xx) free the key, so a corrected retry with the same key works.
 */
import { createHash } from "node:crypto";
import { and, eq, lte } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { idempotencyKeys } from "../db/schema.js";
import type { AppEnv } from "../http/context.js";
import { ApiError, validationFailed } from "../lib/errors.js";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The header in the OpenAPI document of every POST route. Documentation only: this middleware checks the key, once
 * for every POST, so no per-route validator has to gather the request's headers.
 */
export const idempotencyKeyParameter = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description: "Makes the POST safe to retry for 24 h: the same key and request return the first response.",
  schema: { type: "string", pattern: KEY.source },
  example: "2f1c3b9e-order-A-1001",
} as const;
const kept = (status: number) => (status >= 200 && status < 300) || status === 404 || status === 409;

export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header("idempotency-key");
  if (c.req.method !== "POST" || key === undefined) return next();
  if (!KEY.test(key)) {
    throw validationFailed([{ field: "Idempotency-Key", in: "header", message: "must be 1 to 255 visible ASCII characters" }]);
  }
  const { db, now } = c.get("deps");
  const merchantId = c.get("merchant").id;
  const url = new URL(c.req.url);
  const requestHash = createHash("sha256")
    .update(`${c.req.method}\n${url.pathname}${url.search}\n${await c.req.text()}`)
    .digest("hex");
  const where = and(eq(idempotencyKeys.merchantId, merchantId), eq(idempotencyKeys.key, key));

  for (let attempt = 0; ; attempt++) {
    const at = now();
    const claimed = await db
      .insert(idempotencyKeys)
      .values({ merchantId, key, requestHash, createdAt: at, expiresAt: new Date(at.getTime() + IDEMPOTENCY_TTL_MS) })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (claimed.length > 0) break;

    const [existing] = await db.select().from(idempotencyKeys).where(where);
    if (!existing) continue; // freed in between: claim again
    if (existing.expiresAt <= at && attempt === 0) {
      await db.delete(idempotencyKeys).where(and(where, lte(idempotencyKeys.expiresAt, at)));
      continue;
    }
    if (existing.requestHash !== requestHash) {
      throw new ApiError(422, "idempotency_key_reused", "This Idempotency-Key was used with a different request", {
        details: [{ field: "Idempotency-Key", in: "header", message: "already used with another method, path or body" }],
      });
    }
    if (existing.responseStatus === null || existing.responseBody === null) {
      throw new ApiError(409, "idempotency_in_progress", "A request with this Idempotency-Key is still being processed; retry later");
    }
    return c.body(existing.responseBody, existing.responseStatus as ContentfulStatusCode, {
      "Content-Type": "application/json",
      "Idempotent-Replayed": "true",
    });
  }

  try {
    await next();
  } catch (error) {
    await db.delete(idempotencyKeys).where(where);
    throw error;
  }
  if (kept(c.res.status)) {
    const body = await c.res.clone().text();
    await db.update(idempotencyKeys).set({ responseStatus: c.res.status, responseBody: body }).where(where);
  } else {
    await db.delete(idempotencyKeys).where(where);
  }
});
