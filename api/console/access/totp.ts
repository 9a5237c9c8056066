/**
 * TOTP second factor (RFC 6238, SHA-1, 6 digits, 30 s: what every authenticator app reads from the QR code) with
 * otpauth, and recovery codes. A code is accepted once: the time step it matched is remembered, and a code of that
 * step or an earlier one is refused.
 */
import { createHash, randomBytes } from "node:crypto";
import * as OTPAuth from "otpauth";
import QRCode from "qrcode";

const PERIOD = 30;

export const newTotpSecret = () => new OTPAuth.Secret({ size: 20 }).base32;

function totp(secret: string, email: string) {
  return new OTPAuth.TOTP({ issuer: "Stablegate", label: email, secret: OTPAuth.Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: PERIOD });
}

export function totpUri(secret: string, email: string): string {
  return totp(secret, email).toString();
}

/** The enrolment QR code, as SVG markup (inline in the page: no request, no third party). */
export function totpQrSvg(secret: string, email: string): Promise<string> {
  return QRCode.toString(totpUri(secret, email), { type: "svg", errorCorrectionLevel: "M", margin: 2 });
}

/** The time step the code belongs to (one step of clock drift either way), or null when it is wrong. */
export function matchTotp(secret: string, email: string, code: string, now: Date): number | null {
  const token = code.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp(secret, email).validate({ token, timestamp: now.getTime(), window: 1 });
  if (delta === null) return null;
  return Math.floor(now.getTime() / 1000 / PERIOD) + delta;
}

/** For tests and the demo: the code an authenticator would show at `now`. */
export function currentTotp(secret: string, now: Date): string {
  return OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: PERIOD, timestamp: now.getTime() });
}

export const RECOVERY_CODE_COUNT = 10;

/** `xxxxx-xxxxx` from a 31-letter alphabet (no look-alikes): ~49 bits each, enough for a one-use code behind a lock-out. */
export function newRecoveryCodes(): string[] {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = [...randomBytes(10)].map((byte) => alphabet[byte % alphabet.length]).join("");
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

export const hashRecoveryCode = (code: string) =>
  createHash("sha256").update(code.trim().toLowerCase().replace(/\s+/g, "")).digest("hex");
