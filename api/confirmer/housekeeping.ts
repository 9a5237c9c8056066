/**
 * Forgets what has outlived its purpose: idempotency keys after 24 h, request signatures after the replay window,
 * rate-limit buckets that have filled up again.
 */
import { lt } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { idempotencyKeys, rateLimits, requestSignatures } from "../db/schema.js";

export async function purgeExpired(db: Database, now: Date): Promise<void> {
  await db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, now));
  await db.delete(requestSignatures).where(lt(requestSignatures.expiresAt, now));
  await db.delete(rateLimits).where(lt(rateLimits.tatMs, now.getTime()));
}
