/** Shared pieces of the route definitions: the router with our validation hook and the documented error responses. */
import { OpenAPIHono } from "@hono/zod-openapi";
import { errorSchema, fieldLocation, fromZodError, validationFailed } from "../lib/errors.js";
import { findUnstorableText } from "../lib/storable-text.js";
import type { AppEnv } from "./context.js";

/** A router whose zod validation failures, and text the database cannot hold, become 422s naming the fields. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw fromZodError(result.error, result.target);
      const unstorable = findUnstorableText(result.data);
      if (unstorable) throw validationFailed([{ ...unstorable, in: fieldLocation(result.target) }]);
    },
  });
}

const ERROR_DESCRIPTIONS = {
  400: "Malformed request (invalid JSON)",
  401: "Missing, unknown or revoked API key; bad, stale or replayed request signature",
  403: "The merchant requires signed requests and this one is not signed, or the API key lacks the operation's scope",
  404: "No such resource for this merchant",
  409: "Conflict: duplicate merchant order id, order not cancellable, or the same Idempotency-Key still in flight",
  413: "Body larger than the limit",
  415: "The body is not JSON (Content-Type)",
  422: "Validation failed (details name the fields), or an Idempotency-Key reused with another request",
  429: "Rate limit reached; see Retry-After",
  500: "Internal error (never with a stack trace)",
  503: "A service the call needs is unavailable (the chain's RPC, to verify a transaction); try again",
} as const;

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

export function errorResponses<S extends ErrorStatus>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: ERROR_DESCRIPTIONS[status], content: { "application/json": { schema: errorSchema } } }]),
  ) as unknown as { [K in S]: { description: string; content: { "application/json": { schema: typeof errorSchema } } } };
}

/** Errors any authenticated route can answer with. */
export const authErrors = errorResponses(401, 403, 429, 500);
export const postErrors = errorResponses(400, 401, 403, 409, 413, 415, 422, 429, 500);

export const jsonContent = <T>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
