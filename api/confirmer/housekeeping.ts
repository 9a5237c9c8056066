/** Forgets what has outlived its purpose: idempotency keys after 24 h, request signatures after the replay window. */
import { lt } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { idempotencyKeys, requestSignatures } from "../db/schema.js";

export async function purgeExpired(db: Database, now: Date): Promise<void> {
  await db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, now));
  await db.delete(requestSignatures).where(lt(requestSignatures.expiresAt, now));
}
