/**
 * Request bodies are limited to `maxBytes`. A body announced with Content-Length is judged by that header alone:
 * Node's HTTP parser never delivers more bytes than it announces, and leaving the body unread keeps Hono's
 * direct (buffer) read path, which is much cheaper than turning the request into a web stream. A chunked body has
 * no length up front, so it is counted as it streams in by Hono's own middleware.
 */
import { bodyLimit as streamingBodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../lib/context.js";
import { ApiError } from "../lib/errors.js";

export function bodyLimit(maxBytes: number) {
  const tooLarge = () => {
    throw new ApiError(413, "payload_too_large", `Request bodies are limited to ${maxBytes} bytes`);
  };
  const streaming = streamingBodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      if (!/^\d+$/.test(length) || Number(length) > maxBytes) tooLarge();
      return next();
    }
    return streaming(c, next);
  });
}
