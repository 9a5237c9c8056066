/**
 * Console sessions: a random id in an httpOnly, Secure, SameSite=Strict `__Host-` cookie; the database keeps only its
 * SHA-256. A new id is issued at every step up (password, then second factor), so an id planted before sign-in is
 * worth nothing after it (session fixation). Sessions end after 12 hours, or 1 hour without use.
 */
import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt } from "drizzle-orm";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Queryable } from "../../db/client.js";
import { consoleSessions, consoleUsers } from "../../db/schema.js";
import type { RequestInfo } from "./request-info.js";

export const SESSION_COOKIE = "__Host-sg_session";
const ABSOLUTE_MS = 12 * 60 * 60 * 1000;
export const IDLE_MS = 60 * 60 * 1000;
/** last_seen_at is written at most this often. */
const TOUCH_MS = 60 * 1000;

export type SessionStage = "password" | "full";
export type ConsoleUser = typeof consoleUsers.$inferSelect;
export type Session = { id: string; idHash: string; stage: SessionStage; user: ConsoleUser; createdAt: Date };

export const hashSessionId = (id: string) => createHash("sha256").update(id).digest("hex");

export async function createSession(
  db: Queryable,
  { userId, stage, now, info }: { userId: string; stage: SessionStage; now: Date; info: RequestInfo },
): Promise<string> {
  const id = randomBytes(32).toString("base64url");
  await db.insert(consoleSessions).values({
    idHash: hashSessionId(id),
    userId,
    stage,
    ip: info.ip,
    userAgent: info.userAgent,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + ABSOLUTE_MS),
  });
  return id;
}

export async function loadSession(db: Queryable, id: string | undefined, now: Date): Promise<Session | null> {
  if (!id || id.length > 100) return null;
  const idHash = hashSessionId(id);
  const [row] = await db
    .select({ session: consoleSessions, user: consoleUsers })
    .from(consoleSessions)
    .innerJoin(consoleUsers, eq(consoleUsers.id, consoleSessions.userId))
    .where(and(eq(consoleSessions.idHash, idHash), gt(consoleSessions.expiresAt, now)));
  if (!row) return null;
  if (now.getTime() - row.session.lastSeenAt.getTime() > IDLE_MS) {
    await db.delete(consoleSessions).where(eq(consoleSessions.idHash, idHash));
    return null;
  }
  if (now.getTime() - row.session.lastSeenAt.getTime() > TOUCH_MS) {
    await db.update(consoleSessions).set({ lastSeenAt: now }).where(eq(consoleSessions.idHash, idHash));
  }
  return { id, idHash, stage: row.session.stage, user: row.user, createdAt: row.session.createdAt };
}

export async function endSession(db: Queryable, idHash: string): Promise<void> {
  await db.delete(consoleSessions).where(eq(consoleSessions.idHash, idHash));
}

/** Sign-out everywhere, and what a password or second-factor change does to other browsers. */
export async function endAllSessions(db: Queryable, userId: string): Promise<number> {
  const rows = await db.delete(consoleSessions).where(eq(consoleSessions.userId, userId)).returning({ idHash: consoleSessions.idHash });
  return rows.length;
}

export const sessionCookie = (c: Context) => getCookie(c, SESSION_COOKIE);

export function setSessionCookie(c: Context, id: string): void {
  setCookie(c, SESSION_COOKIE, id, { path: "/", httpOnly: true, secure: true, sameSite: "Strict", maxAge: ABSOLUTE_MS / 1000 });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
}
