import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findUnstorableText } from "../../api/lib/storable-text.js";

describe("text the database can hold", () => {
  it("accepts any well-formed text without NUL, including emoji (surrogate pairs) and other control characters", () => {
    expect(findUnstorableText({ a: "T-shirt 👕", b: ["\t\n", { c: "Zoë ✓" }], n: 1, z: null, t: true })).toBeUndefined();
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const clean = JSON.parse(JSON.stringify(value).replaceAll("\\u0000", "")) as unknown;
        expect(findUnstorableText(clean)).toBeUndefined();
      }),
    );
  });

  it("names the first NUL or lone surrogate by its dotted path, in values and in keys", () => {
    expect(findUnstorableText("a\u0000")).toEqual({ field: "", message: expect.stringMatching(/NUL character/) });
    expect(findUnstorableText({ list: [0, { x: "\ud800" }] })).toEqual({ field: "list.1.x", message: expect.stringMatching(/valid Unicode/) });
    expect(findUnstorableText({ ok: "y", ["k\udfff"]: 1 })?.message).toMatch(/key must be valid Unicode/);
    expect(findUnstorableText({ first: "\u0000", second: "\ud800" })?.field).toBe("first");
  });

  it("walks deeply nested input without recursion", () => {
    let deep: unknown = "\u0000";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnstorableText(deep)?.message).toMatch(/NUL/);
  });
});
