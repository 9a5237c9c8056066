/**
 * CSRF protection for every console mutation, two independent checks:
 * - Origin: a POST must carry an `Origin` (or, failing that, `Referer`) of this service: the public base URL's
 *   origin or the origin the request was addressed to.
 * - Synchronizer token: each form carries a token derived from the session id (HMAC-SHA256 keyed by the id), which
 *   another site can neither read nor compute. Before sign-in the same is done with a short-lived pre-session cookie.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";

export const PRE_SESSION_COOKIE = "__Host-sg_presession";

export const csrfToken = (secret: string) => createHmac("sha256", secret).update("stablegate console csrf").digest("base64url");

export function tokenMatches(secret: string | undefined, token: unknown): boolean {
  if (!secret || typeof token !== "string") return false;
  const expected = Buffer.from(csrfToken(secret));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** True when the request says it comes from a page of ours. */
export function sameOrigin(c: Context, publicBaseUrl: string): boolean {
  const source = c.req.header("origin") ?? refererOrigin(c.req.header("referer"));
  if (!source || source === "null") return false;
  const allowed = new Set([new URL(publicBaseUrl).origin]);
  const host = c.req.header("host");
  if (host) allowed.add(`${new URL(c.req.url).protocol}//${host}`);
  return allowed.has(source);
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

/** The pre-session secret for the sign-in form, set when missing. */
export function preSessionSecret(c: Context): string {
  const existing = getCookie(c, PRE_SESSION_COOKIE);
  if (existing && /^[\w-]{20,100}$/.test(existing)) return existing;
  const secret = randomBytes(24).toString("base64url");
  setCookie(c, PRE_SESSION_COOKIE, secret, { path: "/", httpOnly: true, secure: true, sameSite: "Strict", maxAge: 3600 });
  return secret;
}
