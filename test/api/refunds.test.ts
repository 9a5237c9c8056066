import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeFunctionData, getAddress } from "viem";
import { refundRouterAbi } from "../../contracts/abi/RefundRouter.js";
import { Confirmer } from "../../api/confirmer/confirmer.js";
import type { OrderView } from "../../api/orders/views.js";
import * as admin from "../../api/admin/commands.js";
import { MemoryPaymentSource } from "../support/memory-source.js";
import {
  createHarness,
  describeBackends,
  LOCAL,
  orderBody,
  PAYOUT,
  REFUND_ROUTER,
  ROUTER,
  TOKENS,
  type Harness,
  type TestMerchant,
} from "../support/harness.js";
import * as eventsRoutes from "../../api/routes/events/events.routes.js";
import * as ordersRoutes from "../../api/routes/orders/orders.routes.js";
import * as refundsRoutes from "../../api/routes/refunds/refunds.routes.js";
import { refundSchema } from "../../api/refunds/views.js";
import { hexOf, fieldErrorsOf, readAs } from "../support/api-client.js";

const PAYER = "0x000000000000000000000000000000000000fa11";
const OTHER_PAYER = "0x000000000000000000000000000000000000fa12";
const CUSTOMER = "0x1111111111111111111111111111111111111111";

describeBackends("refunds API", (backend) => {
  let h: Harness;
  let m: TestMerchant;
  let stranger: TestMerchant;
  let source: MemoryPaymentSource;
  let confirmer: Confirmer;
  let block = 10n;
  beforeAll(async () => {
    h = await createHarness(backend);
    m = await h.merchant();
    stranger = await h.merchant({ name: "Someone else" });
    source = new MemoryPaymentSource();
    confirmer = new Confirmer({ db: h.db, source, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
  });
  afterAll(() => h?.close());

  /** An order of `amount` USDT on the local chain (0 confirmations), paid in full by each payer in turn. */
  const paidOrder = async (amount: string, payers: string[] = [PAYER]): Promise<OrderView> => {
    const order = await readAs(await m.call("POST", "/v1/orders", { body: orderBody({ amount }) }), ordersRoutes.createQrOrder, 201);
    const units = BigInt(Math.round(Number(amount) * 1e6)) / BigInt(payers.length);
    for (const payer of payers) {
      block += 1n;
      source.pay({ chainId: LOCAL, router: ROUTER, orderRef: hexOf(order.orderRef), merchant: PAYOUT, token: TOKENS.USDT, amount: units, blockNumber: block, blockTimestamp: h.clock.now(), payer: hexOf(payer) });
    }
    await confirmer.confirmAll();
    return readAs(await m.call("GET", `/v1/orders/${order.id}`), ordersRoutes.getOrder, 200);
  };
  const refund = (merchant: TestMerchant, orderId: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    merchant.call("POST", `/v1/orders/${orderId}/refunds`, { body: { reason: "returned", ...body }, headers });

  it("creates a full refund to the payer, with the exact RefundRouter transaction the payout wallet sends", async () => {
    const order = await paidOrder("10");
    expect(order).toMatchObject({ status: "paid", amountReceived: "10", amountRefunded: "0" });
    const res = await refund(m, order.id, { amount: "10", reason: "Customer returned the item" });
    const created = await readAs(res, refundsRoutes.createRefund, 201);
    expect(res.headers.get("location")).toBe(`/v1/refunds/${created.id}`);
    expect(created).toMatchObject({
      orderId: order.id,
      status: "pending",
      amount: "10",
      symbol: "USDT",
      token: { symbol: "USDT", address: TOKENS.USDT, decimals: 6 },
      chainId: LOCAL,
      reason: "Customer returned the item",
      destination: getAddress(PAYER),
      from: PAYOUT,
      orderRef: order.orderRef,
      txHash: null,
      cancelledAt: null,
    });
    expect(created.id).toMatch(/^rfd_[0-9A-Z]{26}$/);
    expect(created.refundRef).toMatch(/^0x[0-9a-f]{64}$/);
    expect(created.refundRef).not.toBe(order.orderRef);
    expect(created.transaction).toMatchObject({ to: getAddress(REFUND_ROUTER), value: "0" });
    const call = decodeFunctionData({ abi: refundRouterAbi, data: hexOf(created.transaction!.data) });
    expect(call.functionName).toBe("refund");
    expect(call.args).toEqual([getAddress(TOKENS.USDT), getAddress(PAYER), 10_000_000n, created.refundRef, order.orderRef]);

    expect(await readAs(await m.call("GET", `/v1/refunds/${created.id}`), refundsRoutes.getRefund, 200)).toEqual(created);
    const events = await readAs(await m.call("GET", `/v1/events?type=refund.created&orderId=${order.id}`), eventsRoutes.listEvents, 200);
    expect(events.data).toHaveLength(1);
    expect(events.data[0]).toMatchObject({ type: "refund.created", orderId: order.id, data: { refund: created, order: { id: order.id, amountReceived: "10" } } });
  });

  it("takes partial refunds until the order's received amount is used up, then refuses the next (422 naming amount)", async () => {
    const order = await paidOrder("10");
    await readAs(await refund(m, order.id, { amount: "4" }), refundsRoutes.createRefund, 201);
    await readAs(await refund(m, order.id, { amount: "5.999999" }), refundsRoutes.createRefund, 201);
    const over = await readAs(await refund(m, order.id, { amount: "0.000002" }), refundsRoutes.createRefund, 422);
    expect(over.error.code).toBe("refund_exceeds_received");
    expect(over.error.message).toContain("at most 0.000001");
    expect(over.error.details).toEqual([{ field: "amount", in: "body", message: "at most 0.000001 can be refunded" }]);
    await readAs(await refund(m, order.id, { amount: "0.000001" }), refundsRoutes.createRefund, 201);
    const list = await readAs(await m.call("GET", `/v1/refunds?orderId=${order.id}`), refundsRoutes.listRefunds, 200);
    expect(list.data.map((r) => r.amount)).toEqual(["0.000001", "5.999999", "4"]);
  });

  it("refuses a refund of an order that received nothing, and one larger than the order received", async () => {
    const unpaid = await readAs(await m.call("POST", "/v1/orders", { body: orderBody({ amount: "5" }) }), ordersRoutes.createQrOrder, 201);
    const none = await readAs(await refund(m, unpaid.id, { amount: "1", destination: CUSTOMER }), refundsRoutes.createRefund, 422);
    expect(none.error.code).toBe("refund_exceeds_received");
    const order = await paidOrder("3");
    const over = await readAs(await refund(m, order.id, { amount: "3.000001" }), refundsRoutes.createRefund, 422);
    expect(over.error.code).toBe("refund_exceeds_received");
    expect((await readAs(await m.call("GET", `/v1/refunds?orderId=${order.id}`), refundsRoutes.listRefunds, 200)).data).toEqual([]);
  });

  it("lets concurrent refunds through only as far as the received amount goes (the order row is locked)", async () => {
    const order = await paidOrder("10");
    const answers = await Promise.all(Array.from({ length: 6 }, () => refund(m, order.id, { amount: "3" })));
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses).toEqual([201, 201, 201, 422, 422, 422]);
    for (const res of answers.filter((r) => r.status === 422)) expect((await readAs(res, refundsRoutes.createRefund, 422)).error.code).toBe("refund_exceeds_received");
    const list = await readAs(await m.call("GET", `/v1/refunds?orderId=${order.id}`), refundsRoutes.listRefunds, 200);
    expect(list.data).toHaveLength(3);
    expect(list.data.reduce((sum, r) => sum + Number(r.amount), 0)).toBe(9);
  });

  it("cancels a pending refund once (409 after), and its amount can be refunded again", async () => {
    const order = await paidOrder("2");
    const first = await readAs(await refund(m, order.id, { amount: "2" }), refundsRoutes.createRefund, 201);
    await readAs(await refund(m, order.id, { amount: "1" }), refundsRoutes.createRefund, 422);
    const cancelled = await readAs(await m.call("POST", `/v1/refunds/${first.id}/cancel`), refundsRoutes.cancelRefund, 200);
    expect(cancelled).toMatchObject({ id: first.id, status: "cancelled", cancelledAt: h.clock.now().toISOString() });
    const again = await readAs(await m.call("POST", `/v1/refunds/${first.id}/cancel`), refundsRoutes.cancelRefund, 409);
    expect(again.error).toMatchObject({ code: "refund_not_cancellable", message: expect.stringContaining("cancelled") });
    await readAs(await refund(m, order.id, { amount: "2" }), refundsRoutes.createRefund, 201);
    const events = await readAs(await m.call("GET", `/v1/events?type=refund.cancelled&orderId=${order.id}`), eventsRoutes.listEvents, 200);
    expect(events.data.map((e) => [e.type, refundSchema.parse(e.data.refund).id, refundSchema.parse(e.data.refund).status])).toEqual([["refund.cancelled", first.id, "cancelled"]]);
  });

  it("answers 404 to another merchant for the order, the refund and its cancel, and lists none of it", async () => {
    const order = await paidOrder("1");
    const mine = await readAs(await refund(m, order.id, { amount: "0.5" }), refundsRoutes.createRefund, 201);
    expect((await readAs(await refund(stranger, order.id, { amount: "0.5" }), refundsRoutes.createRefund, 404)).error.code).toBe("not_found");
    expect((await readAs(await stranger.call("GET", `/v1/refunds/${mine.id}`), refundsRoutes.getRefund, 404)).error.code).toBe("not_found");
    expect((await readAs(await stranger.call("POST", `/v1/refunds/${mine.id}/cancel`), refundsRoutes.cancelRefund, 404)).error.code).toBe("not_found");
    expect((await readAs(await stranger.call("GET", "/v1/refunds"), refundsRoutes.listRefunds, 200)).data).toEqual([]);
    expect((await readAs(await m.call("GET", `/v1/refunds/${mine.id}`), refundsRoutes.getRefund, 200)).status).toBe("pending");
    await readAs(await m.call("GET", "/v1/refunds/rfd_00000000000000000000000000"), refundsRoutes.getRefund, 404);
  });

  describe("bad input is a 422 naming the field", () => {
    let order: OrderView;
    beforeAll(async () => {
      order = await paidOrder("5");
    });
    it.each([
      ["amount", { amount: "1.0000001" }, /7 decimals/],
      ["amount", { amount: "-1" }, /positive decimal/],
      ["amount", { amount: "1e3" }, /positive decimal/],
      ["amount", { amount: "0" }, /greater than zero/],
      ["amount", { amount: 1 }, /string/],
      ["destination", { amount: "1", destination: "0x1234" }, /0x address/],
      ["destination", { amount: "1", destination: "0x1111111111111111111111111111111111111111".replace("0x1", "0xA") }, /checksummed/],
      ["destination", { amount: "1", destination: "0x0000000000000000000000000000000000000000" }, /zero address/],
      ["destination", { amount: "1", destination: PAYOUT }, /payout address/],
      ["reason", { amount: "1", reason: "" }, /.+/],
      ["reason", { amount: "1", reason: "a\u0000b" }, /control characters/],
      ["extra", { amount: "1", extra: true }, /.+/],
    ])("%s: %j", async (field, body, message) => {
      const res = await readAs(await refund(m, order.id, body), refundsRoutes.createRefund, 422);
      expect(res.error.code).toBe("validation_failed");
      const details = fieldErrorsOf(res.error);
      const named = details.find((d) => d.field === field || (field === "extra" && d.message.includes("extra")));
      expect(named, JSON.stringify(details)).toBeDefined();
      expect(named!.message).toMatch(message);
    });
    it("needs a destination when the order was paid from several wallets", async () => {
      const split = await paidOrder("4", [PAYER, OTHER_PAYER]);
      const res = await readAs(await refund(m, split.id, { amount: "4" }), refundsRoutes.createRefund, 422);
      expect(res.error.details).toEqual([{ field: "destination", in: "body", message: expect.stringMatching(/several wallets/) }]);
      const ok = await readAs(await refund(m, split.id, { amount: "4", destination: CUSTOMER.toLowerCase() }), refundsRoutes.createRefund, 201);
      expect(ok.destination).toBe(getAddress(CUSTOMER));
    });
  });

  it("replays a refund created with the same Idempotency-Key instead of making a second", async () => {
    const order = await paidOrder("1");
    const headers = { "idempotency-key": `refund-${order.id}` };
    const first = await readAs(await refund(m, order.id, { amount: "1" }, headers), refundsRoutes.createRefund, 201);
    const second = await readAs(await refund(m, order.id, { amount: "1" }, headers), refundsRoutes.createRefund, 201);
    expect(second).toEqual(first);
    expect((await readAs(await m.call("GET", `/v1/refunds?orderId=${order.id}`), refundsRoutes.listRefunds, 200)).data).toHaveLength(1);
  });

  it("lists refunds newest first with status filter and cursor pagination", async () => {
    const all = await readAs(await m.call("GET", "/v1/refunds?limit=100"), refundsRoutes.listRefunds, 200);
    expect(all.data.length).toBeGreaterThan(5);
    const ids = all.data.map((r) => r.id);
    expect([...ids].sort().reverse()).toEqual(ids);
    const page = await readAs(await m.call("GET", "/v1/refunds?limit=2"), refundsRoutes.listRefunds, 200);
    const next = await readAs(await m.call("GET", `/v1/refunds?limit=2&cursor=${page.nextCursor}`), refundsRoutes.listRefunds, 200);
    expect([...page.data, ...next.data].map((r) => r.id)).toEqual(ids.slice(0, 4));
    const cancelled = await readAs(await m.call("GET", "/v1/refunds?status=cancelled"), refundsRoutes.listRefunds, 200);
    expect(cancelled.data.length).toBe(1);
    expect(cancelled.data.every((r) => r.status === "cancelled")).toBe(true);
    await readAs(await m.call("GET", "/v1/refunds?status=refunded"), refundsRoutes.listRefunds, 422);
    await readAs(await m.call("GET", "/v1/refunds?cursor=ord_1"), refundsRoutes.listRefunds, 422);
  });

  it("needs refunds:write to create or cancel and refunds:read to read", async () => {
    const order = await paidOrder("1");
    const headersFor = async (scopes: ("refunds:read" | "refunds:write")[]) => ({
      authorization: `Bearer ${(await admin.issueApiKey(h.db, { merchantId: m.id, scopes })).key}`,
      "content-type": "application/json",
    });
    const body = JSON.stringify({ amount: "1", reason: "r" });
    const reader = await headersFor(["refunds:read"]);
    expect((await h.app.request(`/v1/orders/${order.id}/refunds`, { method: "POST", headers: reader, body })).status).toBe(403);
    const writer = await headersFor(["refunds:write"]);
    const created = await readAs(await h.app.request(`/v1/orders/${order.id}/refunds`, { method: "POST", headers: writer, body }), refundsRoutes.createRefund, 201);
    expect((await h.app.request(`/v1/refunds/${created.id}`, { headers: writer })).status).toBe(403);
    expect((await h.app.request(`/v1/refunds/${created.id}`, { headers: reader })).status).toBe(200);
    expect((await h.app.request(`/v1/refunds/${created.id}/cancel`, { method: "POST", headers: reader })).status).toBe(403);
  });
});
