/**
 * The merchant-side examples README shows, run for real: signed deliveries over HTTP to the `standardwebhooks`
 * receiver, and the raw HMAC verifier against the same signatures.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deliver } from "../../../api/webhooks/deliver.js";
import { webhookReceiver } from "../../../api/webhooks/example-receiver.js";
import { verifyWebhookSignature } from "../../../api/webhooks/example-verify-raw.js";
import { generateSecret, sign } from "../../../api/webhooks/signing.js";

const secret = generateSecret();
const nowSeconds = () => Math.floor(Date.now() / 1000);
const event = (id: string) => JSON.stringify({ id, type: "order.paid", data: { order: { id: "ord_1", status: "paid" } } });

describe("example receiver (standardwebhooks, idempotent by webhook-id)", () => {
  const handled: { event: unknown; webhookId: string }[] = [];
  let failNext = false;
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const app = new Hono();
    const receive = webhookReceiver({
      secret,
      onEvent: (received, webhookId) => {
        if (failNext) {
          failNext = false;
          throw new Error("database unavailable");
        }
        handled.push({ event: received, webhookId });
      },
    });
    app.post("/webhooks/stablegate", (c) => receive(c.req.raw));
    app.onError((_, c) => c.json({ error: "internal" }, 500)); // quiet: the failure is the point of one test
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stablegate`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(() => close());
  beforeEach(() => {
    handled.length = 0;
  });

  const send = (body: string, headers: Record<string, string>) => deliver({ url, body, headers, allowPrivateTargets: true });

  it("accepts a signed delivery, hands over the parsed event and its webhook-id, and answers 2xx", async () => {
    const body = event("evt_ok");
    const result = await send(body, sign({ id: "evt_ok", timestamp: nowSeconds(), body, secrets: [secret] }));
    expect(result).toMatchObject({ ok: true, status: 204 });
    expect(handled).toEqual([{ event: JSON.parse(body), webhookId: "evt_ok" }]);
  });

  it("acknowledges a repeat of the same webhook-id (a retry, freshly signed) without handling it again", async () => {
    const body = event("evt_twice");
    const first = await send(body, sign({ id: "evt_twice", timestamp: nowSeconds() - 60, body, secrets: [secret] }));
    const retry = await send(body, sign({ id: "evt_twice", timestamp: nowSeconds(), body, secrets: [secret] }));
    expect([first.status, retry.status]).toEqual([204, 204]);
    expect(handled.map((h) => h.webhookId)).toEqual(["evt_twice"]);
  });

  it("answers 500 when handling fails, so the retry is handled", async () => {
    const body = event("evt_retry");
    failNext = true;
    const failed = await send(body, sign({ id: "evt_retry", timestamp: nowSeconds(), body, secrets: [secret] }));
    expect(failed).toMatchObject({ ok: false, status: 500 });
    expect(handled).toEqual([]);
    const retried = await send(body, sign({ id: "evt_retry", timestamp: nowSeconds(), body, secrets: [secret] }));
    expect(retried).toMatchObject({ ok: true, status: 204 });
    expect(handled.map((h) => h.webhookId)).toEqual(["evt_retry"]);
  });

  it.each([
    [
      "forged (signed with another secret)",
      () => {
        const body = event("evt_forged");
        return { body, headers: sign({ id: "evt_forged", timestamp: nowSeconds(), body, secrets: [generateSecret()] }) };
      },
      "No matching signature found",
    ],
    [
      "tampered (body changed after signing)",
      () => {
        const body = event("evt_tampered");
        const headers = sign({ id: "evt_tampered", timestamp: nowSeconds(), body, secrets: [secret] });
        return { body: body.replace('"paid"', '"overpaid"'), headers };
      },
      "No matching signature found",
    ],
    [
      "stale (timestamp 301 s ago)",
      () => {
        const body = event("evt_stale");
        return { body, headers: sign({ id: "evt_stale", timestamp: nowSeconds() - 301, body, secrets: [secret] }) };
      },
      "Message timestamp too old",
    ],
    [
      "from the future (timestamp 301 s ahead)",
      () => {
        const body = event("evt_future");
        return { body, headers: sign({ id: "evt_future", timestamp: nowSeconds() + 301, body, secrets: [secret] }) };
      },
      "Message timestamp too new",
    ],
    ["unsigned", () => ({ body: event("evt_unsigned"), headers: {} }), "Missing required headers"],
  ])("rejects a %s delivery with 400 and does not handle it", async (_, make, reason) => {
    const { body, headers } = make();
    const result = await send(body, headers);
    expect(result).toMatchObject({ ok: false, status: 400 });
    expect(JSON.parse(result.responseExcerpt)).toEqual({ error: reason });
    expect(handled).toEqual([]);
  });
});

describe("raw HMAC verification (for languages without a Standard Webhooks library)", () => {
  const now = 1_900_000_000;
  const body = event("evt_raw");
  const headers = sign({ id: "evt_raw", timestamp: now, body, secrets: [secret] });

  it("accepts what sign() produces, over a string or the raw bytes", () => {
    expect(verifyWebhookSignature({ secret, headers, body, nowSeconds: now })).toEqual({ ok: true });
    expect(verifyWebhookSignature({ secret, headers, body: Buffer.from(body), nowSeconds: now })).toEqual({ ok: true });
  });

  it("matches the Standard Webhooks specification's example (fixed test vector)", () => {
    const vector = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    };
    const verify = (signatureBody: string) =>
      verifyWebhookSignature({
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        headers: vector,
        body: signatureBody,
        nowSeconds: 1614265330,
      });
    expect(verify('{"test": 2432232314}')).toEqual({ ok: true });
    expect(verify('{"test": 2432232315}')).toEqual({ ok: false, reason: "no matching signature" });
  });

  it("accepts any one matching v1 signature among several (a rotation) and skips other versions", () => {
    const rotated = sign({ id: "evt_raw", timestamp: now, body, secrets: [generateSecret(), secret] });
    expect(verifyWebhookSignature({ secret, headers: rotated, body, nowSeconds: now })).toEqual({ ok: true });
    const v2Only = { ...headers, "webhook-signature": headers["webhook-signature"].replace("v1,", "v2,") };
    expect(verifyWebhookSignature({ secret, headers: v2Only, body, nowSeconds: now })).toEqual({
      ok: false,
      reason: "no matching signature",
    });
  });

  it("rejects a forged signature and a tampered body", () => {
    expect(verifyWebhookSignature({ secret: generateSecret(), headers, body, nowSeconds: now })).toEqual({
      ok: false,
      reason: "no matching signature",
    });
    expect(verifyWebhookSignature({ secret, headers, body: body.replace("paid", "PAID"), nowSeconds: now })).toEqual({
      ok: false,
      reason: "no matching signature",
    });
  });

  it("allows 5 minutes of clock difference in both directions, and no more", () => {
    expect(verifyWebhookSignature({ secret, headers, body, nowSeconds: now + 300 })).toEqual({ ok: true });
    expect(verifyWebhookSignature({ secret, headers, body, nowSeconds: now - 300 })).toEqual({ ok: true });
    expect(verifyWebhookSignature({ secret, headers, body, nowSeconds: now + 301 })).toEqual({ ok: false, reason: "timestamp too old" });
    expect(verifyWebhookSignature({ secret, headers, body, nowSeconds: now - 301 })).toEqual({ ok: false, reason: "timestamp too new" });
  });

  it("rejects missing headers and a timestamp that is not Unix seconds", () => {
    const { "webhook-signature": _, ...unsigned } = headers;
    expect(verifyWebhookSignature({ secret, headers: unsigned, body, nowSeconds: now })).toMatchObject({ ok: false });
    const iso = { ...headers, "webhook-timestamp": new Date(now * 1000).toISOString() };
    expect(verifyWebhookSignature({ secret, headers: iso, body, nowSeconds: now })).toEqual({
      ok: false,
      reason: "webhook-timestamp is not Unix seconds",
    });
  });
});
