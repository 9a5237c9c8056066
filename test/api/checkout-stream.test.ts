/**
 * `/pay/<token>/events` in-process, on both databases: the first event is the customer-safe status, a change
 * committed in this process (the order-change signal) is pushed at once, and a change that only the database knows
 * about (made by another API instance) is found by the stream's re-check.
 */
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { streamSettings } from "../../api/checkout/status-stream.js";
import { orders } from "../../api/db/schema.js";
import { notifyOrderChanges } from "../../api/orders/changes.js";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import { readAs } from "../support/api-client.js";
import { createHarness, describeBackends, type Harness, orderBody, type TestMerchant } from "../support/harness.js";

type Pushed = { status: string; amountDue: string; checkoutToken: string };

/** Reads server-sent events off a response, one `status` event at a time. */
function eventReader(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  return {
    async next(): Promise<Pushed> {
      for (;;) {
        const end = buffered.indexOf("\n\n");
        if (end >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block);
          if (/^event: status$/m.test(block) && data) return JSON.parse(data[1]!) as Pushed;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the stream ended");
        buffered += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

describeBackends("checkout status stream", (backend) => {
  let h: Harness;
  let merchant: TestMerchant;
  const defaultRecheck = streamSettings.recheckMs;

  beforeAll(async () => {
    h = await createHarness(backend);
    merchant = await h.merchant();
  });
  afterEach(() => {
    streamSettings.recheckMs = defaultRecheck;
  });
  afterAll(() => h?.close());

  const openStream = async () => {
    const order = await readAs(await merchant.call("POST", "/v1/orders", { body: orderBody({ amount: "10" }) }), orderRoutes.createQrOrder, 201);
    const path = new URL(order.cashierUrl).pathname;
    const response = await h.app.request(`${path}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    return { order, events: eventReader(response) };
  };

  it("sends the status first, then pushes a change committed in this process at once (no re-check needed)", async () => {
    streamSettings.recheckMs = 10 * 60_000; // only the signal can deliver within this test
    const { order, events } = await openStream();
    expect(await events.next()).toMatchObject({ status: "pending", amountDue: "10" });
    await h.db.update(orders).set({ status: "underpaid", amountReceived: 4_000_000n }).where(eq(orders.id, order.id));
    notifyOrderChanges([order.id]);
    expect(await events.next()).toMatchObject({ status: "underpaid", amountDue: "6" });
    await events.cancel();
  });

  it("finds a change made elsewhere (no signal here) at its re-check", async () => {
    streamSettings.recheckMs = 50;
    const { order, events } = await openStream();
    expect(await events.next()).toMatchObject({ status: "pending" });
    await h.db.update(orders).set({ status: "cancelled", cancelledAt: new Date() }).where(eq(orders.id, order.id));
    expect(await events.next()).toMatchObject({ status: "cancelled" });
    await events.cancel();
  });

  it("answers 404 for an unknown checkout token, and for an order id", async () => {
    const { order, events } = await openStream();
    await events.cancel();
    expect((await h.app.request("/pay/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/events")).status).toBe(404);
    expect((await h.app.request(`/pay/${order.id}/events`)).status).toBe(404);
  });
});
