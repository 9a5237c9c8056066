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

export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw unauthorized("Send your API key as Authorization: Bearer <key>");
  const { db, now } = c.get("deps");
  const hash = hashApiKey(match[1]!);
  const found = await c.get("caches").apiKeys.get(hash, now().getTime(), async () => {
    const [row] = await db
      .select({ keyId: apiKeys.id, scopes: apiKeys.scopes, merchant: merchants })
      .from(apiKeys)
      .innerJoin(merchants, eq(merchants.id, apiKeys.merchantId))
      .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
      .limit(1);
    return row;
  });
  if (!found) throw unauthorized("Unknown or revoked API key");
  c.set("merchant", found.merchant);
  c.set("apiKeyId", found.keyId);
  c.set("apiKeyScopes", found.scopes);
  await next();
});
