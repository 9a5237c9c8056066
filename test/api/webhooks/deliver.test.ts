/**
 * Delivery attempts against real HTTP receivers on 127.0.0.1 (private targets allowed, as in local development),
 * and refusals of private targets with the development setting off. No test sends anything beyond loopback:
 * refusals happen before a socket dials, which `connectionAttempts` checks.
 */
import net from "node:net";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MockInstance } from "vitest";
import { deliver, RESPONSE_EXCERPT_BYTES } from "../../../api/webhooks/deliver.js";
import { nextAttemptAt } from "../../../api/webhooks/schedule.js";
import { generateSecret, sign } from "../../../api/webhooks/signing.js";
import { closedPort, startReceiver } from "../../support/webhook-receiver.js";
import { fakeResolver } from "../../support/resolver.js";
import type { Receiver } from "../../support/webhook-receiver.js";

const secret = generateSecret();
const body = JSON.stringify({ id: "evt_1", type: "order.paid", data: { order: { id: "ord_1", status: "paid" } } });
const signed = () => sign({ id: "evt_1", timestamp: Math.floor(Date.now() / 1000), body, secrets: [secret] });
const local = { allowPrivateTargets: true };

let receivers: Receiver[] = [];
async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const started = await startReceiver(...args);
  receivers.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

