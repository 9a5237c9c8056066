import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as admin from "../../api/admin/commands.js";
import { purgeExpired } from "../../api/confirmer/housekeeping.js";
import { SIGNATURE_WINDOW_SECONDS, signRequest } from "../../api/lib/request-signature.js";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import { readAs, readError } from "../support/api-client.js";
import { createHarness, describeBackends, orderBody, type Harness, type TestMerchant } from "../support/harness.js";

const RATE_LIMIT = 5;

describeBackends("auth, signed requests, isolation, rate limits", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(backend, { env: { RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT) } });
  });
  afterAll(() => h?.close());
  // Each test starts in a fresh rate-limit window: the limit is small here so its own test stays short.
  beforeEach(() => h.clock.advance(60_000));

  const code = async (res: Response, status: number) => (await readError(res, status)).error.code;

  describe("API keys", () => {
    it.each([
      ["no Authorization header", undefined],
      ["a non-Bearer scheme", "Basic dXNlcjpwYXNz"],
      ["an unknown key", "Bearer sk_live_notarealkeynotarealkeynotarealkeynotareal"],
      ["an empty bearer", "Bearer "],
    ])("answers %s with 401", async (_name, authorization) => {
      const res = await h.app.request("/v1/orders", { headers: authorization ? { authorization } : {} });
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
      expect(await code(res, 401)).toBe("unauthorized");
    });

    it("stores only the hash, shows a prefix, and stops a revoked key at once", async () => {
      const m = await h.merchant();
      expect((await m.call("GET", "/v1/orders")).status).toBe(200);
      const keys = await admin.listApiKeys(h.db, m.id);
      expect(keys).toHaveLength(1);
      expect(m.key.startsWith(keys[0]!.prefix)).toBe(true);
      expect(keys[0]!.prefix).toMatch(/^sk_live_.{4}$/);
      expect(JSON.stringify(keys)).not.toContain(m.key);
      await admin.revokeApiKey(h.db, keys[0]!.id);
      // Instances trust what they read about a key for AUTH_CACHE_MS (2 s by default), then read it again.
      h.clock.advance(h.config.authCacheMs);
      const res = await m.call("GET", "/v1/orders");
      expect(res.status).toBe(401);
      await expect(admin.revokeApiKey(h.db, keys[0]!.id)).rejects.toThrow(/no active key/);
    });
  });

  describe("merchant isolation", () => {
    it("never shows one merchant's order, payments or events to another", async () => {
      const alice = await h.merchant({ name: "Alice" });
      const bob = await h.merchant({ name: "Bob" });
      const res = await alice.call("POST", "/v1/orders", { body: orderBody({ merchantOrderId: "SHARED" }) });
      const order = await readAs(res, orderRoutes.createQrOrder, 201);
      for (const path of [`/v1/orders/${order.id}`, `/v1/orders/${order.id}/payments`, `/v1/contract-payment?orderId=${order.id}`, "/v1/contract-payment?merchantOrderId=SHARED"]) {
        const answer = await bob.call("GET", path);
        expect(answer.status, path).toBe(404);
      }
      expect((await bob.call("POST", `/v1/orders/${order.id}/cancel`)).status).toBe(404);
      h.clock.advance(60_000);
      const list = await readAs(await bob.call("GET", "/v1/orders"), orderRoutes.listOrders, 200);
      expect(list.data).toHaveLength(0);
    });
  });

  describe("signed requests", () => {
    let m: TestMerchant;
    let secret: string;
    beforeAll(async () => {
      m = await h.merchant();
      secret = (await admin.setSignedRequests(h.db, { merchantId: m.id, required: true })).secret!;
    });

    const signed = (
      method: string,
      path: string,
      body: string,
      { timestamp = Math.floor(h.clock.current.getTime() / 1000), key = secret, signature }: { timestamp?: number; key?: string; signature?: string } = {},
    ) =>
      h.app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${m.key}`,
          ...(body ? { "content-type": "application/json" } : {}),
          "Stablegate-Timestamp": String(timestamp),
          "Stablegate-Signature": signature ?? signRequest(key, { timestamp, method, path, body }),
        },
        body: body || undefined,
      });

    it("accepts a correctly signed POST and GET (path with query)", async () => {
      const body = JSON.stringify(orderBody());
      expect((await signed("POST", "/v1/orders", body)).status).toBe(201);
      expect((await signed("GET", "/v1/orders?limit=1", "")).status).toBe(200);
    });

    it("refuses an unsigned request with 403", async () => {
      const res = await m.call("GET", "/v1/orders");
      expect(await code(res, 403)).toBe("signature_required");
    });

    it.each([
      ["stale (31 s old)", { timestamp: -31 }],
      ["from the future (31 s ahead)", { timestamp: 31 }],
      ["made with another secret", { key: "rsk_wrong" }],
      ["garbled", { signature: "v1=deadbeef" }],
    ])("refuses a signature that is %s with 401", async (_name, change) => {
      const now = Math.floor(h.clock.current.getTime() / 1000);
      const options = {
        ...("timestamp" in change ? { timestamp: now + change.timestamp } : {}),
        ...("key" in change ? { key: change.key } : {}),
        ...("signature" in change ? { signature: change.signature } : {}),
      };
      const res = await signed("GET", "/v1/orders", "", options);
      expect(await code(res, 401)).toBe("invalid_signature");
    });

    it("accepts the edges of the 30 s window", async () => {
      const now = Math.floor(h.clock.current.getTime() / 1000);
      expect((await signed("GET", "/v1/orders?edge=old", "", { timestamp: now - 30 })).status).toBe(200);
      expect((await signed("GET", "/v1/orders?edge=new", "", { timestamp: now + 30 })).status).toBe(200);
    });

    it("refuses a signature bound to another body, method or path", async () => {
      const timestamp = Math.floor(h.clock.current.getTime() / 1000);
      const body = JSON.stringify(orderBody());
      const forOtherBody = signRequest(secret, { timestamp, method: "POST", path: "/v1/orders", body: JSON.stringify(orderBody()) });
      expect((await signed("POST", "/v1/orders", body, { signature: forOtherBody })).status).toBe(401);
      const forOtherPath = signRequest(secret, { timestamp, method: "GET", path: "/v1/payments", body: "" });
      expect((await signed("GET", "/v1/orders", "", { signature: forOtherPath })).status).toBe(401);
    });

    it("refuses a replayed signature", async () => {
      const timestamp = Math.floor(h.clock.current.getTime() / 1000);
      const signature = signRequest(secret, { timestamp, method: "GET", path: "/v1/balance", body: "" });
      expect((await signed("GET", "/v1/balance", "", { timestamp, signature })).status).toBe(200);
      const replay = await signed("GET", "/v1/balance", "", { timestamp, signature });
      expect((await readError(replay, 401)).error.message).toMatch(/replay/);
    });

    it("refuses a replay at any time its timestamp is still accepted, even after housekeeping (61 s after first use)", async () => {
      const firstUse = Math.floor(h.clock.current.getTime() / 1000);
      // Stamped at the window's future edge: acceptable from now until 61 s from now.
      const timestamp = firstUse + SIGNATURE_WINDOW_SECONDS;
      const signature = signRequest(secret, { timestamp, method: "GET", path: "/v1/balance?edge=future", body: "" });
      expect((await signed("GET", "/v1/balance?edge=future", "", { timestamp, signature })).status).toBe(200);
      h.clock.current = new Date((firstUse + 2 * SIGNATURE_WINDOW_SECONDS) * 1000 + 900);
      await purgeExpired(h.db, h.clock.now());
      const replay = await signed("GET", "/v1/balance?edge=future", "", { timestamp, signature });
      expect((await readError(replay, 401)).error.message).toMatch(/replay/);
    });

    it("accepts identical requests in one second when each carries its own signed Stablegate-Nonce", async () => {
      const timestamp = Math.floor(h.clock.current.getTime() / 1000);
      const send = (nonce: string, signedNonce: string | null = nonce) =>
        h.app.request("/v1/balance", {
          headers: {
            authorization: `Bearer ${m.key}`,
            "Stablegate-Timestamp": String(timestamp),
            "Stablegate-Nonce": nonce,
            "Stablegate-Signature": signRequest(secret, { timestamp, method: "GET", path: "/v1/balance", body: "", nonce: signedNonce ?? undefined }),
          },
        });
      expect((await send("nonce-0001")).status).toBe(200);
      expect((await send("nonce-0002")).status).toBe(200);
      const replay = await send("nonce-0002");
      expect((await readError(replay, 401)).error.message).toMatch(/replay/);
      // The nonce is part of what is signed, and has a shape.
      expect((await send("nonce-0003", null)).status).toBe(401);
      const malformed = await send("bad nonce!");
      expect((await readError(malformed, 401)).error.message).toMatch(/Stablegate-Nonce/);
    });

    it("rotating the secret invalidates the old one; turning it off accepts bearer-only again", async () => {
      const old = secret;
      secret = (await admin.setSignedRequests(h.db, { merchantId: m.id, required: true })).secret!;
      h.clock.advance(h.config.authCacheMs);
      expect((await signed("GET", "/v1/orders?rotated=1", "", { key: old })).status).toBe(401);
      expect((await signed("GET", "/v1/orders?rotated=2", "")).status).toBe(200);
      await admin.setSignedRequests(h.db, { merchantId: m.id, required: false });
      h.clock.advance(h.config.authCacheMs);
      expect((await m.call("GET", "/v1/orders")).status).toBe(200);
    });
  });

  describe("rate limits", () => {
    it(`allows ${RATE_LIMIT} requests a minute per key, then 429 with Retry-After; other keys are unaffected`, async () => {
      const m = await h.merchant();
      for (let i = 0; i < RATE_LIMIT; i++) {
        const res = await m.call("GET", "/v1/orders");
        expect(res.status).toBe(200);
        expect(res.headers.get("ratelimit-remaining")).toBe(String(RATE_LIMIT - i - 1));
      }
      const limited = await m.call("GET", "/v1/orders");
      expect(await code(limited, 429)).toBe("rate_limited");
      expect(limited.headers.get("ratelimit-remaining")).toBe("0");
      expect(limited.headers.get("x-request-id")).toBeTruthy();
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);

      const other = await h.merchant();
      expect((await other.call("GET", "/v1/orders")).status).toBe(200);

      h.clock.advance(retryAfter * 1000);
      expect((await m.call("GET", "/v1/orders")).status).toBe(200);
    });
  });
});
