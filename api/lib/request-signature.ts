/**
 * Optional request signing for merchants that want more than a bearer key: an HMAC-SHA256, keyed with the
 * merchant's request signing secret, over `<timestamp>.<METHOD>.<path with query>.<raw body>`, sent as
 *
 *   Stablegate-Timestamp: <unix seconds>
 *   Stablegate-Signature: v1=<hex digest>
 *
 * A signature older or newer than the window is refused, and each one is accepted once. Two identical requests in
 * the same second have the same signature; a client that sends such requests adds `Stablegate-Nonce: <8 to 64 of
 * A-Z a-z 0-9 _ ->`, a fresh value per request, and signs `<timestamp>.<nonce>.<METHOD>.<path with query>.<raw body>`.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_WINDOW_SECONDS = 30;
export const TIMESTAMP_HEADER = "Stablegate-Timestamp";
export const SIGNATURE_HEADER = "Stablegate-Signature";
export const NONCE_HEADER = "Stablegate-Nonce";
const NONCE = /^[A-Za-z0-9_-]{8,64}$/;

export type SignedRequest = { timestamp: number; method: string; path: string; body: string; nonce?: string | undefined };

export function signRequest(secret: string, { timestamp, method, path, body, nonce }: SignedRequest): string {
  // A path always starts with "/" and a nonce never holds a ".", so the two forms cannot be confused.
  const signed = nonce === undefined ? `${timestamp}.${method.toUpperCase()}.${path}.${body}` : `${timestamp}.${nonce}.${method.toUpperCase()}.${path}.${body}`;
  return `v1=${createHmac("sha256", secret).update(signed).digest("hex")}`;
}

/**
 * Until when a signature made at `timestamp` could still be accepted: the window after it, plus the second that
 * `nowSeconds` is rounded down within. The replay record must outlive this.
 */
export function lastAcceptedMs(timestamp: number): number {
  return (timestamp + SIGNATURE_WINDOW_SECONDS + 1) * 1000;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function checkSignature(
  secret: string,
  request: Omit<SignedRequest, "timestamp" | "nonce"> & {
    timestampHeader: string | undefined;
    signatureHeader: string | undefined;
    nonceHeader?: string | undefined;
  },
  nowSeconds: number,
): SignatureCheck {
  const { timestampHeader, signatureHeader, nonceHeader } = request;
  if (!timestampHeader || !signatureHeader) return { ok: false, reason: `${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} are required` };
  if (!/^\d{1,12}$/.test(timestampHeader)) return { ok: false, reason: `${TIMESTAMP_HEADER} must be Unix seconds` };
  const timestamp = Number(timestampHeader);
  if (timestamp < nowSeconds - SIGNATURE_WINDOW_SECONDS) return { ok: false, reason: "signature timestamp is too old" };
  if (timestamp > nowSeconds + SIGNATURE_WINDOW_SECONDS) return { ok: false, reason: "signature timestamp is in the future" };
  if (nonceHeader !== undefined && !NONCE.test(nonceHeader)) return { ok: false, reason: `${NONCE_HEADER} must be 8 to 64 of A-Z a-z 0-9 _ -` };
  const expected = Buffer.from(signRequest(secret, { ...request, timestamp, nonce: nonceHeader }));
  const given = Buffer.from(signatureHeader.trim());
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "signature does not match" };
  return { ok: true };
}
