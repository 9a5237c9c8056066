/**
 * A route's scope, declared once: spread into `createRoute`, it puts the scope in the route's OpenAPI security
 * requirement and refuses, with 403 `insufficient_scope`, a restricted key that lacks it. Full keys pass.
 *
 * The idempotency check runs right after it, in the same route middleware: a replayed response is still the
 * operation's answer, so a key without the scope must not get one either.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/context.js";
import { ApiError } from "../lib/errors.js";
import type { ApiScope } from "../lib/scopes.js";
import { idempotency } from "./idempotency.js";

export function requiresScope(scope: ApiScope) {
  return {
    security: [{ bearerAuth: [scope] }],
    middleware: [
      createMiddleware<AppEnv>(async (c, next) => {
        const granted = c.get("apiKeyScopes");
        if (granted !== null && !granted.includes(scope)) {
          throw new ApiError(403, "insufficient_scope", `This API key does not have the "${scope}" scope`, {
            details: { required: scope, granted },
          });
        }
        await next();
      }),
      idempotency,
    ],
  };
}
