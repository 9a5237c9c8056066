import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../../../api/webhooks/retry-after.js";

const now = Date.parse("2030-01-01T00:00:00Z");

describe("parseRetryAfter", () => {
  it("reads delay-seconds", () => {
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
  });

  it("reads all three HTTP-date forms as GMT, relative to now", () => {
    expect(parseRetryAfter("Tue, 01 Jan 2030 00:01:30 GMT", now)).toBe(90_000); // IMF-fixdate
    expect(parseRetryAfter("Tuesday, 01-Jan-30 00:01:30 GMT", now)).toBe(90_000); // RFC 850
    expect(parseRetryAfter("Tue Jan  1 00:01:30 2030", now)).toBe(90_000); // asctime, no zone written
  });

  it("reads a date in the past as no wait", () => {
    expect(parseRetryAfter("Mon, 31 Dec 2029 23:00:00 GMT", now)).toBe(0);
  });

  it.each([undefined, "", "soon", "1.5", "-10", "2030-01-01T00:01:30Z", "Tue, 99 Foo 2030 GMT"])("ignores %j", (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});
