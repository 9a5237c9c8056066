/**
 * Orders with a deposit address, and transfers to it through the confirmer (synthetic indexer rows): the address is
 * the factory's for the order's payout and reference, methods can be turned off per order and per merchant, a
 * transfer is credited like a router payment (method, sender, forward shown), another token is unmatched, and a
 * router payment and a transfer in one transaction are two payments.
 */
import { eq } from "drizzle-orm";
import type { Address, Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Confirmer } from "../../api/confirmer/confirmer.js";
import * as admin from "../../api/admin/commands.js";
import { unmatchedPayments } from "../../api/db/schema.js";
import { orderDepositAddress } from "../../api/orders/deposit-address.js";
import type { OrderView } from "../../api/orders/views.js";
import { MemoryPaymentSource } from "../support/memory-source.js";
import { readAs } from "../support/api-client.js";
import * as ordersRoutes from "../../api/routes/orders/orders.routes.js";
import * as refundsRoutes from "../../api/routes/refunds/refunds.routes.js";
import { createHarness, describeBackends, LOCAL, orderBody, testRecords, TOKENS, type Harness, type TestMerchant } from "../support/harness.js";

const FACTORY = "0x00000000000000000000000000000000000000F1";
const SENDER = "0x000000000000000000000000000000000000b0b0";


