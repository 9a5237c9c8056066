import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeRandom, newId, newOrderRef } from "../../api/lib/ids.js";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const decode = (text: string) => [...text].reduce((value, char) => value * 32n + BigInt(CROCKFORD.indexOf(char)), 0n);
const bytesValue = (bytes: Uint8Array) => bytes.reduce((value, byte) => value * 256n + BigInt(byte), 0n);

describe("ids", () => {
  it("encodes 10 random bytes as the 16 Crockford characters of the same 80-bit number", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 10, maxLength: 10 }), (bytes) => {
        const text = encodeRandom(bytes);
        expect(text).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
        expect(decode(text)).toBe(bytesValue(bytes));
      }),
    );
    expect(encodeRandom(new Uint8Array(10).fill(255))).toBe("Z".repeat(16));
  });

  it("makes prefixed ULID-layout ids whose first 10 characters are the milliseconds", () => {
    const at = Date.UTC(2031, 0, 2, 3, 4, 5, 678);
    const id = newId("ord", at);
    expect(id).toMatch(/^ord_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(Number(decode(id.slice(4, 14)))).toBe(at);
  });

  it("counts up within one millisecond and when the clock stands still or goes back, so ids keep their order", () => {
    const at = Date.UTC(2032, 5, 1);
    const ids = [newId("evt", at), ...Array.from({ length: 600 }, () => newId("evt", at)), newId("evt", at - 5_000)];
    expect([...ids].sort()).toEqual(ids);
    for (let i = 1; i < ids.length; i++) expect(decode(ids[i]!.slice(14))).toBe(decode(ids[i - 1]!.slice(14)) + 1n);
    const later = newId("evt", at + 1);
    expect(later > ids.at(-1)!).toBe(true);
  });

  it("draws order references from 32 fresh random bytes each", () => {
    const refs = Array.from({ length: 5_000 }, () => newOrderRef());
    for (const ref of refs) expect(ref).toMatch(/^0x[0-9a-f]{64}$/);
    expect(new Set(refs).size).toBe(refs.length);
  });
});
