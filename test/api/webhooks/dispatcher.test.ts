/**
 * Webhooks end to end inside the API: endpoints through the routes, events from the confirmer and from order
 * changes, the dispatcher delivering to real HTTP receivers on 127.0.0.1, verified with the `standardwebhooks`
 * package. Delivery time is real time (a tiny retry schedule by config); the harness clock stands at the start.
 */
import { createServer, type Server } from "node:http";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Confirmer } from "../../../api/confirmer/confirmer.js";
import { webhookAttempts, webhookDeliveries } from "../../../api/db/schema.js";
import * as eventRoutes from "../../../api/routes/events/events.routes.js";
import * as orderRoutes from "../../../api/routes/orders/orders.routes.js";
import * as endpointRoutes from "../../../api/routes/webhook-endpoints/webhook-endpoints.routes.js";
import { readAs, readError } from "../../support/api-client.js";
import { WebhookDispatcher, type DispatcherOptions } from "../../../api/webhooks/dispatcher.js";
import { waitFor } from "../../support/wait.js";
import { createHarness, describeBackends, LOCAL, orderBody, TestClock, type Harness, type TestMerchant } from "../../support/harness.js";
import { MemoryPaymentSource } from "../../support/memory-source.js";
import { closedPort, startReceiver, type ReceivedRequest, type Receiver } from "../../support/webhook-receiver.js";
import { fakeResolver } from "../../support/resolver.js";

const SCHEDULE_MS = [300, 600];

/** A delivery's verified payload: the event as the events list shows it. */
const verify = (secret: string, request: ReceivedRequest) => {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
  return eventRoutes.eventSchema.parse(new Webhook(secret).verify(request.body, headers));
};

