/** Where a request comes from, for sessions and the audit log. Proxies' headers are not trusted. */
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";

export type RequestInfo = { ip: string | null; userAgent: string | null };

export function requestInfo(c: Context): RequestInfo {
  let ip: string | null = null;
  try {
    ip = getConnInfo(c).remote.address ?? null;
  } catch {
    // In-process requests (tests' app.request) have no socket.
  }
  return { ip, userAgent: c.req.header("user-agent")?.slice(0, 300) ?? null };
}