describe("deliver to a receiver", () => {
  it("POSTs the exact signed JSON body, which the standardwebhooks package verifies, and counts a 2xx", async () => {
    const target = await receiver((_, response) => response.writeHead(200, { "content-type": "text/plain" }).end("thanks"));
    const result = await deliver({ url: `${target.url}?source=stablegate`, headers: signed(), body, ...local });

    expect(result).toEqual({ ok: true, status: 200, latencyMs: expect.any(Number), responseExcerpt: "thanks", gone: false });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    const [request] = target.requests;
    expect(request).toMatchObject({ method: "POST", path: "/webhooks?source=stablegate", body });
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(new Webhook(secret).verify(request?.body ?? "", request?.headers as Record<string, string>)).toEqual(JSON.parse(body));
  });

  it("counts a 204 with no body", async () => {
    const target = await receiver((_, response) => response.writeHead(204).end());
    expect(await deliver({ url: target.url, headers: signed(), body, ...local })).toMatchObject({
      ok: true,
      status: 204,
      responseExcerpt: "",
    });
  });

  it("records a 500 with its status, an excerpt of the body and an error, as a failure", async () => {
    const target = await receiver((_, response) => response.writeHead(500).end('{"error":"database is down"}'));
    const result = await deliver({ url: target.url, headers: signed(), body, ...local });
    expect(result).toMatchObject({
      ok: false,
      status: 500,
      responseExcerpt: '{"error":"database is down"}',
      errorCode: "http_status",
      error: "the receiver answered HTTP 500 Internal Server Error",
      gone: false,
    });
  });

  it("fails a 4xx other than 410 without marking the endpoint gone", async () => {
    const target = await receiver((_, response) => response.writeHead(401).end("bad signature"));
    expect(await deliver({ url: target.url, headers: signed(), body, ...local })).toMatchObject({ ok: false, status: 401, gone: false });
  });

  it("marks a 410 Gone as gone: the receiver wants no more deliveries", async () => {
    const target = await receiver((_, response) => response.writeHead(410).end());
    const result = await deliver({ url: target.url, headers: signed(), body, ...local });
    expect(result).toMatchObject({ ok: false, status: 410, gone: true, errorCode: "http_status" });
    expect(result.error).toMatch(/410 Gone.*no more deliveries/);
  });

  it.each([301, 302, 307, 308])("records a %d redirect as a failure and does not follow it", async (status) => {
    const elsewhere = await receiver((_, response) => response.writeHead(200).end());
    const target = await receiver((_, response) => response.writeHead(status, { location: elsewhere.url }).end("moved"));
    const result = await deliver({ url: target.url, headers: signed(), body, ...local });
    expect(result).toMatchObject({ ok: false, status, errorCode: "redirect", responseExcerpt: "moved" });
    expect(result.error).toContain(`redirects to ${elsewhere.url} are not followed`);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("gives up on a receiver that does not answer within the timeout", async () => {
    const target = await receiver(() => {}); // reads the request, never answers
    const result = await deliver({ url: target.url, headers: signed(), body, timeoutMs: 300, ...local });
    expect(result).toMatchObject({ ok: false, errorCode: "timeout", error: "no complete response within 300 ms" });
    expect(result.status).toBeUndefined();
    expect(result.latencyMs).toBeGreaterThanOrEqual(295);
    expect(result.latencyMs).toBeLessThan(1_000);
    expect(target.requests).toHaveLength(1);
  });

  it("counts the response body in the timeout: a 200 whose body never ends is a timeout, not a success", async () => {
    const target = await receiver((_, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      response.write("processing"); // ...and never ends
    });
    const result = await deliver({ url: target.url, headers: signed(), body, timeoutMs: 300, ...local });
    expect(result).toMatchObject({ ok: false, errorCode: "timeout", status: 200 });
    expect(result.latencyMs).toBeLessThan(1_000);
  });

  it("reports a connection error for a receiver that is down", async () => {
    const port = await closedPort();
    const result = await deliver({ url: `http://127.0.0.1:${port}/webhooks`, headers: signed(), body, ...local });
    expect(result).toMatchObject({ ok: false, errorCode: "connection_failed", gone: false });
    expect(result.error).toContain("ECONNREFUSED");
    expect(result.status).toBeUndefined();
  });

  it("reports a connection closed halfway through the response", async () => {
    const target = await receiver((_, response) => {
      response.writeHead(200, { "content-length": "100" });
      response.write("partial");
      setTimeout(() => response.socket?.destroy(), 20);
    });
    const result = await deliver({ url: target.url, headers: signed(), body, ...local });
    expect(result).toMatchObject({ ok: false, errorCode: "connection_failed", status: 200 });
  });

  it("reads the Retry-After of a 503 in seconds, and the schedule waits for it", async () => {
    const target = await receiver((_, response) => response.writeHead(503, { "retry-after": "120" }).end());
    const result = await deliver({ url: target.url, headers: signed(), body, ...local });
    expect(result).toMatchObject({ ok: false, status: 503, retryAfterMs: 120_000 });

    const lastAttemptAt = new Date();
    const next = nextAttemptAt({ failedAttempts: 1, lastAttemptAt, retryAfterMs: result.retryAfterMs, random: () => 0.5 });
    expect(next?.getTime()).toBe(lastAttemptAt.getTime() + 120_000); // not the scheduled 5 s
  });

  it("reads the Retry-After of a 429 as an HTTP date", async () => {
    const target = await receiver((_, response) =>
      response.writeHead(429, { "retry-after": new Date(Date.now() + 90_000).toUTCString() }).end("slow down"),
    );
    const result = await deliver({ url: target.url, headers: signed(), body, ...local });
    expect(result).toMatchObject({ ok: false, status: 429, responseExcerpt: "slow down" });
    // toUTCString() drops the milliseconds; allow for that and for the time the exchange took.
    expect(result.retryAfterMs).toBeGreaterThan(87_000);
    expect(result.retryAfterMs).toBeLessThanOrEqual(90_000);
  });

  it("reads no more than the excerpt of a huge response body, and stops the transfer", async () => {
    const total = 64 * 1024 * 1024;
    let written = 0;
    let finished = false;
    const target = await receiver((_, response) => {
      response.writeHead(500, { "content-type": "text/plain", "content-length": String(total) });
      const chunk = Buffer.alloc(64 * 1024, "x");
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!response.write(chunk)) return response.once("drain", pump);
        }
        finished = true;
        response.end();
      };
      response.on("close", () => response.removeAllListeners("drain"));
      pump();
    });
    const result = await deliver({ url: target.url, headers: signed(), body, ...local });
    expect(result).toMatchObject({ ok: false, status: 500 });
    expect(result.responseExcerpt).toBe("x".repeat(RESPONSE_EXCERPT_BYTES));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(finished).toBe(false);
    expect(written).toBeLessThan(total / 4);
  });

  it("keeps the excerpt safe to store: invalid UTF-8 and control characters replaced, a cut character dropped", async () => {
    const garbled = Buffer.concat([Buffer.from("ok\u0000"), Buffer.from([0xff, 0xfe]), Buffer.from("\u001b[31m red\n")]);
    const target = await receiver((_, response) => response.writeHead(200).end(garbled));
    expect((await deliver({ url: target.url, headers: signed(), body, ...local })).responseExcerpt).toBe(
      "ok\uFFFD\uFFFD\uFFFD\uFFFD[31m red\n",
    );

    // 1023 ASCII bytes, then "é" (2 bytes) straddling the 1 KiB limit
    const straddling = `${"a".repeat(RESPONSE_EXCERPT_BYTES - 1)}é and more`;
    const cut = await receiver((_, response) => response.writeHead(200).end(straddling));
    expect((await deliver({ url: cut.url, headers: signed(), body, ...local })).responseExcerpt).toBe(
      "a".repeat(RESPONSE_EXCERPT_BYTES - 1),
    );
  });

  it("stops when the caller aborts, e.g. on shutdown", async () => {
    const target = await receiver(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await deliver({ url: target.url, headers: signed(), body, signal: controller.signal, ...local });
    expect(result).toMatchObject({ ok: false, errorCode: "aborted" });
    expect(result.latencyMs).toBeLessThan(1_000);
  });
});