describeBackends("deposit addresses on orders", (backend) => {
  let h: Harness;
  let m: TestMerchant;
  beforeAll(async () => {
    const records = testRecords().map((record) => (record.chainId === LOCAL ? { ...record, depositFactory: FACTORY as Address } : record));
    h = await createHarness(backend, { records });
    m = await h.merchant();
  });
  afterAll(() => h?.close());

  const create = async (overrides: Record<string, unknown> = {}) => readAs(await m.call("POST", "/v1/orders", { body: orderBody(overrides) }), ordersRoutes.createQrOrder, 201);
  const contractPayment = async (id: string) =>
    readAs(await m.call("GET", `/v1/contract-payment?orderId=${id}`), ordersRoutes.contractPayment, 200);

  it("gives each order the factory's deposit address for its payout and reference", async () => {
    const order = await create();
    expect(order.paymentMethods).toEqual(["router", "transfer"]);
    expect(order.depositAddress).toBe(orderDepositAddress(h.chains.chain(LOCAL), order));
    expect(order.depositAddress).not.toBe(order.payoutAddress);
    expect((await contractPayment(order.id)).depositAddress).toBe(order.depositAddress);
  });

  it("has no deposit address when the order turns transfers off, or the chain has no factory", async () => {
    expect(await create({ paymentMethods: ["router"] })).toMatchObject({ paymentMethods: ["router"], depositAddress: null });
    expect(await create({ chainId: 8453, symbol: "USDC" })).toMatchObject({ depositAddress: null });
  });

  it("refuses unknown or repeated methods, and methods the merchant's settings turn off, naming paymentMethods", async () => {
    for (const paymentMethods of [["card"], [], ["router", "router"]]) {
      const body = await readAs(await m.call("POST", "/v1/orders", { body: orderBody({ paymentMethods }) }), ordersRoutes.createQrOrder, 422);
      expect(JSON.stringify(body.error.details)).toContain("paymentMethods");
    }
    const routerOnly = await h.merchant({ name: "Router only" });
    await expect(admin.setPaymentMethods(h.db, { merchantId: routerOnly.id, methods: ["card"] })).rejects.toThrow(/not card/);
    expect(await admin.setPaymentMethods(h.db, { merchantId: routerOnly.id, methods: ["router"] })).toEqual({ id: routerOnly.id, paymentMethods: ["router"] });
    const refused = await readAs(await routerOnly.call("POST", "/v1/orders", { body: orderBody({ paymentMethods: ["transfer"] }) }), ordersRoutes.createQrOrder, 422);
    expect(refused.error.details).toEqual([expect.objectContaining({ field: "paymentMethods", message: expect.stringContaining("transfer") })]);
    const order = await readAs(await routerOnly.call("POST", "/v1/orders", { body: orderBody() }), ordersRoutes.createQrOrder, 201);
    expect(order).toMatchObject({ paymentMethods: ["router"], depositAddress: null });
  });

  describe("transfers through the confirmer", () => {
    let source: MemoryPaymentSource;
    let confirmer: Confirmer;
    beforeAll(() => {
      source = new MemoryPaymentSource();
      confirmer = new Confirmer({ db: h.db, source, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
    });
    const transfer = (order: OrderView, row: { amount: bigint; blockNumber: bigint; token?: Address; txHash?: Hex; logIndex?: number }) => {
      const log = source.pay({
        chainId: LOCAL,
        router: FACTORY,
        orderRef: order.orderRef as Hex,
        merchant: order.depositAddress as Address,
        token: row.token ?? (order.token.address as Address),
        payer: SENDER,
        amount: row.amount,
        blockNumber: row.blockNumber,
        blockTimestamp: h.clock.now(),
        ...(row.txHash ? { txHash: row.txHash } : {}),
        ...(row.logIndex !== undefined ? { logIndex: row.logIndex } : {}),
      });
      log.method = "transfer";
      return log;
    };

    it("credits a transfer to the deposit address like a router payment, with its method, sender and forward", async () => {
      const order = await create({ amount: "12.5" });
      transfer(order, { amount: 12_500_000n, blockNumber: 10n });
      await confirmer.confirmAll();
      const seen = await contractPayment(order.id);
      expect(seen.status).toBe("paid"); // the local chain needs one confirmation
      expect(seen.payments).toEqual([
        expect.objectContaining({ method: "transfer", payer: SENDER, depositAddress: order.depositAddress, amount: "12.5", state: "confirmed" }),
      ]);
      expect(seen.payments[0]!.forward).toEqual({ status: "pending", txHash: null, attempts: 0, error: null, retryAt: null });
      await confirmer.confirmAll();
      expect((await contractPayment(order.id)).payments).toHaveLength(1);

      // The sender of a plain transfer may be an exchange: a refund has no default destination, the claim link does.
      const noDefault = await readAs(await m.call("POST", `/v1/orders/${order.id}/refunds`, { body: { amount: "12.5", reason: "out of stock" } }), refundsRoutes.createRefund, 422);
      expect(noDefault.error.details).toEqual([expect.objectContaining({ field: "destination", message: expect.stringContaining("plain transfer") })]);
      const claim = await readAs(await m.call("POST", `/v1/orders/${order.id}/refunds`, { body: { amount: "12.5", reason: "out of stock", destination: "claim" } }), refundsRoutes.createRefund, 201);
      expect(claim).toMatchObject({ status: "pending", destination: null, claimUrl: expect.stringContaining("/claim/") });
    });

    it("records another accepted token sent to the deposit address as unmatched (wrong_token), to be forwarded", async () => {
      const order = await create({ amount: "3" });
      const log = transfer(order, { amount: 3n * 10n ** 18n, blockNumber: 11n, token: TOKENS.USDT18 as Address });
      await confirmer.confirmAll();
      expect(await contractPayment(order.id)).toMatchObject({ status: "pending", payments: [] });
      const [row] = await h.db.select().from(unmatchedPayments).where(eq(unmatchedPayments.txHash, log.txHash.toLowerCase()));
      expect(row).toMatchObject({ reason: "wrong_token", orderId: order.id, method: "transfer", forwardStatus: "pending" });
    });

    it("keeps a router payment and a transfer in one transaction apart: two payments, both credited", async () => {
      const order = await create({ amount: "10" });
      const txHash = `0x${"ab".repeat(32)}` as Hex;
      source.payOrder(order, { amount: 4_000_000n, blockNumber: 12n, blockTimestamp: h.clock.now(), txHash, logIndex: 1 });
      transfer(order, { amount: 6_000_000n, blockNumber: 12n, txHash, logIndex: 3 });
      await confirmer.confirmAll();
      const seen = await contractPayment(order.id);
      expect(seen).toMatchObject({ status: "paid", amountReceived: "10" });
      expect(seen.payments.map((p) => p.method).sort()).toEqual(["router", "transfer"]);
      expect(seen.payments.find((p) => p.method === "router")).toMatchObject({ depositAddress: null, forward: null });
    });
  });
});
