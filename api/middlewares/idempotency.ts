/**
 * `Idempotency-Key` on POST: the first request with a key runs; a retry with the same key and the same request
 * gets the first response again (`Idempotent-Replayed: true`); the same key with another request is a 422; a
 * retry while the first is still running is a 409. Keys last 24 hours.
 *
 * A claim in flight is a lease of IDEMPOTENCY_LEASE_MS: when the instance that claimed the key dies before it
 * answers, a retry after the lease takes the key over and runs. The claim's `created_at` is its fencing token: a
 * request that outlived its lease neither stores nor frees a key someone else has taken over.
 *
 * A response that carries a secret (the route sets `replayHoldsSecret`) is stored encrypted with the webhook secret box
 * and decrypted for the replay: the database never holds it in clear.
 *
 * Only outcomes of the operation itself are kept (2xx, 404, 409). Failures that say the request never ran
 * (validation, auth, rate limit, 5xx) free the key, so a corrected retry with the same key works.
 */
import { createHash } from "node:crypto";
import { and, eq, isNull, lte } from "drizzle-orm";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Database } from "../db/client.js";
import { idempotencyKeys } from "../db/schema.js";
import type { AppEnv } from "../http/context.js";
import { ApiError, validationFailed } from "../lib/errors.js";
import { decryptSecret, encryptSecret } from "../webhooks/secret-box.js";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** How long a claim in flight holds the key; an order is made in milliseconds, so this only matters after a crash. */
export const IDEMPOTENCY_LEASE_MS = 60 * 1000;
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

  const claim = await claimKey(db, { merchantId, key, requestHash, at: now() });
  if ("replay" in claim) {
    return c.body(readReplay(c, claim.replay.body), claim.replay.status as ContentfulStatusCode, {
      "Content-Type": "application/json",
      "Idempotent-Replayed": "true",
    });
  }
  const claimedAt = claim.claimedAt;
  const mine = and(where, eq(idempotencyKeys.createdAt, claimedAt));

  try {
    await next();
  } catch (error) {
    await db.delete(idempotencyKeys).where(mine);
    throw error;
  }
  if (kept(c.res.status)) {
    const body = storedReplay(c, await c.res.clone().text());
    await db.update(idempotencyKeys).set({ responseStatus: c.res.status, responseBody: body }).where(mine);
  } else {
    await db.delete(idempotencyKeys).where(mine);
  }
});

type Claim = { merchantId: string; key: string; requestHash: string; at: Date };

type ClaimResult = { claimedAt: Date } | { replay: { status: number; body: string } };

/** Claims the key (returns the claim's time) or answers for it: the stored response, a 422 or a 409. */
async function claimKey(db: Database, { merchantId, key, requestHash, at }: Claim): Promise<ClaimResult> {
  const where = and(eq(idempotencyKeys.merchantId, merchantId), eq(idempotencyKeys.key, key));
  for (let attempt = 0; ; attempt++) {
    const claimed = await db
      .insert(idempotencyKeys)
      .values({ merchantId, key, requestHash, createdAt: at, expiresAt: new Date(at.getTime() + IDEMPOTENCY_TTL_MS) })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (claimed.length > 0) return { claimedAt: at };

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
    if (existing.responseStatus !== null && existing.responseBody !== null) {
      return { replay: { status: existing.responseStatus, body: existing.responseBody } };
    }
    const leaseEnds = existing.createdAt.getTime() + IDEMPOTENCY_LEASE_MS;
    if (leaseEnds <= at.getTime()) {
      // The claimer's lease ran out (it crashed): take the key over, unless another retry just did.
      const [taken] = await db
        .update(idempotencyKeys)
        .set({ createdAt: at, expiresAt: new Date(at.getTime() + IDEMPOTENCY_TTL_MS) })
        .where(and(where, isNull(idempotencyKeys.responseStatus), eq(idempotencyKeys.createdAt, existing.createdAt)))
        .returning({ key: idempotencyKeys.key });
      if (taken) return { claimedAt: at };
      if (attempt < 3) continue;
    }
    const retryAfter = Math.max(1, Math.ceil((leaseEnds - at.getTime()) / 1000));
    throw new ApiError(409, "idempotency_in_progress", `A request with this Idempotency-Key is still being processed; retry in ${retryAfter} s`, {
      headers: { "Retry-After": String(retryAfter) },
    });
  }
}

/** Responses that carry a secret (a new webhook endpoint's, a rotation's) are kept encrypted under SECRETS_KEY. */
const SEALED = "sealed:";
const REPLAY_AAD = "stablegate idempotent replay";

function storedReplay(c: Context<AppEnv>, body: string): string {
  if (!c.get("replayHoldsSecret")) return body;
  return SEALED + encryptSecret(replayKey(c), body, REPLAY_AAD);
}

function readReplay(c: Context<AppEnv>, stored: string): string {
  if (!stored.startsWith(SEALED)) return stored;
  try {
    return decryptSecret(replayKey(c), stored.slice(SEALED.length), REPLAY_AAD);
  } catch {
    throw new ApiError(409, "idempotency_replay_unreadable", "The first response to this Idempotency-Key cannot be read back (SECRETS_KEY changed); use a new key");
  }
}

function replayKey(c: Context<AppEnv>): Buffer {
  const key = c.get("deps").config.webhooks.secretsKey;
  if (!key) throw new ApiError(500, "not_configured", "The operator has not set SECRETS_KEY");
  return key;
}
