/**
 * `Authorization: Bearer sk_live_…`: finds the key by its hash and puts its merchant on the context. What it finds
 * is remembered for AUTH_CACHE_MS (2 s by default): a revoked key stops working on every instance within that time.
 */
import { and, eq, isNull } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { apiKeys, merchants } from "../db/schema.js";
import { hashApiKey } from "../lib/api-keys.js";
import type { AppEnv } from "../http/context.js";
import { ApiError } from "../lib/errors.js";

const unauthorized = (message: string) =>
  new ApiError(401, "unauthorized", message, { headers: { "WWW-Authenticate": 'Bearer realm="stablegate"' } });

/** "Last used" for the console, to the minute: written only when the stored time is a minute old, off the request's path. */
function noteKeyUse(db: AppEnv["Variables"]["deps"]["db"], keyId: string, lastUsedAt: Date | null, now: Date) {
  if (lastUsedAt && now.getTime() - lastUsedAt.getTime() < 60_000) return;
  db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, keyId)).catch(() => {});
}

export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw unauthorized("Send your API key as Authorization: Bearer <key>");
  const { db, now } = c.get("deps");
  const hash = hashApiKey(match[1]!);
  const found = await c.get("caches").apiKeys.get(hash, now().getTime(), async () => {
    const [row] = await db
      .select({ keyId: apiKeys.id, scopes: apiKeys.scopes, lastUsedAt: apiKeys.lastUsedAt, merchant: merchants })
      .from(apiKeys)
      .innerJoin(merchants, eq(merchants.id, apiKeys.merchantId))
      .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
      .limit(1);
    if (row) noteKeyUse(db, row.keyId, row.lastUsedAt, now());
    return row;
  });
  if (!found) throw unauthorized("Unknown or revoked API key");
  c.set("merchant", found.merchant);
  c.set("apiKeyId", found.keyId);
  c.set("apiKeyScopes", found.scopes);
  await next();
});
