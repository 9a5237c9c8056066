/**
 * Sign-in: password, then the second factor (or its enrolment on the first sign-in). Five wrong passwords or codes
 * in a row lock the account for 15 minutes, whoever tries; a per-address rate limit (routes) slows guessing across
 * accounts. Every outcome is audited by the route.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database, Queryable } from "../../db/client.js";
import { consoleRecoveryCodes, consoleUsers } from "../../db/schema.js";
import { decryptSecret, encryptSecret } from "../../webhooks/secret-box.js";
import { burnPasswordCheck, verifyPassword } from "./passwords.js";
import type { ConsoleUser } from "./sessions.js";
import { findUserByEmail } from "./users.js";
import { hashRecoveryCode, matchTotp, newRecoveryCodes, newTotpSecret } from "./totp.js";

export const MAX_FAILURES = 5;
export const LOCK_MS = 15 * 60 * 1000;

export type SignInResult = { ok: true; user: ConsoleUser } | { ok: false; reason: "invalid" | "locked"; user?: ConsoleUser };

const isLocked = (user: ConsoleUser, now: Date) => user.lockedUntil !== null && user.lockedUntil.getTime() > now.getTime();

/** Counts a failure; the fifth in a row locks the account. Returns whether it is now locked. */
export async function countFailure(db: Queryable, user: ConsoleUser, now: Date): Promise<boolean> {
  const failures = user.failedSignIns + 1;
  const lock = failures >= MAX_FAILURES;
  await db
    .update(consoleUsers)
    .set(lock ? { failedSignIns: 0, lockedUntil: new Date(now.getTime() + LOCK_MS) } : { failedSignIns: failures })
    .where(eq(consoleUsers.id, user.id));
  return lock;
}

const clearFailures = (db: Queryable, userId: string) =>
  db.update(consoleUsers).set({ failedSignIns: 0, lockedUntil: null }).where(eq(consoleUsers.id, userId));

export async function checkPassword(db: Queryable, { email, password, now }: { email: string; password: string; now: Date }): Promise<SignInResult> {
  const user = await findUserByEmail(db, email);
  if (!user) {
    await burnPasswordCheck(password);
    return { ok: false, reason: "invalid" };
  }
  // Checked even when locked, so a locked account answers in the same time as any other.
  const right = await verifyPassword(password, user.passwordHash);
  if (isLocked(user, now)) return { ok: false, reason: "locked", user };
  if (!right) return { ok: false, reason: (await countFailure(db, user, now)) ? "locked" : "invalid", user };
  return { ok: true, user };
}

/**
 * The second step: a TOTP code (each accepted once) or an unused recovery code (then spent).
 * Returns how it was passed, or null.
 */
export async function checkSecondFactor(
  db: Database,
  { user, code, secretsKey, now }: { user: ConsoleUser; code: string; secretsKey: Buffer; now: Date },
): Promise<"totp" | "recovery_code" | null> {
  if (isLocked(user, now) || !user.totpSecretEncrypted || !user.totpEnabledAt) return null;
  const secret = decryptSecret(secretsKey, user.totpSecretEncrypted);
  const step = matchTotp(secret, user.email, code, now);
  if (step !== null && (user.totpLastStep === null || step > user.totpLastStep)) {
    await db.update(consoleUsers).set({ totpLastStep: step, failedSignIns: 0, lockedUntil: null }).where(eq(consoleUsers.id, user.id));
    return "totp";
  }
  if (step === null && code.includes("-")) {
    const spent = await db
      .update(consoleRecoveryCodes)
      .set({ usedAt: now })
      .where(and(eq(consoleRecoveryCodes.userId, user.id), eq(consoleRecoveryCodes.codeHash, hashRecoveryCode(code)), isNull(consoleRecoveryCodes.usedAt)))
      .returning({ userId: consoleRecoveryCodes.userId });
    if (spent.length > 0) {
      await clearFailures(db, user.id);
      return "recovery_code";
    }
  }
  await countFailure(db, user, now);
  return null;
}

/** Starts (or restarts) enrolment: a new secret, not yet in force. Returns the secret for the QR code. */
export async function proposeTotp(db: Queryable, { user, secretsKey }: { user: ConsoleUser; secretsKey: Buffer }): Promise<string> {
  if (user.totpEnabledAt) throw new Error("two-factor sign-in is already set up");
  if (user.totpSecretEncrypted) return decryptSecret(secretsKey, user.totpSecretEncrypted);
  const secret = newTotpSecret();
  await db.update(consoleUsers).set({ totpSecretEncrypted: encryptSecret(secretsKey, secret) }).where(eq(consoleUsers.id, user.id));
  return secret;
}

/** Ends enrolment when the code from the authenticator is right; returns the recovery codes (shown once), or null. */
export async function confirmTotp(
  db: Database,
  { user, code, secretsKey, now }: { user: ConsoleUser; code: string; secretsKey: Buffer; now: Date },
): Promise<string[] | null> {
  if (user.totpEnabledAt || !user.totpSecretEncrypted) return null;
  const step = matchTotp(decryptSecret(secretsKey, user.totpSecretEncrypted), user.email, code, now);
  if (step === null) {
    await countFailure(db, user, now);
    return null;
  }
  const codes = newRecoveryCodes();
  await db.transaction(async (tx) => {
    await tx.update(consoleUsers).set({ totpEnabledAt: now, totpLastStep: step, failedSignIns: 0 }).where(eq(consoleUsers.id, user.id));
    await tx.delete(consoleRecoveryCodes).where(eq(consoleRecoveryCodes.userId, user.id));
    await tx.insert(consoleRecoveryCodes).values(codes.map((c) => ({ userId: user.id, codeHash: hashRecoveryCode(c) })));
  });
  return codes;
}
