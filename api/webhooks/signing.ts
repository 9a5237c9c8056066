/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): each delivery carries
 *
 *   webhook-id: <event id, the same on every retry>
 *   webhook-timestamp: <Unix seconds of this attempt>
 *   webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")> [v1,<...> ...]
 *
 * keyed with the endpoint's `whsec_<base64 key>` secret. During a secret rotation both the old and the new secret
 * sign, so a merchant can switch their verifier at any moment of the overlap.
 */
import { createHmac, randomBytes } from "node:crypto";
import { BaseError } from "../lib/base-error.js";

export const SECRET_PREFIX = "whsec_";
/** How long the previous secret keeps signing after a rotation, unless the operator or merchant says otherwise. */
export const DEFAULT_ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

export type WebhookHeaders = {
  "webhook-id": string;
  /** Unix seconds, as a decimal string. */
  "webhook-timestamp": string;
  /** One `v1,<base64>` per active secret, separated by spaces. */
  "webhook-signature": string;
};

export class WebhookSecretError extends BaseError {
  override name = "WebhookSecretError";
}

/** A new signing secret: `whsec_` and the base64 of `byteLength` (24 to 64, default 32) random bytes. */
export function generateSecret(byteLength = 32): string {
  if (!Number.isInteger(byteLength) || byteLength < MIN_KEY_BYTES || byteLength > MAX_KEY_BYTES) {
    throw new WebhookSecretError(`a secret has ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} random bytes, not ${byteLength}`);
  }
  return `${SECRET_PREFIX}${randomBytes(byteLength).toString("base64")}`;
}

/** The HMAC key inside a `whsec_...` secret. Throws WebhookSecretError for anything that is not one. */
export function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : "";
  // Strict base64: Buffer.from() would silently skip stray characters and sign with a different key.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    throw new WebhookSecretError(`a signing secret is "${SECRET_PREFIX}" followed by base64`);
  }
  const key = Buffer.from(encoded, "base64");
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    throw new WebhookSecretError(`a signing secret holds ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes, this one ${key.length}`);
  }
  return key;
}

/** One `v1,<base64>` signature of `<id>.<timestamp>.<body>`; `body` must be the exact bytes sent. */
function signature(secret: string, id: string, timestamp: number, body: string): string {
  const digest = createHmac("sha256", secretKey(secret)).update(`${id}.${timestamp}.${body}`).digest("base64");
  return `v1,${digest}`;
}

/**
 * The Standard Webhooks headers for one delivery attempt.
 * @param timestamp Unix seconds of this attempt (not of the event), so that a retry days later is not stale.
 * @param secrets Every secret that signs now: one, or old and new during a rotation (see `activeSecrets`).
 */
export function sign({
  id,
  timestamp,
  body,
  secrets,
}: {
  id: string;
  timestamp: number;
  body: string;
  secrets: readonly string[];
}): WebhookHeaders {
  if (secrets.length === 0) throw new WebhookSecretError("at least one signing secret is needed");
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError(`timestamp must be Unix seconds, not ${timestamp}`);
  // The id goes into an HTTP header: printable ASCII only, so it can neither break nor smuggle a header.
  if (!/^[\x21-\x7e]{1,256}$/.test(id)) throw new RangeError("a webhook id is 1 to 256 printable ASCII characters");
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": [...new Set(secrets)].map((secret) => signature(secret, id, timestamp, body)).join(" "),
  };
}

/** What an endpoint knows about its secrets; `previous` is filled by rotations. */
export type EndpointSecrets = {
  secret: string;
  /** Secrets replaced by rotations, each with when it stops signing (its rotation time + the overlap). */
  previous?: readonly { secret: string; expiresAt: Date }[] | undefined;
};

/** The secrets that sign at `now`: the current one, preceded by every replaced one whose overlap still lasts. */
export function activeSecrets({ secret, previous = [] }: EndpointSecrets, now: Date): string[] {
  return [...previous.filter((p) => now.getTime() < p.expiresAt.getTime()).map((p) => p.secret), secret];
}
