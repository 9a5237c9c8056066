/**
 * The console's guards, in the order they run: security headers; the session; the CSRF checks on every POST; a
 * signed-in person; under `/console/m/:merchantId`, the merchant (404 when the person is not a member: another
 * merchant's data does not exist for them); per route, the permission.
 */
import { and, eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { consoleMemberships, merchants } from "../db/schema.js";
import { ApiError } from "../lib/errors.js";
import { can, type Permission } from "./access/roles.js";
import { csrfToken, PRE_SESSION_COOKIE, preSessionSecret, sameOrigin, tokenMatches } from "./access/csrf.js";
import { loadSession, sessionCookie } from "./access/sessions.js";
import { merchantsOf } from "./access/users.js";
import type { ConsoleEnv } from "./context.js";
import { pageHeaders, sameOriginCsp } from "../http/page-headers.js";
import { getCookie } from "hono/cookie";

const CSP = sameOriginCsp({ formAction: "'self'" });

export const securityHeaders = pageHeaders({ csp: CSP, referrerPolicy: "same-origin", noStore: true });

export const withSession = createMiddleware<ConsoleEnv>(async (c, next) => {
  if (c.get("session") !== undefined) return next();
  const { db, now } = c.get("deps");
  const session = await loadSession(db, sessionCookie(c), now());
  c.set("session", session);
  c.set("csrf", csrfToken(session ? session.id : preSessionSecret(c)));
  c.set("merchants", []);
  await next();
});

const MAX_FORM_BYTES = 64 * 1024;

/** Every POST: from one of our pages (Origin), with the token of this session (or pre-session). */
export const csrfProtection = createMiddleware<ConsoleEnv>(async (c, next) => {
  if (c.req.method !== "POST") return next();
  if (!sameOrigin(c, c.get("deps").config.publicBaseUrl)) {
    throw new ApiError(403, "csrf_origin", "This form was not sent from a console page (Origin check failed)");
  }
  if (Number(c.req.header("content-length") ?? 0) > MAX_FORM_BYTES) throw new ApiError(413, "payload_too_large", "The form is too large");
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) {
    throw new ApiError(415, "unsupported_media_type", "Console forms are application/x-www-form-urlencoded");
  }
  const body = await c.req.parseBody();
  const form = Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
  const session = c.get("session");
  const secret = session ? session.id : getCookie(c, PRE_SESSION_COOKIE);
  if (!tokenMatches(secret, form._csrf)) throw new ApiError(403, "csrf_token", "The form's security token is missing or stale; reload the page and try again");
  c.set("form", form);
  await next();
});

/** A signed-in person (both factors); others go to the sign-in page. */
export const requireSignedIn = createMiddleware<ConsoleEnv>(async (c, next) => {
  const session = c.get("session");
  if (!session || session.stage !== "full") {
    if (c.req.method === "GET") return c.redirect("/console/login", 303);
    throw new ApiError(401, "unauthorized", "Sign in first");
  }
  c.set("merchants", await merchantsOf(c.get("deps").db, session.user));
  await next();
});

export const requireOperator = createMiddleware<ConsoleEnv>(async (c, next) => {
  if (!c.get("session")?.user.isOperator) throw new ApiError(404, "not_found", "Page not found");
  await next();
});

/** `/console/m/:merchantId/*`: a merchant the person belongs to (or any, for an operator); else 404. */
export const withMerchant = createMiddleware<ConsoleEnv>(async (c, next) => {
  const merchantId = c.req.param("merchantId") ?? "";
  const { db } = c.get("deps");
  const user = c.get("session")!.user;
  const [row] = await db
    .select({ merchant: merchants, role: consoleMemberships.role })
    .from(merchants)
    .leftJoin(consoleMemberships, and(eq(consoleMemberships.merchantId, merchants.id), eq(consoleMemberships.userId, user.id)))
    .where(eq(merchants.id, merchantId));
  if (!row || (!row.role && !user.isOperator)) throw new ApiError(404, "not_found", "Page not found");
  c.set("merchant", row.merchant);
  c.set("role", row.role ?? null);
  await next();
});

export const requirePermission = (permission: Permission) =>
  createMiddleware<ConsoleEnv>(async (c, next) => {
    if (!can(c.get("role"), permission, { operator: c.get("session")?.user.isOperator ?? false })) {
      throw new ApiError(403, "forbidden", "Your role does not allow this");
    }
    await next();
  });
