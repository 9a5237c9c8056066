/** For merchants that require it: checks the request's HMAC signature and refuses a signature seen before. */
import { createMiddleware } from "hono/factory";
import { requestSignatures } from "../db/schema.js";
import type { AppEnv } from "../http/context.js";
import { ApiError } from "../lib/errors.js";
import {
  checkSignature,
  lastAcceptedMs,
  NONCE_HEADER,
  SIGNATURE_HEADER,
  SIGNATURE_WINDOW_SECONDS,
  TIMESTAMP_HEADER,
} from "../lib/request-signature.js";

export const verifySignedRequest = createMiddleware<AppEnv>(async (c, next) => {
  const merchant = c.get("merchant");
  if (!merchant.requireSignedRequests) return next();
  const signatureHeader = c.req.header(SIGNATURE_HEADER);
  const timestampHeader = c.req.header(TIMESTAMP_HEADER);
  if (!signatureHeader && !timestampHeader) {
    throw new ApiError(403, "signature_required", `This merchant requires signed requests (${TIMESTAMP_HEADER}, ${SIGNATURE_HEADER})`);
  }
  if (!merchant.requestSigningSecret) throw new ApiError(403, "signature_required", "No request signing secret is set for this merchant");
  const { db, now } = c.get("deps");
  const url = new URL(c.req.url);
  const nowMs = now().getTime();
  const check = checkSignature(
    merchant.requestSigningSecret,
    {
      method: c.req.method,
      path: url.pathname + url.search,
      body: await c.req.text(),
      timestampHeader,
      signatureHeader,
      nonceHeader: c.req.header(NONCE_HEADER),
    },
    Math.floor(nowMs / 1000),
  );
  if (!check.ok) throw new ApiError(401, "invalid_signature", check.reason);
  // Kept at least twice the window, and past the last moment the signature's timestamp is accepted (a timestamp
  // at the window's future edge stays acceptable for 61 s after its first use), so a replay always finds it.
  const expiresAt = new Date(Math.max(nowMs + 2 * SIGNATURE_WINDOW_SECONDS * 1000, lastAcceptedMs(Number(timestampHeader))) + 1000);
  const stored = await db
    .insert(requestSignatures)
    .values({ merchantId: merchant.id, signature: signatureHeader!.trim(), expiresAt })
    .onConflictDoNothing()
    .returning({ signature: requestSignatures.signature });
  if (stored.length === 0) throw new ApiError(401, "invalid_signature", "signature already used (replay)");
  await next();
});
