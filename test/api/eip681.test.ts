/**
 * The checkout's EIP-681 URIs read back the way MetaMask reads them (eth-url-parser): the deposit address's plain
 * `transfer` names the token contract, the chain, the deposit address and the exact base units.
 */
import { parse as parseEthUrl } from "eth-url-parser";
import fc from "fast-check";
import { getAddress, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { transferUri } from "../../api/lib/eip681.js";

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => getAddress(toHex(bytes)));

describe("transferUri", () => {
  it("is ethereum:<token>@<chainId>/transfer?address=<deposit>&uint256=<units>", () => {
    const token = "0xdAC17F958D2ee523a2206206994597C13D831ec7";
    const to = "0x5ec0ffee5ec0ffee5ec0ffee5ec0ffee5ec0ffee";
    expect(transferUri({ chainId: 1, token, to, amount: 12_500_000n })).toBe(`ethereum:${token}@1/transfer?address=${to}&uint256=12500000`);
  });

  it("parses back to the same token, chain, recipient and amount for any of them", () => {
    fc.assert(
      fc.property(address, address, fc.integer({ min: 1, max: 2 ** 31 }), fc.bigInt({ min: 1n, max: 10n ** 15n }), (token, to, chainId, amount) => {
        const parsed = parseEthUrl(transferUri({ chainId, token, to, amount }));
        expect(parsed.scheme).toBe("ethereum");
        expect(parsed.target_address).toBe(token);
        expect(parsed.chain_id).toBe(String(chainId));
        expect(parsed.function_name).toBe("transfer");
        expect(parsed.parameters?.address).toBe(to);
        // MetaMask turns the amount into a number: amounts up to 10^15 units (a billion USDT) survive that exactly.
        expect(BigInt(Number(parsed.parameters?.uint256))).toBe(amount);
      }),
    );
  });
});
