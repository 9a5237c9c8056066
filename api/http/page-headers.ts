/**
 * Security headers for the HTML pages the API serves itself (hosted checkout, console): the page's own
 * Content-Security-Policy, no sniffing, no framing, no powerful features, its own window.
 */
import type { MiddlewareHandler } from "hono";

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
