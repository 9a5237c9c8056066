/**
 * The address a request came from, for per-client limits on the public routes: the socket's peer, or, behind
 * `trustedProxies` reverse proxies, the entry that many places from the right of `X-Forwarded-For` (the one the
 * outermost trusted proxy saw; entries further left are whatever the client wrote). In-process requests
 * (`app.request` without a socket) are all "local".
 */
import type { Context } from "hono";

type NodeBindings = { incoming?: { socket?: { remoteAddress?: string } } };

export function clientAddress(c: Context, trustedProxies: number): string {
  if (trustedProxies > 0) {
    const hops = (c.req.header("x-forwarded-for") ?? "").split(",").map((hop) => hop.trim()).filter(Boolean);
    const client = hops[hops.length - trustedProxies];
    if (client) return client.slice(0, 64);
  }
  const env = c.env as (NodeBindings & { server?: NodeBindings }) | undefined;
  return (env?.server ?? env)?.incoming?.socket?.remoteAddress ?? "local";
}
