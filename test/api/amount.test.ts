import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AmountError, formatAmount, MAX_UINT256, parseAmount } from "../../api/lib/amount.js";

const decimals = fc.integer({ min: 0, max: 18 });
const units = fc.bigInt({ min: 1n, max: 10n ** 40n });

describe("amount parsing and formatting", () => {
  it("round-trips every amount at every precision: parse(format(x)) = x", () => {
    fc.assert(fc.property(units, decimals, (x, d) => parseAmount(formatAmount(x, d), d) === x));
  });

  it("formats canonically: no trailing zeros, no leading zeros, a dot only with a fraction", () => {
    fc.assert(
      fc.property(units, decimals, (x, d) => {
        const text = formatAmount(x, d);
        expect(text).toMatch(/^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/);
        expect((text.split(".")[1] ?? "").length).toBeLessThanOrEqual(d);
      }),
    );
  });

  it("accepts any plain decimal with at most `decimals` fraction digits and scales it exactly", () => {
    fc.assert(
      fc.property(
        decimals.chain((d) =>
          fc.tuple(fc.constant(d), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.string({ unit: fc.constantFrom(..."0123456789"), maxLength: d })),
        ),
        ([d, whole, fraction]) => {
          const text = fraction ? `${whole}.${fraction}` : `${whole}`;
          const expected = whole * 10n ** BigInt(d) + BigInt(fraction.padEnd(d, "0") || "0");
          fc.pre(expected > 0n);
          expect(parseAmount(text, d)).toBe(expected);
        },
      ),
    );
  });

  it("refuses more fraction digits than the token has", () => {
    fc.assert(
      fc.property(decimals, fc.integer({ min: 1, max: 5 }), (d, extra) => {
        const text = `1.${"0".repeat(d)}${"5".repeat(extra)}`;
        expect(() => parseAmount(text, d)).toThrow(/decimals/);
      }),
    );
  });

  it.each([
    ["0", /greater than zero/],
    ["0.000000", /greater than zero/],
    ["-1", /plain notation/],
    ["+1", /plain notation/],
    ["1e6", /plain notation/],
    ["1E-6", /plain notation/],
    ["0x10", /plain notation/],
    ["ten", /plain notation/],
    ["", /plain notation/],
    [".5", /plain notation/],
    ["5.", /plain notation/],
    ["01.5", /plain notation/],
    ["1,5", /plain notation/],
    [" 1", /plain notation/],
    ["NaN", /plain notation/],
    ["Infinity", /plain notation/],
  ])("refuses %j", (text, message) => {
    expect(() => parseAmount(text, 6)).toThrow(AmountError);
    expect(() => parseAmount(text, 6)).toThrow(message);
  });

  it("refuses more than a uint256", () => {
    expect(parseAmount(MAX_UINT256.toString(), 0)).toBe(MAX_UINT256);
    expect(() => parseAmount((MAX_UINT256 + 1n).toString(), 0)).toThrow(/uint256/);
  });

  it("formats fixed examples", () => {
    expect(formatAmount(12_500_000n, 6)).toBe("12.5");
    expect(formatAmount(1n, 18)).toBe("0.000000000000000001");
    expect(formatAmount(0n, 6)).toBe("0");
    expect(formatAmount(100n, 0)).toBe("100");
    expect(formatAmount(-1_500_000n, 6)).toBe("-1.5");
  });
});
