/**
 * Token amounts: decimal strings in JSON, integers in base units everywhere else. Never a float.
 */
import { BaseError } from "./base-error.js";

/** Plain decimal notation only: no sign, no exponent, no leading zeros, no bare dot. */
const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/** The largest amount a `uint256` transfer can carry. */
export const MAX_UINT256 = 2n ** 256n - 1n;

export class AmountError extends BaseError {
  override name = "AmountError";
}

/**
 * Parses a decimal string such as `"12.5"` into base units of a token with `decimals` decimals
 * (`12500000n` for 6). Rejects zero unless `allowZero`, more fractional digits than the token has,
 * and anything that is not plain decimal notation.
 */
export function parseAmount(value: string, decimals: number, { allowZero = false } = {}): bigint {
  if (!DECIMAL.test(value)) {
    throw new AmountError("must be a positive decimal number in plain notation, such as \"12.50\"");
  }
  const [whole = "0", fraction = ""] = value.split(".");
  if (fraction.length > decimals) {
    throw new AmountError(`has ${fraction.length} decimals; the token has ${decimals}`);
  }
  const units = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
  if (units === 0n && !allowZero) throw new AmountError("must be greater than zero");
  if (units > MAX_UINT256) throw new AmountError("is larger than a uint256 can hold");
  return units;
}

/** Formats base units as the shortest exact decimal string: `12500000n`, 6 → `"12.5"`. */
export function formatAmount(units: bigint, decimals: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}
