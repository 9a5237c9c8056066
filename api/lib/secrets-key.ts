/** The operator's SECRETS_KEY: 32 bytes, as 64 hex characters or base64. A leaf: imports nothing of ours. */
export const KEY_BYTES = 32;

export function parseSecretsKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, "hex")
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)
      ? Buffer.from(trimmed, "base64")
      : Buffer.alloc(0);
  if (key.length !== KEY_BYTES) throw new Error(`must be ${KEY_BYTES} bytes as base64 or hex (openssl rand -base64 32)`);
  return key;
}