describe("deliver refuses private targets when allowPrivateTargets is off", () => {
  let emit: MockInstance;
  /** Addresses a socket started to dial since the test began. */
  const connectionAttempts = () => emit.mock.calls.filter(([event]) => event === "connectionAttempt").map(([, address]) => address);
  beforeEach(() => {
    emit = vi.spyOn(net.Socket.prototype, "emit");
  });
  afterEach(() => {
    emit.mockRestore();
  });

  it("refuses 127.0.0.1 without connecting: a live receiver there gets nothing", async () => {
    const target = await receiver((_, response) => response.writeHead(200).end());
    const result = await deliver({ url: target.url, headers: signed(), body, allowPrivateTargets: false });
    expect(result).toMatchObject({ ok: false, errorCode: "refused_target", gone: false, responseExcerpt: "" });
    expect(result.error).toContain("127.0.0.1");
    expect(result.status).toBeUndefined();
    expect(target.requests).toHaveLength(0);
    expect(connectionAttempts()).toEqual([]);
  });

  it("delivers to the same 127.0.0.1 receiver once the development setting allows it", async () => {
    const target = await receiver((_, response) => response.writeHead(200).end());
    const result = await deliver({ url: target.url, headers: signed(), body, allowPrivateTargets: true });
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(target.requests).toHaveLength(1);
    expect(connectionAttempts()).toEqual(["127.0.0.1"]); // the spy sees real dials
  });

  it.each([
    ["http://10.0.0.1/webhooks", "private"],
    ["http://169.254.169.254/latest/meta-data/", "link-local"],
    ["http://[::1]:9/webhooks", "loopback"],
    ["https://[::ffff:10.0.0.1]/webhooks", "private"],
  ])("refuses %s (%s) before dialling", async (url, category) => {
    const result = await deliver({ url, headers: signed(), body, allowPrivateTargets: false });
    expect(result).toMatchObject({ ok: false, errorCode: "refused_target" });
    expect(result.error).toContain(`${category} address`);
    expect(connectionAttempts()).toEqual([]);
  });

  it("refuses a host name that resolves to 10.0.0.1, at connect time, before dialling", async () => {
    const lookup = fakeResolver({ "hooks.merchant.example": ["10.0.0.1"] });
    const result = await deliver({
      url: "https://hooks.merchant.example/stablegate",
      headers: signed(),
      body,
      allowPrivateTargets: false,
      lookup,
    });
    expect(result).toMatchObject({ ok: false, errorCode: "refused_target" });
    expect(result.error).toContain("hooks.merchant.example (10.0.0.1): private address");
    expect(lookup.asked).toEqual(["hooks.merchant.example"]);
    expect(connectionAttempts()).toEqual([]);
  });

  it("refuses a host name that resolves to 127.0.0.1 (a rebinding target), though a receiver listens there", async () => {
    const target = await receiver((_, response) => response.writeHead(200).end());
    const lookup = fakeResolver({ "rebind.merchant.example": ["127.0.0.1"] });
    const url = `http://rebind.merchant.example:${target.port}/webhooks`;
    const result = await deliver({ url, headers: signed(), body, allowPrivateTargets: false, lookup });
    expect(result).toMatchObject({ ok: false, errorCode: "refused_target" });
    expect(target.requests).toHaveLength(0);
    expect(connectionAttempts()).toEqual([]);

    // The same name with the development setting on reaches the receiver: the injected resolver is what connects.
    const allowedResult = await deliver({ url, headers: signed(), body, allowPrivateTargets: true, lookup });
    expect(allowedResult).toMatchObject({ ok: true, status: 200 });
    expect(target.requests[0]?.headers.host).toBe(`rebind.merchant.example:${target.port}`);
  });

  it("refuses URLs with another scheme or with credentials before resolving anything", async () => {
    const lookup = fakeResolver({ "hooks.merchant.example": ["8.8.8.8"] });
    for (const url of ["ftp://hooks.merchant.example/", "https://user:pass@hooks.merchant.example/"]) {
      const result = await deliver({ url, headers: signed(), body, allowPrivateTargets: false, lookup });
      expect(result).toMatchObject({ ok: false, errorCode: "refused_target" });
    }
    expect(lookup.asked).toEqual([]);
    expect(connectionAttempts()).toEqual([]);
  });
});
