/**
 * Verifying a Stablegate webhook without a Standard Webhooks library: the steps any language can copy (README
 * shows this next to the `standardwebhooks` example).
 *
 *   signed  = webhook-id + "." + webhook-timestamp + "." + raw body
 *   key     = base64-decode(secret without its "whsec_" prefix)
 *   expect  = base64(HMAC-SHA256(key, signed))
 *   valid if |now - webhook-timestamp| <= 300 s and some "v1,<sig>" in webhook-signature (space-separated)
 *            equals expect, compared in constant time
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const TOLERANCE_SECONDS = 5 * 60;

export type RawVerification = { ok: true } | { ok: false; reason: string };

export function verifyWebhookSignature({
  secret,
  headers,
  body,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = TOLERANCE_SECONDS,
}: {
  secret: string;
  /** Request headers with lower-case names, as Node's `IncomingMessage.headers` has them. */
  headers: Record<string, string | string[] | undefined>;
  /** The raw body exactly as received. */
  body: string | Buffer;
  nowSeconds?: number;
  toleranceSeconds?: number;
}): RawVerification {
  const [id, timestamp, signatures] = ["webhook-id", "webhook-timestamp", "webhook-signature"].map((name) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  });
  if (!id || !timestamp || !signatures) return { ok: false, reason: "missing webhook-id, webhook-timestamp or webhook-signature" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "webhook-timestamp is not Unix seconds" };
  if (nowSeconds - Number(timestamp) > toleranceSeconds) return { ok: false, reason: "timestamp too old" };
  if (Number(timestamp) - nowSeconds > toleranceSeconds) return { ok: false, reason: "timestamp too new" };

  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
  for (const versioned of signatures.split(" ")) {
    const [version, encoded] = versioned.split(",", 2);
    if (version !== "v1" || !encoded) continue;
    const given = Buffer.from(encoded, "base64");
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: "no matching signature" };
}
