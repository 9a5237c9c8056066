/**
 * The audit log: one INSERT per sensitive action, nothing else (the table refuses UPDATE, DELETE and TRUNCATE).
 * Secrets never go in: `before`/`after` carry what changed, a key's prefix, never the key.
 */
import { and, desc, eq, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "../db/client.js";
import { auditLog } from "../db/schema.js";
import { newId } from "../lib/ids.js";
import type { RequestInfo } from "./access/request-info.js";

export type AuditEntry = {
  actor: { id: string; email: string } | null;
  merchantId?: string | null;
  action: string;
  target?: string | null;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  info: RequestInfo;
  at: Date;
};

export async function recordAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    id: newId("aud", entry.at.getTime()),
    at: entry.at,
    actorUserId: entry.actor?.id ?? null,
    actorEmail: entry.actor?.email ?? null,
    merchantId: entry.merchantId ?? null,
    action: entry.action,
    target: entry.target ?? null,
    ip: entry.info.ip,
    userAgent: entry.info.userAgent,
    before: entry.before ?? null,
    after: entry.after ?? null,
  });
}

export type AuditRow = typeof auditLog.$inferSelect;

/**
 * Newest first. With `merchantId`: that merchant's entries, and its members' own sign-in activity (entries that
 * belong to no merchant); without: every entry (operators).
 */
export async function listAudit(db: Queryable, { merchantId, cursor, limit = 100 }: { merchantId?: string; cursor?: string; limit?: number }) {
  const conditions: SQL[] = [];
  if (merchantId !== undefined) {
    conditions.push(
      or(
        eq(auditLog.merchantId, merchantId),
        and(isNull(auditLog.merchantId), sql`${auditLog.actorUserId} in (select user_id from stablegate.console_memberships where merchant_id = ${merchantId})`),
      )!,
    );
  }
  if (cursor) conditions.push(lt(auditLog.id, cursor));
  const rows = await db
    .select()
    .from(auditLog)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(limit + 1);
  return { rows: rows.slice(0, limit), nextCursor: rows.length > limit ? rows[limit - 1]!.id : null };
}
