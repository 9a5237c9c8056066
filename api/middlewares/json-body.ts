/**
 * Request bodies: JSON on POST, PUT and PATCH (415 `unsupported_media_type` otherwise), and at most `maxBytes` on
 * any request that has one (413 `payload_too_large`), whatever its method: later middleware (signed requests)
 * reads the raw body before routing.
 *
 * A body announced with Content-Length is judged by that header alone: Node's HTTP parser never delivers more
 * bytes than it announces, and leaving the body unread keeps Hono's direct (buffer) read path, which is much
 * cheaper than turning the request into a web stream. A chunked body has no length up front, so it is counted as
 * it streams in by Hono's own middleware.
 */
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/context.js";
import { ApiError } from "../lib/errors.js";

const JSON_TYPE = /^application\/(.+\+)?json\b/i;
const WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

export function jsonBody(maxBytes: number) {
  const tooLarge = () => {
    throw new ApiError(413, "payload_too_large", `Request bodies are limited to ${maxBytes} bytes`);
  };
  const streaming = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return createMiddleware<AppEnv>(async (c, next) => {
    const type = c.req.header("content-type");
    if (WITH_BODY.has(c.req.method) && type && !JSON_TYPE.test(type)) {
      throw new ApiError(415, "unsupported_media_type", "Send JSON bodies with Content-Type: application/json");
    }
    const length = c.req.header("content-length");
    const chunked = c.req.header("transfer-encoding") !== undefined;
    if (length !== undefined && !chunked) {
      if (!/^\d+$/.test(length) || Number(length) > maxBytes) tooLarge();
      return next();
    }
    if (chunked) return streaming(c, next);
    // Neither header: over HTTP (@hono/node-server passes the Node request as `incoming`) there is no body. A
    // request built in-process (`app.request`, tests) may carry one without the header: count that one.
    const overHttp = (c.env as { incoming?: unknown } | undefined)?.incoming !== undefined;
    return !overHttp && c.req.raw.body ? streaming(c, next) : next();
  });
}
