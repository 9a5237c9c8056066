import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Confirmer } from "../../api/confirmer/confirmer.js";
import { type OrderView, orderSchema, paymentSchema } from "../../api/orders/views.js";
import * as balanceRoutes from "../../api/routes/balance/balance.routes.js";
import * as chainsRoutes from "../../api/routes/chains/chains.routes.js";
import * as eventsRoutes from "../../api/routes/events/events.routes.js";
import * as ordersRoutes from "../../api/routes/orders/orders.routes.js";
import * as paymentsRoutes from "../../api/routes/payments/payments.routes.js";
import { readAs } from "../support/api-client.js";
import * as admin from "../../api/admin/commands.js";
import { MemoryPaymentSource } from "../support/memory-source.js";
import {
  BASE,
  createHarness,
  describeBackends,
  LOCAL,
  orderBody,
  PAYOUT,
  ROUTER,
  TOKENS,
  type Harness,
  type TestMerchant,
} from "../support/harness.js";


/** What an event's `data.order` holds: the order as it was, with its payments. */
const orderSnapshot = orderSchema.extend({ payments: paymentSchema.array() });

describeBackends("orders API", (backend) => {
  let h: Harness;
  let m: TestMerchant;
  beforeAll(async () => {
    h = await createHarness(backend);
    m = await h.merchant();
  });
  afterAll(() => h?.close());

  const create = async (merchant: TestMerchant, overrides: Record<string, unknown> = {}) =>
    readAs(await merchant.call("POST", "/v1/orders", { body: orderBody(overrides) }), ordersRoutes.createQrOrder, 201);

  describe("createQrOrder", () => {
    it("creates an order with everything a wallet and the checkout need", async () => {
      const res = await m.call("POST", "/v1/orders", {
        body: orderBody({
          amount: "12.50",
          merchantOrderId: "A-1001",
          description: "T-shirt",
          customerId: "cus_42",
          metadata: { sku: "T-M", qty: 2, nested: { ok: true } },
          successUrl: "https://shop.example.com/thanks",
          cancelUrl: "https://shop.example.com/cart",
          expiresIn: 900,
        }),
      });
      const order = await readAs(res, ordersRoutes.createQrOrder, 201);
      expect(res.headers.get("location")).toBe(`/v1/orders/${order.id}`);
      expect(order).toMatchObject({
        merchantOrderId: "A-1001",
        status: "pending",
        amount: "12.5",
        amountReceived: "0",
        symbol: "USDT",
        token: { symbol: "USDT", address: TOKENS.USDT, decimals: 6 },
        chainId: LOCAL,
        toAddress: ROUTER,
        payoutAddress: PAYOUT,
        description: "T-shirt",
        customerId: "cus_42",
        metadata: { sku: "T-M", qty: 2, nested: { ok: true } },
        successUrl: "https://shop.example.com/thanks",
        cancelUrl: "https://shop.example.com/cart",
        confirmationsRequired: 0,
        cancelledAt: null,
      });
      expect(order.id).toMatch(/^ord_[0-9A-Z]{26}$/);
      expect(order.orderRef).toMatch(/^0x[0-9a-f]{64}$/);
      // The checkout URL carries a random 192-bit token, never the (time-ordered, guessable) order id.
      expect(order.cashierUrl).toMatch(/^https:\/\/pay\.example\.com\/pay\/[0-9A-Za-z_-]{32}$/);
      expect(order.cashierUrl).not.toContain(order.id);
      expect(order.paymentUri).toBe(
        `ethereum:${ROUTER}@${LOCAL}/pay?address=${TOKENS.USDT}&uint256=12500000&address=${PAYOUT}&bytes32=${order.orderRef}`,
      );
      expect(order.approveUri).toBe(`ethereum:${TOKENS.USDT}@${LOCAL}/approve?address=${ROUTER}&uint256=12500000`);
      expect(new Date(order.expiresAt).getTime() - h.clock.current.getTime()).toBe(900_000);
    });

    it("answers the create with the order exactly as later reads show it, metadata key order included", async () => {
      const res = await m.call("POST", "/v1/orders", { body: orderBody({ metadata: { zzzz: 1, a: { yy: 2, b: 3 }, mid: "x" } }) });
      const created = await readAs(res, ordersRoutes.createQrOrder, 201);
      const read = await readAs(await m.call("GET", `/v1/orders/${created.id}`), ordersRoutes.getOrder, 200);
      expect(JSON.stringify(created)).toBe(JSON.stringify(read));
      expect(created.metadata).toEqual({ zzzz: 1, a: { yy: 2, b: 3 }, mid: "x" });
    });

    it("scales by the token's decimals (18) and matches symbols case-insensitively", async () => {
      const order = await create(m, { symbol: "usdt18", amount: "0.000000000000000001" });
      expect(order.symbol).toBe("USDT18");
      expect(order.paymentUri).toContain("uint256=1&");
    });

    it("defaults the expiry to the merchant's, then the operator's setting; takes expiresAt", async () => {
      const order = await create(m);
      expect(new Date(order.expiresAt).getTime() - h.clock.current.getTime()).toBe(h.config.orderExpirySeconds * 1000);
      const custom = await h.merchant({ orderExpirySeconds: 120 });
      const short = await create(custom);
      expect(new Date(short.expiresAt).getTime() - h.clock.current.getTime()).toBe(120_000);
      const at = new Date(h.clock.current.getTime() + 3_600_000).toISOString();
      expect((await create(m, { expiresAt: at })).expiresAt).toBe(at);
    });

    it.each([
      ["amount", { amount: "12.5000001" }, /7 decimals; the token has 6/],
      ["amount", { amount: "0" }, /greater than zero/],
      ["amount", { amount: "0.000000" }, /greater than zero/],
      ["amount", { amount: "-5" }, /plain notation/],
      ["amount", { amount: "1e3" }, /plain notation/],
      ["amount", { amount: "twelve" }, /plain notation/],
      ["amount", { amount: 12.5 }, /string/],
      ["amount", { amount: undefined }, /./],
      ["chainId", { chainId: 5 }, /chain 5 is not accepted/],
      ["chainId", { chainId: "31337" }, /number/],
      ["symbol", { symbol: "DAI" }, /DAI is not accepted on chain 31337/],
      ["symbol", { chainId: BASE, symbol: "USDT" }, /not accepted on chain 8453/],
      ["merchantOrderId", { merchantOrderId: "" }, /./],
      ["merchantOrderId", { merchantOrderId: "x".repeat(129) }, /./],
      ["merchantOrderId", { merchantOrderId: "bad\nid" }, /control characters/],
      ["metadata", { metadata: [1, 2] }, /./],
      ["metadata", { metadata: { big: "x".repeat(9000) } }, /8 KiB/],
      ["metadata", { metadata: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: { k: 1 } } } } } } } } } } } }, /levels of nesting/],
      // Text Postgres cannot store: refused up front, never a failed insert (a 500).
      ["description", { description: "nul \u0000 byte" }, /NUL character/],
      ["description", { description: "half a pair \ud83d" }, /valid Unicode/],
      ["merchantOrderId", { merchantOrderId: "A-\udc00" }, /valid Unicode/],
      ["metadata.items.1.note", { metadata: { items: [{}, { note: "\u0000" }] } }, /NUL character/],
      ["metadata.bad\ud800key", { metadata: { "bad\ud800key": 1 } }, /key must be valid Unicode/],
      ["successUrl", { successUrl: "javascript:alert(1)" }, /http/],
      ["expiresIn", { expiresIn: 10 }, /./],
      ["expiresAt", { expiresAt: "tomorrow" }, /./],
      ["expiresAt", { expiresIn: 600, expiresAt: "2031-01-01T00:00:00Z" }, /not both/],
      ["expiresAt", { expiresAt: "2029-12-31T00:00:00Z" }, /60 seconds from now/],
      ["surprise", { surprise: true }, /./],
    ])("refuses a bad %s with 422 naming the field (case %#)", async (field, overrides, message) => {
      const res = await m.call("POST", "/v1/orders", { body: orderBody(overrides) });
      const body = await readAs(res, ordersRoutes.createQrOrder, 422);
      expect(body.error.code).toBe("validation_failed");
      const fields = body.error.details as { field: string; in: string; message: string }[];
      const named = fields.find((f) => f.field === field || (field === "surprise" && f.message.includes("surprise")));
      expect(named, JSON.stringify(fields)).toBeTruthy();
      expect(named!.in).toBe("body");
      expect(`${named!.message} ${body.error.message}`).toMatch(message);
    });

    it("refuses metadata nested 20,000 deep with a 422 (a 64 KiB body can nest that far)", async () => {
      const nested = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;
      const body = JSON.stringify(orderBody()).replace(/}$/, `,"metadata":{"deep":${nested}}}`);
      const res = await readAs(await m.call("POST", "/v1/orders", { body }), ordersRoutes.createQrOrder, 422);
      expect(res.error.details).toEqual([{ field: "metadata", in: "body", message: "at most 10 levels of nesting" }]);
    });

    it("refuses a chain the merchant has no payout address on", async () => {
      const merchant = await admin.createMerchant(h.db, { name: "No payout" });
      const { key } = await admin.issueApiKey(h.db, { merchantId: merchant.id });
      const res = await h.app.request("/v1/orders", {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(orderBody()),
      });
      const body = await readAs(res, ordersRoutes.createQrOrder, 422);
      expect(body.error.code).toBe("payout_address_not_set");
    });

    it("refuses a merchantOrderId the merchant already used (409), but another merchant may use it", async () => {
      const first = await create(m, { merchantOrderId: "DUP-1" });
      const again = await readAs(await m.call("POST", "/v1/orders", { body: orderBody({ merchantOrderId: "DUP-1" }) }), ordersRoutes.createQrOrder, 409);
      expect(again.error.code).toBe("duplicate_merchant_order_id");
      expect(again.error.details).toEqual({ orderId: first.id });
      const other = await h.merchant();
      await create(other, { merchantOrderId: "DUP-1" });
    });
  });

  describe("concurrent creation (orders arriving together are inserted as one batch)", () => {
    it("creates each order once, and refuses a duplicate merchantOrderId inside the same batch", async () => {
      const batcher = await h.merchant();
      const bodies = Array.from({ length: 20 }, (_, i) => orderBody({ merchantOrderId: `B-${i}`, amount: `${i + 1}.5` }));
      bodies.push(orderBody({ merchantOrderId: "B-3", amount: "99" }));
      const results = await Promise.all(bodies.map((body) => batcher.call("POST", "/v1/orders", { body })));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(20);
      expect(statuses.filter((s) => s === 409)).toHaveLength(1);
      const created = await Promise.all(results.filter((r) => r.status === 201).map((r) => readAs(r, ordersRoutes.createQrOrder, 201)));
      expect(new Set(created.map((o) => o.orderRef)).size).toBe(20);
      const b7 = created.find((o) => o.merchantOrderId === "B-7")!;
      expect(b7).toMatchObject({ amount: "8.5", amountReceived: "0", status: "pending", cancelledAt: null });
      expect(await readAs(await batcher.call("GET", `/v1/orders/${b7.id}`), ordersRoutes.getOrder, 200)).toEqual(b7);
    });
  });

  describe("reading orders", () => {
    let mine: TestMerchant;
    let made: OrderView[];
    beforeAll(async () => {
      mine = await h.merchant();
      made = [];
      for (let i = 0; i < 5; i++) {
        made.push(await create(mine, { merchantOrderId: `R-${i}` }));
        h.clock.advance(1000);
      }
    });

    it("gets an order by id; another merchant's id is 404", async () => {
      const order = await readAs(await mine.call("GET", `/v1/orders/${made[0]!.id}`), ordersRoutes.getOrder, 200);
      expect(order).toEqual(made[0]);
      const other = await readAs(await m.call("GET", `/v1/orders/${made[0]!.id}`), ordersRoutes.getOrder, 404);
      expect(other.error.code).toBe("not_found");
      await readAs(await mine.call("GET", "/v1/orders/ord_nope"), ordersRoutes.getOrder, 404);
    });

    it("lists newest first with cursor pagination", async () => {
      const first = await readAs(await mine.call("GET", "/v1/orders?limit=2"), ordersRoutes.listOrders, 200);
      expect(first.data.map((o) => o.merchantOrderId)).toEqual(["R-4", "R-3"]);
      const second = await readAs(await mine.call("GET", `/v1/orders?limit=2&cursor=${first.nextCursor}`), ordersRoutes.listOrders, 200);
      expect(second.data.map((o) => o.merchantOrderId)).toEqual(["R-2", "R-1"]);
      const last = await readAs(await mine.call("GET", `/v1/orders?limit=2&cursor=${second.nextCursor}`), ordersRoutes.listOrders, 200);
      expect(last.data.map((o) => o.merchantOrderId)).toEqual(["R-0"]);
      expect(last.nextCursor).toBeNull();
    });

    it("filters by status, merchantOrderId and creation time", async () => {
      const byId = await readAs(await mine.call("GET", "/v1/orders?merchantOrderId=R-2"), ordersRoutes.listOrders, 200);
      expect(byId.data.map((o) => o.id)).toEqual([made[2]!.id]);
      const from = encodeURIComponent(made[1]!.createdAt);
      const to = encodeURIComponent(made[3]!.createdAt);
      const range = await readAs(await mine.call("GET", `/v1/orders?createdFrom=${from}&createdTo=${to}`), ordersRoutes.listOrders, 200);
      expect(range.data.map((o) => o.merchantOrderId)).toEqual(["R-2", "R-1"]);
      const pending = await readAs(await mine.call("GET", "/v1/orders?status=pending,paid&limit=100"), ordersRoutes.listOrders, 200);
      expect(pending.data).toHaveLength(5);
      const none = await readAs(await mine.call("GET", "/v1/orders?status=paid"), ordersRoutes.listOrders, 200);
      expect(none.data).toHaveLength(0);
    });

    it("refuses bad list parameters with 422 naming them", async () => {
      for (const [query, field] of [
        ["status=unpaid", "status"],
        ["limit=0", "limit"],
        ["limit=101", "limit"],
        ["createdFrom=yesterday", "createdFrom"],
        ["cursor=abc", "cursor"],
        ["merchantOrderId=A%00B", "merchantOrderId"],
      ] as const) {
        const body = await readAs(await mine.call("GET", `/v1/orders?${query}`), ordersRoutes.listOrders, 422);
        expect(body.error.details).toEqual([expect.objectContaining({ field, in: "query" })]);
      }
    });

    it("answers contractPayment by order id or merchant order id", async () => {
      const byId = await readAs(await mine.call("GET", `/v1/contract-payment?orderId=${made[1]!.id}`), ordersRoutes.contractPayment, 200);
      expect(byId).toMatchObject({
        orderId: made[1]!.id,
        merchantOrderId: "R-1",
        status: "pending",
        amount: "12.5",
        symbol: "USDT",
        chainId: LOCAL,
        toAddress: ROUTER,
        payments: [],
      });
      expect(byId.timestamp).toBe(new Date(made[1]!.createdAt).getTime());
      const byMerchantId = await readAs(await mine.call("GET", "/v1/contract-payment?merchantOrderId=R-1"), ordersRoutes.contractPayment, 200);
      expect(byMerchantId).toEqual(byId);
      await readAs(await m.call("GET", "/v1/contract-payment?merchantOrderId=R-1"), ordersRoutes.contractPayment, 404);
      const neither = await readAs(await mine.call("GET", "/v1/contract-payment"), ordersRoutes.contractPayment, 422);
      expect(neither.error.message).toMatch(/exactly one/);
      await readAs(await mine.call("GET", `/v1/contract-payment?orderId=${made[1]!.id}&merchantOrderId=R-1`), ordersRoutes.contractPayment, 422);
      const nul = await readAs(await mine.call("GET", "/v1/contract-payment?merchantOrderId=%00"), ordersRoutes.contractPayment, 422);
      expect(nul.error.details).toEqual([expect.objectContaining({ field: "merchantOrderId", in: "query" })]);
      const path = await readAs(await mine.call("GET", "/v1/orders/ord_%00"), ordersRoutes.getOrder, 422);
      expect(path.error.details).toEqual([expect.objectContaining({ field: "orderId", in: "path" })]);
    });
  });

  describe("cancel", () => {
    it("cancels a pending order once, writing an order.cancelled event; another merchant gets 404", async () => {
      const order = await create(m);
      await readAs(await (await h.merchant()).call("POST", `/v1/orders/${order.id}/cancel`), ordersRoutes.cancelOrder, 404);
      const cancelled = await readAs(await m.call("POST", `/v1/orders/${order.id}/cancel`), ordersRoutes.cancelOrder, 200);
      expect(cancelled.status).toBe("cancelled");
      expect(cancelled.cancelledAt).toBe(h.clock.current.toISOString());
      const again = await readAs(await m.call("POST", `/v1/orders/${order.id}/cancel`), ordersRoutes.cancelOrder, 409);
      expect(again.error.code).toBe("order_not_cancellable");
      const events = await readAs(
        await m.call("GET", `/v1/events?orderId=${order.id}`),
        eventsRoutes.listEvents,
        200,
      );
      expect(events.data.map((e) => e.type)).toEqual(["order.cancelled"]);
      expect(orderSchema.parse(events.data[0]!.data.order).status).toBe("cancelled");
    });

    it("will not cancel an order whose expiry has passed: it is expired", async () => {
      const order = await create(m, { expiresIn: 60 });
      h.clock.advance(61_000);
      const res = await readAs(await m.call("POST", `/v1/orders/${order.id}/cancel`), ordersRoutes.cancelOrder, 409);
      expect(res.error.message).toMatch(/expired/);
      const now = await readAs(await m.call("GET", `/v1/orders/${order.id}`), ordersRoutes.getOrder, 200);
      expect(now.status).toBe("expired");
    });
  });

  describe("payments, balance, events", () => {
    let payer: TestMerchant;
    let order: OrderView;
    beforeAll(async () => {
      payer = await h.merchant();
      order = await create(payer, { amount: "10" });
      const other = await create(payer, { chainId: BASE, symbol: "USDC", amount: "3.25" });
      const source = new MemoryPaymentSource();
      const confirmer = new Confirmer({ db: h.db, source, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
      source.pay({ chainId: LOCAL, router: ROUTER, orderRef: order.orderRef as `0x${string}`, merchant: PAYOUT, token: TOKENS.USDT, amount: 4_000_000n, blockNumber: 10n, blockTimestamp: h.clock.now() });
      source.pay({ chainId: LOCAL, router: ROUTER, orderRef: order.orderRef as `0x${string}`, merchant: PAYOUT, token: TOKENS.USDT, amount: 6_000_000n, blockNumber: 11n, blockTimestamp: h.clock.now(), logIndex: 3 });
      // Base needs 20 confirmations: seen, not yet confirmed.
      source.pay({ chainId: BASE, router: ROUTER, orderRef: other.orderRef as `0x${string}`, merchant: PAYOUT, token: TOKENS.BASE_USDC, amount: 3_250_000n, blockNumber: 200n, blockTimestamp: h.clock.now() });
      await confirmer.confirmAll();
    });

    it("lists an order's payments and its contractPayment view", async () => {
      const list = await readAs(await payer.call("GET", `/v1/orders/${order.id}/payments`), ordersRoutes.listOrderPayments, 200);
      expect(list.data).toHaveLength(2);
      expect(list.data[0]).toMatchObject({ amount: "4", state: "confirmed", blockNumber: 10, logIndex: 0, confirmations: 2, symbol: "USDT" });
      expect(list.data[1]).toMatchObject({ amount: "6", state: "confirmed", blockNumber: 11, logIndex: 3, confirmations: 1 });
      const view = await readAs(
        await payer.call("GET", `/v1/contract-payment?orderId=${order.id}`),
        ordersRoutes.contractPayment,
        200,
      );
      expect(view.status).toBe("paid");
      expect(view.amountReceived).toBe("10");
      expect(view.payments).toEqual(list.data);
      await readAs(await m.call("GET", `/v1/orders/${order.id}/payments`), ordersRoutes.listOrderPayments, 404);
    });

    it("lists the merchant's payments with filters and pagination", async () => {
      const all = await readAs(await payer.call("GET", "/v1/payments"), paymentsRoutes.listPayments, 200);
      expect(all.data).toHaveLength(3);
      const base = await readAs(await payer.call("GET", `/v1/payments?chainId=${BASE}`), paymentsRoutes.listPayments, 200);
      expect(base.data).toEqual([expect.objectContaining({ chainId: BASE, state: "confirming", confirmations: 1, confirmationsRequired: 20 })]);
      const page = await readAs(await payer.call("GET", "/v1/payments?limit=2"), paymentsRoutes.listPayments, 200);
      expect(page.data).toHaveLength(2);
      const rest = await readAs(await payer.call("GET", `/v1/payments?limit=2&cursor=${page.nextCursor}`), paymentsRoutes.listPayments, 200);
      expect(rest.data).toHaveLength(1);
      expect((await readAs(await m.call("GET", "/v1/payments"), paymentsRoutes.listPayments, 200)).data).toHaveLength(0);
    });

    it("sums received and confirming amounts per chain and token", async () => {
      const balance = await readAs(await payer.call("GET", "/v1/balance"), balanceRoutes.getBalance, 200);
      expect(balance.balances).toEqual([
        { chainId: BASE, symbol: "USDC", tokenAddress: TOKENS.BASE_USDC, decimals: 6, received: "0", confirming: "3.25", refunded: "0", net: "0" },
        { chainId: LOCAL, symbol: "USDT", tokenAddress: TOKENS.USDT, decimals: 6, received: "10", confirming: "0", refunded: "0", net: "10" },
      ]);
      expect(await readAs(await m.call("GET", "/v1/balance"), balanceRoutes.getBalance, 200)).toEqual({ balances: [] });
    });

    it("lists events newest first, filtered by type and order", async () => {
      const all = await readAs(await payer.call("GET", "/v1/events?limit=100"), eventsRoutes.listEvents, 200);
      // Chains are confirmed in chain id order: Base (8453) first, then the local chain.
      expect(all.data.map((e) => e.type)).toEqual(["order.paid", "order.confirming", "order.confirming"]);
      const paid = await readAs(
        await payer.call("GET", "/v1/events?type=order.paid"),
        eventsRoutes.listEvents,
        200,
      );
      expect(paid.data).toHaveLength(1);
      const snapshot = orderSnapshot.parse(paid.data[0]!.data.order);
      expect(snapshot.status).toBe("paid");
      expect(snapshot.payments).toHaveLength(2);
      const page = await readAs(await payer.call("GET", "/v1/events?limit=1"), eventsRoutes.listEvents, 200);
      expect(page.nextCursor).toMatch(/^evt_/);
      await readAs(await payer.call("GET", "/v1/events?type=order.shipped"), eventsRoutes.listEvents, 422);
      expect((await readAs(await m.call("GET", `/v1/events?orderId=${order.id}`), eventsRoutes.listEvents, 200)).data).toHaveLength(0);
    });

    it("lists accepted chains with the merchant's payout addresses and confirmations", async () => {
      const { chains } = await readAs(
        await payer.call("GET", "/v1/chains"),
        chainsRoutes.listChains,
        200,
      );
      expect(chains.map((c) => [c.chainId, c.confirmations, c.payoutAddress])).toEqual([
        [BASE, 20, PAYOUT],
        [LOCAL, 0, PAYOUT],
      ]);
    });
  });
});
