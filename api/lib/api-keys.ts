/**
 * API keys: `sk_live_` + 32 random bytes (base64url). Only the SHA-256 of the whole key is stored: with that much
 * entropy a fast hash is enough, and it lets auth find the key with one indexed lookup.
 */
import { createHash, randomBytes } from "node:crypto";

export const API_KEY_PREFIX = "sk_live_";
/** How much of the key listings show: the prefix and four characters. */
const VISIBLE = API_KEY_PREFIX.length + 4;

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { key, prefix: key.slice(0, VISIBLE), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** A secret for signing requests (`rsk_…`): shown once when the operator turns signed requests on. */
export function generateRequestSigningSecret(): string {
  return `rsk_${randomBytes(32).toString("base64url")}`;
}
