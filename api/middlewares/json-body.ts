/**
 * Request bodies: JSON (415 `unsupported_media_type` otherwise) and at most `maxBytes` (413 `payload_too_large`).
 *
 * A body announced with Content-Length is judged by that header alone: Node's HTTP parser never delivers more
 * bytes than it announces, and leaving the body unread keeps Hono's direct (buffer) read path, which is much
 * cheaper than turning the request into a web stream. A chunked body has no length up front, so it is counted as
 * it streams in by Hono's own middleware.
 */
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../lib/context.js";
import { ApiError } from "../lib/errors.js";

const JSON_TYPE = /^application\/(.+\+)?json\b/i;
const WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

export function jsonBody(maxBytes: number) {
  const tooLarge = () => {
    throw new ApiError(413, "payload_too_large", `Request bodies are limited to ${maxBytes} bytes`);
  };
  const streaming = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!WITH_BODY.has(c.req.method)) return next();
    const type = c.req.header("content-type");
    if (type && !JSON_TYPE.test(type)) {
      throw new ApiError(415, "unsupported_media_type", "Send JSON bodies with Content-Type: application/json");
    }
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      if (!/^\d+$/.test(length) || Number(length) > maxBytes) tooLarge();
      return next();
    }
    return streaming(c, next);
  });
}
