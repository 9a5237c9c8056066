/** Console people and their roles per merchant. The admin CLI and the owner's Users page call these. */
import { and, asc, eq } from "drizzle-orm";
import type { Queryable } from "../../db/client.js";
import { consoleMemberships, consoleRoles, consoleUsers, merchants, type ConsoleRole } from "../../db/schema.js";
import { ApiError } from "../../lib/errors.js";
import { newId } from "../../lib/ids.js";
import { generatePassword, hashPassword, passwordProblem } from "./passwords.js";
import { endAllSessions } from "./sessions.js";

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export function checkEmail(email: string): string {
  const normalised = normaliseEmail(email);
  if (!/^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,}$/.test(normalised)) {
    throw new ApiError(422, "validation_failed", "email: is not an email address", { details: [{ field: "email", in: "body", message: "is not an email address" }] });
  }
  return normalised;
}

export function checkRole(role: string): ConsoleRole {
  if (!(consoleRoles as readonly string[]).includes(role)) {
    throw new ApiError(422, "validation_failed", `role: must be one of ${consoleRoles.join(", ")}`, {
      details: [{ field: "role", in: "body", message: `must be one of ${consoleRoles.join(", ")}` }],
    });
  }
  return role as ConsoleRole;
}

export async function findUserByEmail(db: Queryable, email: string) {
  const [user] = await db.select().from(consoleUsers).where(eq(consoleUsers.email, normaliseEmail(email)));
  return user;
}

/** A new person with a generated password (returned once) unless one is given. */
export async function createUser(db: Queryable, { email, password, isOperator = false }: { email: string; password?: string; isOperator?: boolean }) {
  const normalised = checkEmail(email);
  const chosen = password ?? generatePassword();
  const problem = passwordProblem(chosen);
  if (problem) throw new ApiError(422, "validation_failed", `password: ${problem}`);
  if (await findUserByEmail(db, normalised)) throw new ApiError(409, "user_exists", `${normalised} already has an account`);
  const [user] = await db
    .insert(consoleUsers)
    .values({ id: newId("usr"), email: normalised, passwordHash: await hashPassword(chosen), isOperator })
    .returning();
  return { user: user!, password: chosen };
}

/** Sets a new password and signs the person out everywhere. */
export async function resetPassword(db: Queryable, userId: string, password = generatePassword()) {
  const problem = passwordProblem(password);
  if (problem) throw new ApiError(422, "validation_failed", `password: ${problem}`);
  await db.update(consoleUsers).set({ passwordHash: await hashPassword(password), failedSignIns: 0, lockedUntil: null }).where(eq(consoleUsers.id, userId));
  await endAllSessions(db, userId);
  return password;
}

export async function setMembership(db: Queryable, { userId, merchantId, role }: { userId: string; merchantId: string; role: ConsoleRole }) {
  const [previous] = await db
    .select({ role: consoleMemberships.role })
    .from(consoleMemberships)
    .where(and(eq(consoleMemberships.userId, userId), eq(consoleMemberships.merchantId, merchantId)));
  await db
    .insert(consoleMemberships)
    .values({ userId, merchantId, role })
    .onConflictDoUpdate({ target: [consoleMemberships.userId, consoleMemberships.merchantId], set: { role } });
  return { previousRole: previous?.role ?? null };
}

export async function removeMembership(db: Queryable, { userId, merchantId }: { userId: string; merchantId: string }) {
  const rows = await db
    .delete(consoleMemberships)
    .where(and(eq(consoleMemberships.userId, userId), eq(consoleMemberships.merchantId, merchantId)))
    .returning({ role: consoleMemberships.role });
  return rows[0]?.role ?? null;
}

export async function listMembers(db: Queryable, merchantId: string) {
  return db
    .select({ userId: consoleUsers.id, email: consoleUsers.email, role: consoleMemberships.role, totpEnabledAt: consoleUsers.totpEnabledAt, since: consoleMemberships.createdAt })
    .from(consoleMemberships)
    .innerJoin(consoleUsers, eq(consoleUsers.id, consoleMemberships.userId))
    .where(eq(consoleMemberships.merchantId, merchantId))
    .orderBy(asc(consoleUsers.email));
}

/** The merchants a person may open: their memberships, or every merchant for an operator. */
export async function merchantsOf(db: Queryable, user: { id: string; isOperator: boolean }) {
  const memberships = await db
    .select({ id: merchants.id, name: merchants.name, role: consoleMemberships.role })
    .from(consoleMemberships)
    .innerJoin(merchants, eq(merchants.id, consoleMemberships.merchantId))
    .where(eq(consoleMemberships.userId, user.id))
    .orderBy(asc(merchants.name));
  if (!user.isOperator) return memberships;
  const all = await db.select({ id: merchants.id, name: merchants.name }).from(merchants).orderBy(asc(merchants.name));
  const roles = new Map(memberships.map((m) => [m.id, m.role]));
  return all.map((m) => ({ ...m, role: roles.get(m.id) ?? null }));
}
