import type { LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { describe, expect, it } from "vitest";
import { checkTargetUrl, guardLookup, RefusedTargetError } from "../../../api/webhooks/ssrf.js";
import { fakeResolver } from "../../support/resolver.js";

const refusedOnly = { allowPrivateTargets: false };
const allowed = { allowPrivateTargets: true };

describe("checkTargetUrl", () => {
  it("accepts http and https URLs with a host name, keeping path and query", () => {
    expect(checkTargetUrl("https://shop.example/hooks/stablegate?x=1", refusedOnly).href).toBe("https://shop.example/hooks/stablegate?x=1");
    expect(checkTargetUrl("http://shop.example:8080/hooks", refusedOnly).port).toBe("8080");
    expect(checkTargetUrl("https://8.8.8.8/hooks", refusedOnly).hostname).toBe("8.8.8.8");
  });

  it.each(["ftp://shop.example/hooks", "file:///etc/passwd", "gopher://shop.example/", "javascript:alert(1)", "/hooks", "not a url"])(
    "refuses %s: not an absolute http(s) URL",
    (url) => {
      expect(() => checkTargetUrl(url, allowed)).toThrow(RefusedTargetError);
    },
  );

  it("refuses credentials in the URL, even with private targets allowed", () => {
    expect(() => checkTargetUrl("https://user:secret@shop.example/hooks", allowed)).toThrow(/credentials/);
    expect(() => checkTargetUrl("https://user@shop.example/hooks", allowed)).toThrow(/credentials/);
  });

  it.each([
    ["http://127.0.0.1/", "127.0.0.1", "loopback"],
    ["http://10.0.0.1/", "10.0.0.1", "private"],
    ["http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"],
    ["http://[::1]:8080/", "::1", "loopback"],
    ["http://[::ffff:127.0.0.1]/", "::ffff:7f00:1", "loopback"],
    ["http://[fe80::1]/", "fe80::1", "link-local"],
    ["http://0.0.0.0:3000/", "0.0.0.0", "unspecified"],
    ["http://0x7f.1/", "127.0.0.1", "loopback"], // other IPv4 spellings are normalised by the URL parser
    ["http://2130706433/", "127.0.0.1", "loopback"],
    ["http://100.64.1.1/", "100.64.1.1", "cgnat"],
  ])("refuses %s (IP literal, %s) unless private targets are allowed", (url, address, category) => {
    let refusal: unknown;
    try {
      checkTargetUrl(url, refusedOnly);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(RefusedTargetError);
    expect(refusal).toMatchObject({ address, category, code: "ERR_WEBHOOK_TARGET_REFUSED" });
    expect(checkTargetUrl(url, allowed)).toBeInstanceOf(URL);
  });

  it("leaves host names to the connect-time guard", () => {
    expect(checkTargetUrl("http://localhost:3000/hooks", refusedOnly).hostname).toBe("localhost");
  });
});

/** Calls a LookupFunction the way net.connect does and returns what it answers. */
function resolveWith(lookup: LookupFunction, hostname: string, all: boolean) {
  return new Promise<{ error: Error | null; address: string | LookupAddress[] }>((resolve) =>
    lookup(hostname, { all }, (error, address) => resolve({ error, address })),
  );
}

describe("guardLookup", () => {
  const resolver = fakeResolver({
    "internal.example": ["10.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "shop.example": ["8.8.8.8", "2606:4700:4700::1111"],
    "rebound.example": ["8.8.4.4", "127.0.0.1"],
    "v6-loopback.example": ["::1"],
  });
  const guarded = guardLookup({ ...refusedOnly, lookup: resolver });

  it("passes public answers through, in both lookup forms net.connect uses", async () => {
    expect(await resolveWith(guarded, "shop.example", false)).toEqual({ error: null, address: "8.8.8.8" });
    expect(await resolveWith(guarded, "shop.example", true)).toEqual({
      error: null,
      address: [
        { address: "8.8.8.8", family: 4 },
        { address: "2606:4700:4700::1111", family: 6 },
      ],
    });
  });

  it.each([
    ["internal.example", "10.0.0.1", "private"],
    ["metadata.example", "169.254.169.254", "link-local"],
    ["v6-loopback.example", "::1", "loopback"],
  ])("refuses %s, which resolves to %s", async (hostname, address, category) => {
    for (const all of [false, true]) {
      const { error } = await resolveWith(guarded, hostname, all);
      expect(error).toBeInstanceOf(RefusedTargetError);
      expect(error).toMatchObject({ address, category });
      expect(error?.message).toContain(`${hostname} (${address})`);
    }
  });

  it("refuses a name when any of its answers is private, not only the first", async () => {
    const { error } = await resolveWith(guarded, "rebound.example", true);
    expect(error).toMatchObject({ address: "127.0.0.1", category: "loopback" });
  });

  it("passes resolver failures through unchanged", async () => {
    const { error } = await resolveWith(guarded, "nowhere.example", true);
    expect(error).not.toBeInstanceOf(RefusedTargetError);
    expect(error).toMatchObject({ code: "ENOTFOUND" });
  });

  it("with private targets allowed, is the resolver itself", async () => {
    expect(guardLookup({ ...allowed, lookup: resolver })).toBe(resolver);
    expect(await resolveWith(guardLookup({ ...allowed, lookup: resolver }), "internal.example", false)).toEqual({
      error: null,
      address: "10.0.0.1",
    });
  });
});
