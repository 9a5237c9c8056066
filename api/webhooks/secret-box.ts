/**
 * Webhook signing secrets at rest: AES-256-GCM under the operator's SECRETS_KEY. Signing needs the secret itself
 * (an HMAC key cannot be stored hashed), so a dump of the database alone must not be enough to forge deliveries.
 *
 * Stored form: `v1.<base64 iv>.<base64 tag>.<base64 ciphertext>`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { KEY_BYTES, parseSecretsKey } from "../lib/secrets-key.js";

const IV_BYTES = 12;
/** Binds a ciphertext to its use, so it cannot be replayed into another encrypted column. */
const AAD = "stablegate webhook secret";

/** `purpose` is the associated data: a ciphertext made for one purpose does not decrypt as another's. */
export function encryptSecret(key: Buffer, plaintext: string, purpose = AAD): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(purpose));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64"), cipher.getAuthTag().toString("base64"), ciphertext.toString("base64")].join(".");
}

export function decryptSecret(key: Buffer, stored: string, purpose = AAD): string {
  const [version, iv, tag, ciphertext] = stored.split(".");
  if (version !== "v1" || !iv || !tag || ciphertext === undefined) throw new Error("not an encrypted secret");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
  decipher.setAAD(Buffer.from(purpose));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64")), decipher.final()]).toString("utf8");
}

/**
 * The key in `<dataDir>/secrets.key`, created on first use: the zero-configuration default for the embedded
 * database, which lives in the same directory anyway.
 */
export async function loadOrCreateKeyFile(dataDir: string): Promise<Buffer> {
  // An in-memory database forgets its secrets with the process; so can its key.
  if (dataDir.startsWith("memory://")) return randomBytes(KEY_BYTES);
  const file = path.join(dataDir, "secrets.key");
  try {
    return parseSecretsKey(await readFile(file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`${file}: ${(error as Error).message}`);
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(KEY_BYTES);
  await writeFile(file, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  return key;
}