describeBackends("webhook delivery", (backend) => {
  let h: Harness;
  let m: TestMerchant;
  const receivers: Receiver[] = [];
  const dispatchers: WebhookDispatcher[] = [];

  beforeAll(async () => {
    h = await createHarness(backend, {
      clock: new TestClock(new Date()),
      env: {
        CHAIN_CONFIRMATIONS: `${LOCAL}=1`,
        WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
        WEBHOOK_RETRY_SCHEDULE: SCHEDULE_MS.map((ms) => `${ms}ms`).join(","),
        WEBHOOK_TIMEOUT_MS: "400",
        WEBHOOK_ROTATION_OVERLAP_SECONDS: "1",
        WEBHOOK_POLL_MS: "20",
      },
    });
    m = await h.merchant();
  });
  // The API's clock follows real time here: the dispatcher runs on it.
  beforeEach(() => {
    h.clock.current = new Date();
  });
  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(() => h?.close());

  const dispatcher = (options: Partial<DispatcherOptions> = {}) => {
    const d = new WebhookDispatcher({ db: h.db, config: { ...h.config.webhooks, secretsKey: h.config.webhooks.secretsKey! }, log: () => {}, ...options });
    dispatchers.push(d);
    return d;
  };
  const receiver = async (respond: Parameters<typeof startReceiver>[0] = (_, res) => res.end("ok")) => {
    const r = await startReceiver(respond);
    receivers.push(r);
    return r;
  };
  const createEndpoint = async (merchant: TestMerchant, body: Record<string, unknown>) => {
    return await readAs(await merchant.call("POST", "/v1/webhook-endpoints", { body }), endpointRoutes.createEndpoint, 201);
  };
  /** A fresh merchant whose only endpoint is `url`: its events go nowhere else. */
  const merchantWithEndpoint = async (url: string, body: Record<string, unknown> = {}) => {
    const merchant = await h.merchant();
    return { merchant, endpoint: await createEndpoint(merchant, { url, ...body }) };
  };
  /** An order.cancelled event for `merchant`; returns its id. */
  const cancelledEvent = async (merchant: TestMerchant) => {
    const created = await readAs(await merchant.call("POST", "/v1/orders", { body: orderBody() }), orderRoutes.createQrOrder, 201);
    expect((await merchant.call("POST", `/v1/orders/${created.id}/cancel`)).status).toBe(200);
    const [event] = (await readAs(await merchant.call("GET", `/v1/events?orderId=${created.id}`), eventRoutes.listEvents, 200)).data;
    expect(event!.type).toBe("order.cancelled");
    return event!.id;
  };
  const deliveries = async (merchant: TestMerchant, eventId: string) => {
    return (await readAs(await merchant.call("GET", `/v1/events/${eventId}/deliveries`), eventRoutes.listEventDeliveries, 200)).data;
  };

  describe("endpoints API", () => {
    it("creates, lists, updates, disables and deletes endpoints; the secret is shown once", async () => {
      const merchant = await h.merchant();
      const created = await createEndpoint(merchant, { url: "https://shop.example.com/hooks", eventTypes: ["order.paid"] });
      expect(created).toMatchObject({ url: "https://shop.example.com/hooks", eventTypes: ["order.paid"], enabled: true });
      expect(created.secret).toMatch(/^whsec_/);

      const got = await (await merchant.call("GET", `/v1/webhook-endpoints/${created.id}`)).json();
      expect(got).not.toHaveProperty("secret");
      // Read raw first: the schema's parse would drop a secret that leaked.
      const listed = await merchant.call("GET", "/v1/webhook-endpoints");
      expect(await listed.clone().text()).not.toContain(created.secret);
      const list = await readAs(listed, endpointRoutes.listEndpoints, 200);
      expect(list.data.map((e) => e.id)).toEqual([created.id]);

      const patched = await merchant.call("PATCH", `/v1/webhook-endpoints/${created.id}`, { body: { eventTypes: null, enabled: false } });
      expect(await readAs(patched, endpointRoutes.updateEndpoint, 200)).toMatchObject({ eventTypes: null, enabled: false, disabledReason: "disabled by the merchant" });
      const enabled = await merchant.call("PATCH", `/v1/webhook-endpoints/${created.id}`, { body: { enabled: true, url: "https://shop.example.com/v2" } });
      expect(await readAs(enabled, endpointRoutes.updateEndpoint, 200)).toMatchObject({ enabled: true, url: "https://shop.example.com/v2", disabledReason: null });

      const rotated = await readAs(await merchant.call("POST", `/v1/webhook-endpoints/${created.id}/rotate-secret`), endpointRoutes.rotateSecret, 200);
      expect(rotated.secret).toMatch(/^whsec_/);
      expect(rotated.secret).not.toBe(created.secret);
      expect(rotated.previousSecretExpiresAt).not.toBeNull();

      expect((await merchant.call("DELETE", `/v1/webhook-endpoints/${created.id}`)).status).toBe(204);
      expect((await merchant.call("GET", `/v1/webhook-endpoints/${created.id}`)).status).toBe(404);
      expect((await readAs(await merchant.call("GET", "/v1/webhook-endpoints"), endpointRoutes.listEndpoints, 200)).data).toEqual([]);
    });

    it("keeps merchants apart: another merchant's endpoint or event is a 404", async () => {
      const { merchant, endpoint } = await merchantWithEndpoint("http://127.0.0.1:1/hooks");
      const eventId = await cancelledEvent(merchant);
      const other = await h.merchant();
      for (const [method, path] of [
        ["GET", `/v1/webhook-endpoints/${endpoint.id}`],
        ["PATCH", `/v1/webhook-endpoints/${endpoint.id}`],
        ["DELETE", `/v1/webhook-endpoints/${endpoint.id}`],
        ["POST", `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`],
        ["GET", `/v1/webhook-endpoints/${endpoint.id}/deliveries`],
        ["GET", `/v1/events/${eventId}/deliveries`],
        ["POST", `/v1/events/${eventId}/redeliver`],
      ] as const) {
        const res = await other.call(method, path, method === "PATCH" ? { body: { enabled: false } } : {});
        expect(res.status, `${method} ${path}`).toBe(404);
      }
      expect((await readAs(await other.call("GET", "/v1/webhook-endpoints"), endpointRoutes.listEndpoints, 200)).data).toEqual([]);
    });

    it("validates URLs and event types", async () => {
      for (const body of [{ url: "ftp://x.example.com" }, { url: "https://user:pw@x.example.com" }, { url: "https://x.example.com", eventTypes: ["order.nope"] }]) {
        const res = await m.call("POST", "/v1/webhook-endpoints", { body });
        expect((await readError(res, 422)).error.code).toBe("validation_failed");
      }
    });
  });

  it("delivers the confirmer's order.confirming and order.paid, signed, to every endpoint that wants them", async () => {
    const all = await receiver();
    const paidOnly = await receiver();
    const merchant = await h.merchant();
    const every = await createEndpoint(merchant, { url: all.url });
    const filtered = await createEndpoint(merchant, { url: paidOnly.url, eventTypes: ["order.paid"] });
    dispatcher().start();

    const source = new MemoryPaymentSource();
    const confirmer = new Confirmer({ db: h.db, source, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
    const order = await readAs(await merchant.call("POST", "/v1/orders", { body: orderBody({ amount: "10" }) }), orderRoutes.createQrOrder, 201);
    source.payOrder(order, { amount: 10_000_000n, blockNumber: 20n, blockTimestamp: h.clock.now() });
    await confirmer.confirmAll();
    source.setHead(LOCAL, 21n);
    await confirmer.confirmAll();

    await waitFor("two deliveries", () => all.requests.length >= 2 && paidOnly.requests.length >= 1, { timeoutMs: 10_000 });
    // Deliveries run concurrently, so arrival order is not promised (as with every Standard Webhooks sender): the
    // ids sort in event order.
    const received = all.requests.map((r) => verify(every.secret, r)).sort((a, b) => a.id.localeCompare(b.id));
    expect(received.map((e) => e.type)).toEqual(["order.confirming", "order.paid"]);
    expect(received[1]!.data.order).toMatchObject({ id: order.id, status: "paid", amountReceived: "10" });
    expect(all.requests.map((r) => r.headers["webhook-id"]).sort()).toEqual(received.map((e) => e.id));
    expect(paidOnly.requests.map((r) => verify(filtered.secret, r).type)).toEqual(["order.paid"]);
    // The body is the event as the events list shows it.
    const listed = await readAs(await merchant.call("GET", `/v1/events?orderId=${order.id}&type=order.paid`), eventRoutes.listEvents, 200);
    expect(listed.data).toEqual([JSON.parse(paidOnly.requests[0]!.body)]);
    // A signature made with another secret does not verify.
    expect(() => verify(filtered.secret, all.requests[0]!)).toThrow();

    await waitFor("recorded as delivered", async () => (await deliveries(merchant, received[1]!.id)).every((d) => d.status === "delivered"));
  });

  it("retries after a 500 and a timeout, on the schedule, until the same event is delivered", async () => {
    let calls = 0;
    const flaky = await receiver((_, res) => {
      calls += 1;
      if (calls === 1) return void res.writeHead(500).end("boom");
      if (calls === 2) return; // never answers: the 400 ms timeout
      res.end("ok");
    });
    const { merchant } = await merchantWithEndpoint(flaky.url);
    const eventId = await cancelledEvent(merchant);
    dispatcher().start();

    await waitFor("third attempt", () => flaky.requests.length >= 3, { timeoutMs: 10_000 });
    const [delivery] = await waitFor("delivered", async () => {
      const list = await deliveries(merchant, eventId);
      return list[0]?.status === "delivered" && list;
    });
    expect(delivery!.attempts).toBe(3);
    expect(new Set(flaky.requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set([eventId]));
    expect(delivery!.attemptLog.map((a) => a.responseStatus)).toEqual([500, null, 200]);
    expect(delivery!.attemptLog[1]!.error).toMatch(/no complete response/);
    const at = delivery!.attemptLog.map((a) => Date.parse(a.attemptedAt));
    // Jitter is ±20%; the second gap also contains the 400 ms timeout of the second attempt.
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(SCHEDULE_MS[0]! * 0.8);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(SCHEDULE_MS[1]! * 0.8);
  });

  it("delivers to other endpoints while one hangs, with at most the per-endpoint limit in flight to it", async () => {
    const hung = await receiver(() => {}); // takes every request, answers none
    const { merchant: hungMerchant } = await merchantWithEndpoint(hung.url);
    for (let i = 0; i < 4; i++) await cancelledEvent(hungMerchant);
    const config = { ...h.config.webhooks, secretsKey: h.config.webhooks.secretsKey!, timeoutMs: 10_000, endpointConcurrency: 2 };
    dispatcher({ config }).start();
    await waitFor("the hung endpoint's two slots taken", () => hung.requests.length === 2);

    const fast = await receiver();
    const { merchant } = await merchantWithEndpoint(fast.url);
    const eventId = await cancelledEvent(merchant);
    await waitFor("the other merchant's delivery", () => fast.requests.some((r) => r.headers["webhook-id"] === eventId), { timeoutMs: 5_000 });
    // Delivered and recorded while the hung requests are still open; the hung endpoint got no third one meanwhile.
    await waitFor("recorded as delivered", async () => (await deliveries(merchant, eventId))[0]?.status === "delivered");
    expect(hung.requests).toHaveLength(2);
  });

  it("claims no more of an endpoint's deliveries than it has room for, oldest first, and the rest on later claims", async () => {
    const r = await receiver();
    const { merchant, endpoint } = await merchantWithEndpoint(r.url);
    const eventIds: string[] = [];
    for (let i = 0; i < 5; i++) eventIds.push(await cancelledEvent(merchant));
    const config = { ...h.config.webhooks, secretsKey: h.config.webhooks.secretsKey!, endpointConcurrency: 2 };
    const mine = async (d: WebhookDispatcher, options?: { skipEndpoints: string[] }) =>
      (await d.claim(100, options)).filter((c) => c.endpointId === endpoint.id).map((c) => c.eventId);

    // An instance whose slots to this endpoint are all taken claims none of its deliveries.
    expect(await mine(dispatcher({ config }), { skipEndpoints: [endpoint.id] })).toEqual([]);
    // Room for two: the two oldest; the next instance the next two (the first two are leased), then the last.
    expect(await mine(dispatcher({ config }))).toEqual(eventIds.slice(0, 2));
    expect(await mine(dispatcher({ config }))).toEqual(eventIds.slice(2, 4));
    expect(await mine(dispatcher({ config }))).toEqual(eventIds.slice(4));
    expect(await mine(dispatcher({ config }))).toEqual([]);
    expect(r.requests).toHaveLength(0); // a lease alone sends nothing
  });

  it("delivers to a receiver that was down once it comes up", async () => {
    const port = await closedPort();
    const { merchant } = await merchantWithEndpoint(`http://127.0.0.1:${port}/hooks`);
    const eventId = await cancelledEvent(merchant);
    // A long timeout: the receiver's answer must not lose to a stalled event loop (PGlite's queries run in it, and a
    // loaded machine deschedules it), or the attempt fails as a timeout and is sent again (at least once).
    dispatcher({ config: { ...h.config.webhooks, timeoutMs: 10_000, secretsKey: h.config.webhooks.secretsKey! } }).start();
    // Refused and recorded (`attempts` counts an attempt as soon as it is in flight, before it connects).
    await waitFor("a failed attempt", async () => (await deliveries(merchant, eventId))[0]!.attemptLog[0]?.outcome === "failed");

    const bodies: string[] = [];
    const server: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c));
      req.on("end", () => {
        bodies.push(req.headers["webhook-id"] as string);
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    try {
      const [delivery] = await waitFor("delivered", async () => {
        const list = await deliveries(merchant, eventId);
        return list[0]?.status === "delivered" && list;
      });
      expect(bodies).toEqual([eventId]);
      expect(delivery!.attemptLog[0]!.error).toMatch(/ECONNREFUSED|connect/i);
      expect(delivery!.attemptLog.at(-1)!.responseStatus).toBe(200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("gives up after the schedule and redelivers the same event on request", async () => {
    let up = false;
    const r = await receiver((_, res) => void res.writeHead(up ? 200 : 503).end());
    const { merchant } = await merchantWithEndpoint(r.url);
    const eventId = await cancelledEvent(merchant);
    dispatcher().start();
    await waitFor("failed", async () => (await deliveries(merchant, eventId))[0]?.status === "failed", { timeoutMs: 10_000 });
    expect(r.requests).toHaveLength(SCHEDULE_MS.length + 1);

    up = true;
    const res = await merchant.call("POST", `/v1/events/${eventId}/redeliver`);
    expect(res.status).toBe(202);
    await waitFor("redelivered", async () => (await deliveries(merchant, eventId))[0]?.status === "delivered");
    expect(r.requests.at(-1)!.headers["webhook-id"]).toBe(eventId);
    const endpoints = await readAs(await merchant.call("GET", "/v1/webhook-endpoints"), endpointRoutes.listEndpoints, 200);
    expect(endpoints.data[0]!.failingSince).toBeNull();
  });

  it("gives a manual redelivery of an event whose retries are used up a fresh retry schedule", async () => {
    const r = await receiver((_, res) => void res.writeHead(503).end());
    const { merchant } = await merchantWithEndpoint(r.url);
    const eventId = await cancelledEvent(merchant);
    dispatcher().start();
    await waitFor("given up", async () => (await deliveries(merchant, eventId))[0]?.status === "failed", { timeoutMs: 10_000 });
    expect(r.requests).toHaveLength(SCHEDULE_MS.length + 1);

    const res = await merchant.call("POST", `/v1/events/${eventId}/redeliver`);
    // Due again with its count started over; the dispatcher, woken by the redelivery, may have claimed it already.
    const queued = (await readAs(res, eventRoutes.redeliverEvent, 202)).data[0]!;
    expect(queued.status).toBe("pending");
    expect(queued.attempts).toBeLessThanOrEqual(1);
    await waitFor("given up again", async () => r.requests.length === 2 * (SCHEDULE_MS.length + 1) && (await deliveries(merchant, eventId))[0]?.status === "failed", {
      timeoutMs: 10_000,
    });
    const [delivery] = await deliveries(merchant, eventId);
    expect(delivery!.attempts).toBe(SCHEDULE_MS.length + 1);
    expect(delivery!.attemptLog).toHaveLength(2 * (SCHEDULE_MS.length + 1));
  });

  it("disables an endpoint that answers 410 Gone, and says why", async () => {
    const gone = await receiver((_, res) => void res.writeHead(410).end());
    const { merchant, endpoint } = await merchantWithEndpoint(gone.url);
    await cancelledEvent(merchant);
    dispatcher().start();
    const view = await waitFor("disabled", async () => {
      const e = await readAs(await merchant.call("GET", `/v1/webhook-endpoints/${endpoint.id}`), endpointRoutes.getEndpoint, 200);
      return !e.enabled && e;
    });
    expect(view.disabledReason).toMatch(/410 Gone/);
    expect(gone.requests).toHaveLength(1);
    // No more deliveries are queued for it.
    await cancelledEvent(merchant);
    const page = await readAs(await merchant.call("GET", `/v1/webhook-endpoints/${endpoint.id}/deliveries`), endpointRoutes.listEndpointDeliveries, 200);
    expect(page.data).toHaveLength(1);
  });

  it("signs with both secrets during a rotation's overlap, then with the new one only", async () => {
    const r = await receiver();
    const { merchant, endpoint } = await merchantWithEndpoint(r.url);
    const rotated = await readAs(await merchant.call("POST", `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`), endpointRoutes.rotateSecret, 200);
    dispatcher().start();
    await cancelledEvent(merchant);
    await waitFor("first delivery", () => r.requests.length === 1);
    expect(String(r.requests[0]!.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(verify(endpoint.secret, r.requests[0]!).type).toBe("order.cancelled");
    expect(verify(rotated.secret, r.requests[0]!).type).toBe("order.cancelled");

    await new Promise((resolve) => setTimeout(resolve, 1_100)); // WEBHOOK_ROTATION_OVERLAP_SECONDS=1
    await cancelledEvent(merchant);
    await waitFor("second delivery", () => r.requests.length === 2);
    expect(String(r.requests[1]!.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    expect(verify(rotated.secret, r.requests[1]!).type).toBe("order.cancelled");
    expect(() => verify(endpoint.secret, r.requests[1]!)).toThrow();
  });

  it("keeps each replaced secret signing for its own overlap: a second rotation does not drop the first", async () => {
    const r = await receiver();
    const { merchant, endpoint } = await merchantWithEndpoint(r.url);
    const rotate = async () => (await readAs(await merchant.call("POST", `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`), endpointRoutes.rotateSecret, 200)).secret;
    const second = await rotate();
    h.clock.advance(500);
    const third = await rotate();
    const d = dispatcher({ now: h.clock.now });
    await cancelledEvent(merchant);
    expect(await d.runOnce()).toBe(1);
    await waitFor("delivery", () => r.requests.length === 1);
    expect(String(r.requests[0]!.headers["webhook-signature"]).split(" ")).toHaveLength(3);
    for (const secret of [endpoint.secret, second, third]) expect(verify(secret, r.requests[0]!).type).toBe("order.cancelled");

    // WEBHOOK_ROTATION_OVERLAP_SECONDS=1: the first secret's overlap ends 1 s after the first rotation, the second's
    // 1 s after the second.
    h.clock.advance(600);
    await cancelledEvent(merchant);
    expect(await d.runOnce()).toBe(1);
    await waitFor("second delivery", () => r.requests.length === 2);
    expect(() => verify(endpoint.secret, r.requests[1]!)).toThrow();
    expect(verify(second, r.requests[1]!).type).toBe("order.cancelled");
    expect(verify(third, r.requests[1]!).type).toBe("order.cancelled");
  });

  it("refuses private targets when the development setting is off", async () => {
    const strict = await createHarness(backend, { clock: new TestClock(new Date()), env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: "false" } });
    try {
      const merchant = await strict.merchant();
      for (const url of ["http://127.0.0.1/hooks", "http://10.0.0.1/hooks", "http://169.254.169.254/latest", "http://[::1]/x"]) {
        const res = await merchant.call("POST", "/v1/webhook-endpoints", { body: { url } });
        expect(res.status, url).toBe(422);
        expect((await readError(res, 422)).error.message).toMatch(/^url:/);
      }
      // A name is judged when connecting: one that resolves to loopback is refused, nothing is sent.
      const r = await receiver();
      const created = await merchant.call("POST", "/v1/webhook-endpoints", { body: { url: `http://hooks.example.com:${r.port}/x` } });
      expect(created.status).toBe(201);
      const eventId = await cancelledEvent(merchant);
      const d = new WebhookDispatcher({
        db: strict.db,
        config: { ...strict.config.webhooks, secretsKey: strict.config.webhooks.secretsKey! },
        lookup: fakeResolver({ "hooks.example.com": ["127.0.0.1"] }),
        log: () => {},
      });
      expect(await d.runOnce()).toBe(1);
      await d.stop();
      const [rows] = [await strict.db.select().from(webhookAttempts)];
      expect(rows).toHaveLength(1);
      expect(rows[0]!.error).toMatch(/127\.0\.0\.1/);
      expect(r.requests).toHaveLength(0);
      const [delivery] = await strict.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventId, eventId));
      expect(delivery).toMatchObject({ status: "pending", attempts: 1 });
    } finally {
      await strict.close();
    }
  });

  it("delivers after a dispatcher dies between its claim and the HTTP call: the lease lapses, one attempt record", async () => {
    const r = await receiver();
    const { merchant } = await merchantWithEndpoint(r.url);
    const eventId = await cancelledEvent(merchant);

    const crashed = dispatcher();
    const claimed = await crashed.claim(100);
    expect(claimed.map((c) => c.eventId)).toContain(eventId);
    // ...and it never makes the call. Another instance does not take the leased row:
    const other = dispatcher();
    expect((await other.claim(100)).map((c) => c.eventId)).not.toContain(eventId);

    // After the lease (timeout + margin), a fresh dispatcher claims and delivers it.
    const later = dispatcher({ now: () => new Date(Date.now() + crashed.leaseMs + 1_000) });
    await later.runOnce();
    expect(r.requests.map((req) => req.headers["webhook-id"])).toEqual([eventId]);
    const [delivery] = await deliveries(merchant, eventId);
    expect(delivery).toMatchObject({ status: "delivered", attempts: 1 });
    expect(delivery!.attemptLog).toHaveLength(1);
  });

  it("a late failure, after its lease lapsed and another dispatcher took the delivery, leaves that lease alone", async () => {
    const held: import("node:http").ServerResponse[] = [];
    const r = await receiver((_, res) => void held.push(res)); // every request waits for the test to answer it
    const { merchant } = await merchantWithEndpoint(r.url);
    const eventId = await cancelledEvent(merchant);
    const config = { ...h.config.webhooks, timeoutMs: 60_000, secretsKey: h.config.webhooks.secretsKey! };

    const first = dispatcher({ config });
    const firstRun = first.runOnce();
    await waitFor("the first attempt at the receiver", () => r.requests.length === 1);
    // Its lease lapses (the dispatcher stalled); another dispatcher takes the delivery and attempts it.
    const later = () => new Date(Date.now() + first.leaseMs + 1_000);
    const secondRun = dispatcher({ config, now: later }).runOnce();
    await waitFor("the second attempt at the receiver", () => r.requests.length === 2);

    // The first attempt's answer comes at last, a 500: its failure is recorded, and the second attempt's lease stays.
    held[0]!.statusCode = 500;
    held[0]!.end("no");
    await firstRun;
    expect((await dispatcher({ config, now: later }).claim(100)).map((c) => c.eventId)).not.toContain(eventId);

    held[1]!.end("ok");
    await secondRun;
    const [delivery] = await deliveries(merchant, eventId);
    expect(delivery).toMatchObject({ status: "delivered", attempts: 2 });
    expect(delivery!.attemptLog.map((a) => a.outcome).sort()).toEqual(["delivered", "failed"]);
    expect(r.requests).toHaveLength(2);
  });

  it("records an attempt cut by a crash as unknown once its lease lapses, attempts it again, and dates delivery by the 2xx", async () => {
    let hold = true;
    const r = await receiver((_, res) => {
      if (hold) return; // the first request never gets an answer: its dispatcher dies with it in flight
      setTimeout(() => res.end("ok"), 300); // the answer takes 300 ms
    });
    const { merchant } = await merchantWithEndpoint(r.url);
    const eventId = await cancelledEvent(merchant);

    const crashed = dispatcher({ config: { ...h.config.webhooks, timeoutMs: 60_000, secretsKey: h.config.webhooks.secretsKey! } });
    const cutShort = crashed.runOnce();
    await waitFor("the first request at the receiver", () => r.requests.length === 1);
    const [inFlight] = await deliveries(merchant, eventId);
    expect(inFlight).toMatchObject({ status: "pending", attempts: 1, attemptLog: [{ outcome: "in_flight", finishedAt: null }] });

    // The lease lapses; another dispatcher claims the delivery, records the first attempt unknown, and delivers.
    hold = false;
    // Its timeout is long too: against the suite's 400 ms, a 300 ms answer loses to a stall of the event loop
    // (PGlite's queries run in it, and a loaded machine deschedules it) and the attempt fails as a timeout.
    const later = dispatcher({
      config: { ...h.config.webhooks, timeoutMs: 60_000, secretsKey: h.config.webhooks.secretsKey! },
      now: () => new Date(Date.now() + crashed.leaseMs + 1_000),
    });
    await later.runOnce();
    expect(r.requests.map((req) => req.headers["webhook-id"])).toEqual([eventId, eventId]);
    const [delivery] = await deliveries(merchant, eventId);
    expect(delivery).toMatchObject({ status: "delivered", attempts: 2 });
    expect(delivery!.attemptLog.map((a) => a.outcome)).toEqual(["unknown", "delivered"]);
    expect(delivery!.attemptLog[0]!.error).toMatch(/^unknown: the dispatcher stopped/);
    const second = delivery!.attemptLog[1]!;
    expect(second.responseStatus).toBe(200);
    // `delivered_at` is when the 2xx came back, 300 ms after the attempt started, not the start.
    expect(delivery!.deliveredAt).toBe(second.finishedAt);
    expect(Date.parse(delivery!.deliveredAt!) - Date.parse(second.attemptedAt)).toBeGreaterThanOrEqual(290);

    // The crashed dispatcher, were it to wake and give up, changes neither record nor the delivery.
    await crashed.stop({ graceMs: 0 });
    await cutShort;
    const [after] = await deliveries(merchant, eventId);
    expect(after).toMatchObject({ status: "delivered", attempts: 2 });
    expect(after!.attemptLog.map((a) => a.outcome)).toEqual(["unknown", "delivered"]);
  });

  it("records an attempt cut by shutdown as unknown and frees the delivery for another instance at once", async () => {
    let hold = true;
    const r = await receiver((_, res) => {
      if (!hold) res.end("ok");
    });
    const { merchant } = await merchantWithEndpoint(r.url);
    const eventId = await cancelledEvent(merchant);
    const stopping = dispatcher({ config: { ...h.config.webhooks, timeoutMs: 60_000, secretsKey: h.config.webhooks.secretsKey! } });
    const run = stopping.runOnce();
    await waitFor("the request at the receiver", () => r.requests.length === 1);
    await stopping.stop({ graceMs: 0 });
    await run;
    hold = false;
    expect(await dispatcher().runOnce()).toBe(1); // no lease to wait out
    const [delivery] = await deliveries(merchant, eventId);
    expect(delivery).toMatchObject({ status: "delivered", attempts: 2 });
    expect(delivery!.attemptLog.map((a) => a.outcome)).toEqual(["unknown", "delivered"]);
    expect(delivery!.attemptLog[0]!.error).toMatch(/shutdown/);
  });
});
