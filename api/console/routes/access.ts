/** Sign-in (password, then TOTP or a recovery code; enrolment on first sign-in), sign-out, sign-out everywhere. */
import { desc, eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { consoleSessions } from "../../db/schema.js";
import { ApiError } from "../../lib/errors.js";
import { RateLimiter } from "../../rate-limits/limiter.js";
import { requestInfo } from "../access/request-info.js";
import { clearSessionCookie, createSession, endAllSessions, endSession, setSessionCookie, type Session } from "../access/sessions.js";
import { checkPassword, checkSecondFactor, confirmTotp, proposeTotp } from "../access/sign-in.js";
import { totpQrSvg } from "../access/totp.js";
import { recordAudit } from "../audit.js";
import type { ConsoleEnv } from "../context.js";
import { csrfToken } from "../access/csrf.js";
import { requireSignedIn } from "../middleware.js";
import { accountPage, enrolPage, recoveryCodesPage, secondFactorPage, signInPage } from "../pages/access-pages.js";

type Ctx = Context<ConsoleEnv>;

/** Sign-in attempts per client address per minute, across accounts (shared by every instance, in the database). */
const ATTEMPTS_PER_MINUTE = 20;
const limiters = new WeakMap<object, RateLimiter>();

async function limitAttempts(c: Ctx) {
  const deps = c.get("deps");
  let limiter = limiters.get(deps);
  if (!limiter) limiters.set(deps, (limiter = new RateLimiter({ db: deps.db, limit: ATTEMPTS_PER_MINUTE })));
  const decision = await limiter.hit(`console-sign-in:${requestInfo(c).ip ?? "unknown"}`, deps.now().getTime());
  if (!decision.allowed) {
    throw new ApiError(429, "rate_limited", `Too many sign-in attempts from your address; try again in ${decision.retryAfterSeconds} s`, {
      headers: { "Retry-After": String(decision.retryAfterSeconds) },
    });
  }
}

const secretsKey = (c: Ctx) => c.get("deps").config.webhooks.secretsKey!;

/** Replaces the session with a new id (fixation: no id survives a step up) and makes it the page's CSRF secret. */
async function stepUp(c: Ctx, userId: string, stage: "password" | "full", previous: Session | null) {
  const { db, now } = c.get("deps");
  if (previous) await endSession(db, previous.idHash);
  const id = await createSession(db, { userId, stage, now: now(), info: requestInfo(c) });
  setSessionCookie(c, id);
  c.set("csrf", csrfToken(id));
  return id;
}

const audit = (c: Ctx, action: string, actor: { id: string; email: string } | null, extra: { after?: Record<string, unknown> } = {}) =>
  recordAudit(c.get("deps").db, { actor, action, info: requestInfo(c), at: c.get("deps").now(), ...extra });

export const accessRoutes = new Hono<ConsoleEnv>()
  .get("/console/login", (c) => {
    const session = c.get("session");
    if (session?.stage === "full") return c.redirect("/console", 303);
    if (session?.stage === "password") return c.redirect(session.user.totpEnabledAt ? "/console/login/2fa" : "/console/enrol", 303);
    return c.html(signInPage(c));
  })
  .post("/console/login", async (c) => {
    await limitAttempts(c);
    const { email = "", password = "" } = c.get("form");
    const { db, now } = c.get("deps");
    const result = await checkPassword(db, { email, password, now: now() });
    if (!result.ok) {
      await audit(c, result.reason === "locked" ? "sign_in.locked" : "sign_in.failed", result.user ?? null, { after: { email: email.slice(0, 200) } });
      const message = result.reason === "locked" ? "This account is locked for 15 minutes after too many failed attempts." : "Wrong email or password.";
      return c.html(signInPage(c, { error: message, email }), result.reason === "locked" ? 423 : 401);
    }
    await stepUp(c, result.user.id, "password", c.get("session"));
    await audit(c, "sign_in.password", result.user);
    return c.redirect(result.user.totpEnabledAt ? "/console/login/2fa" : "/console/enrol", 303);
  })
  .get("/console/login/2fa", (c) => {
    const session = c.get("session");
    if (!session || session.stage !== "password" || !session.user.totpEnabledAt) return c.redirect("/console/login", 303);
    return c.html(secondFactorPage(c));
  })
  .post("/console/login/2fa", async (c) => {
    await limitAttempts(c);
    const session = c.get("session");
    if (!session || session.stage !== "password") return c.redirect("/console/login", 303);
    const { db, now } = c.get("deps");
    const passed = await checkSecondFactor(db, { user: session.user, code: c.get("form").code ?? "", secretsKey: secretsKey(c), now: now() });
    if (!passed) {
      await audit(c, "sign_in.second_factor_failed", session.user);
      return c.html(secondFactorPage(c, { error: "That code is not right (or was already used). Five wrong codes lock the account." }), 401);
    }
    await stepUp(c, session.user.id, "full", session);
    await audit(c, passed === "totp" ? "sign_in" : "sign_in.recovery_code", session.user);
    return c.redirect("/console", 303);
  })
  .get("/console/enrol", async (c) => {
    const session = c.get("session");
    if (!session || session.user.totpEnabledAt) return c.redirect("/console/login", 303);
    const secret = await proposeTotp(c.get("deps").db, { user: session.user, secretsKey: secretsKey(c) });
    return c.html(enrolPage(c, { qrSvg: await totpQrSvg(secret, session.user.email), secret }));
  })
  .post("/console/enrol", async (c) => {
    await limitAttempts(c);
    const session = c.get("session");
    if (!session || session.user.totpEnabledAt) return c.redirect("/console/login", 303);
    const { db, now } = c.get("deps");
    const codes = await confirmTotp(db, { user: session.user, code: c.get("form").code ?? "", secretsKey: secretsKey(c), now: now() });
    if (!codes) {
      const secret = await proposeTotp(db, { user: session.user, secretsKey: secretsKey(c) });
      const qrSvg = await totpQrSvg(secret, session.user.email);
      return c.html(enrolPage(c, { qrSvg, secret, error: "That code is not right; check the time on your phone and try again." }), 422);
    }
    await endAllSessions(db, session.user.id);
    await stepUp(c, session.user.id, "full", null);
    await audit(c, "two_factor.enabled", session.user);
    return c.html(recoveryCodesPage(c, codes));
  })
  .post("/console/logout", async (c) => {
    const session = c.get("session");
    if (session) {
      await endSession(c.get("deps").db, session.idHash);
      await audit(c, "sign_out", session.user);
    }
    clearSessionCookie(c);
    return c.redirect("/console/login", 303);
  })
  .get("/console/account", requireSignedIn, async (c) => {
    const session = c.get("session")!;
    const rows = await c.get("deps").db.select().from(consoleSessions).where(eq(consoleSessions.userId, session.user.id)).orderBy(desc(consoleSessions.lastSeenAt));
    return c.html(accountPage(c, { sessions: rows.map((row) => ({ ...row, current: row.idHash === session.idHash })) }));
  })
  .post("/console/logout-everywhere", requireSignedIn, async (c) => {
    const session = c.get("session")!;
    const ended = await endAllSessions(c.get("deps").db, session.user.id);
    await audit(c, "sign_out.everywhere", session.user, { after: { sessionsEnded: ended } });
    clearSessionCookie(c);
    return c.redirect("/console/login", 303);
  });
