/**
 * Optional request signing for merchants that want more than a bearer key: an HMAC-SHA256, keyed with the
 * merchant's request signing secret, over `<timestamp>.<METHOD>.<path with query>.<raw body>`, sent as
 *
 *   Stablegate-Timestamp: <unix seconds>
 *   Stablegate-Signature: v1=<hex digest>
 *
 * A signature older or newer than the window is refused, and each one is accepted once.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_WINDOW_SECONDS = 30;
export const TIMESTAMP_HEADER = "Stablegate-Timestamp";
export const SIGNATURE_HEADER = "Stablegate-Signature";

export type SignedRequest = { timestamp: number; method: string; path: string; body: string };

export function signRequest(secret: string, { timestamp, method, path, body }: SignedRequest): string {
  const digest = createHmac("sha256", secret).update(`${timestamp}.${method.toUpperCase()}.${path}.${body}`).digest("hex");
  return `v1=${digest}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function checkSignature(
  secret: string,
  request: Omit<SignedRequest, "timestamp"> & { timestampHeader: string | undefined; signatureHeader: string | undefined },
  nowSeconds: number,
): SignatureCheck {
  const { timestampHeader, signatureHeader } = request;
  if (!timestampHeader || !signatureHeader) return { ok: false, reason: `${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} are required` };
  if (!/^\d{1,12}$/.test(timestampHeader)) return { ok: false, reason: `${TIMESTAMP_HEADER} must be Unix seconds` };
  const timestamp = Number(timestampHeader);
  if (timestamp < nowSeconds - SIGNATURE_WINDOW_SECONDS) return { ok: false, reason: "signature timestamp is too old" };
  if (timestamp > nowSeconds + SIGNATURE_WINDOW_SECONDS) return { ok: false, reason: "signature timestamp is in the future" };
  const expected = Buffer.from(signRequest(secret, { ...request, timestamp }));
  const given = Buffer.from(signatureHeader.trim());
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "signature does not match" };
  return { ok: true };
}
