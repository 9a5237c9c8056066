/**
 * Security headers for the HTML pages the API serves itself (hosted checkout, refund pages, console): the page's own
 * Content-Security-Policy, no sniffing, no framing, no powerful features, its own window.
 */
import type { MiddlewareHandler } from "hono";

/**
 * Same origin only: a page talks to this API (and a wallet extension), never to a third party; forms post nowhere
 * (`formAction: "'self'"` for the console's own forms).
 */
export function sameOriginCsp({ formAction = "'none'" }: { formAction?: string } = {}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
  ].join("; ");
}

export function pageHeaders({ csp, referrerPolicy, noStore = false }: { csp: string; referrerPolicy: string; noStore?: boolean }): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    headers.set("Content-Security-Policy", csp);
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("X-Frame-Options", "DENY");
    headers.set("Referrer-Policy", referrerPolicy);
    headers.set("Cross-Origin-Opener-Policy", "same-origin");
    headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (noStore && !headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
  };
}
