import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { getAddress } from "viem";
import { sql } from "drizzle-orm";
import { Confirmer } from "../../api/confirmer/confirmer.js";
import { Leadership, LostLeadershipError } from "../../api/confirmer/leader.js";
import { startConfirmerLoops } from "../../api/confirmer/runner.js";
import { leaderLeases } from "../../api/db/schema.js";
import { confirmRefunds } from "../../api/refunds/confirm.js";
import { refundSchema } from "../../api/refunds/views.js";
import { MemoryPaymentSource } from "../support/memory-source.js";
import { createHarness, describeBackends, LOCAL, orderBody, PAYOUT, ROUTER, TOKENS, type Harness, type TestMerchant } from "../support/harness.js";
import * as ordersRoutes from "../../api/routes/orders/orders.routes.js";
import * as refundsRoutes from "../../api/routes/refunds/refunds.routes.js";
import * as eventsRoutes from "../../api/routes/events/events.routes.js";
import * as balanceRoutes from "../../api/routes/balance/balance.routes.js";
import { hexOf, readAs } from "../support/api-client.js";
import { MemoryRefundSource } from "../support/memory-refunds.js";

const PAYER = getAddress("0x000000000000000000000000000000000000fa11");

describeBackends("refund confirmer", (backend) => {
  let h: Harness;
  let m: TestMerchant;
  let payments: MemoryPaymentSource;
  let source: MemoryRefundSource;
  let confirmer: Confirmer;
  beforeAll(async () => {
    h = await createHarness(backend);
    // Three confirmations on the local chain, so "seen" and "confirmed" differ.
    m = await h.merchant({ confirmations: { [LOCAL]: 3 } });
    payments = new MemoryPaymentSource();
    source = new MemoryRefundSource(payments);
    confirmer = new Confirmer({ db: h.db, source: payments, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
  });
  afterAll(() => h?.close());

  const pass = () => confirmRefunds({ db: h.db, source, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
  const head = () => payments.heads.get(LOCAL) ?? 0n;
  const getRefund = async (id: string) => readAs(await m.call("GET", `/v1/refunds/${id}`), refundsRoutes.getRefund, 200);
  const getOrder = async (id: string) => readAs(await m.call("GET", `/v1/orders/${id}`), ordersRoutes.getOrder, 200);

  /** A 10 USDT order paid by PAYER and confirmed, at the current head + 1. */
  const paidOrder = async () => {
    const order = await readAs(await m.call("POST", "/v1/orders", { body: orderBody({ amount: "10" }) }), ordersRoutes.createQrOrder, 201);
    payments.pay({ chainId: LOCAL, router: ROUTER, orderRef: hexOf(order.orderRef), merchant: PAYOUT, token: TOKENS.USDT, amount: 10_000_000n, blockNumber: head() + 1n, blockTimestamp: h.clock.now(), payer: PAYER });
    payments.setHead(LOCAL, head() + 3n);
    await confirmer.confirmAll();
    expect((await getOrder(order.id)).amountReceived).toBe("10");
    return order;
  };
  const refund = async (orderId: string, amount: string) =>
    readAs(await m.call("POST", `/v1/orders/${orderId}/refunds`, { body: { amount, reason: "returned" } }), refundsRoutes.createRefund, 201);

  it("moves a refund pending → submitted when its RefundSent is seen, → succeeded at the confirmations, once", async () => {
    const order = await paidOrder();
    const r = await refund(order.id, "10");
    expect(await pass()).toBe(0);
    const log = source.send(r, head() + 1n);
    expect(await pass()).toBe(1);
    expect(await getRefund(r.id)).toMatchObject({ status: "submitted", txHash: log.txHash, succeededAt: null });
    expect((await getOrder(order.id)).amountRefunded).toBe("0");
    payments.setHead(LOCAL, log.blockNumber + 2n);
    expect(await pass()).toBe(1);
    const done = await getRefund(r.id);
    expect(done).toMatchObject({ status: "succeeded", txHash: log.txHash, succeededAt: h.clock.now().toISOString() });
    expect(await pass()).toBe(0);
    expect((await getOrder(order.id)).amountRefunded).toBe("10");
    const events = await readAs(await m.call("GET", `/v1/events?type=refund.succeeded&orderId=${order.id}`), eventsRoutes.listEvents, 200);
    expect(events.data).toHaveLength(1);
    expect(events.data[0]!.data).toMatchObject({ refund: { id: r.id, status: "succeeded", txHash: log.txHash }, order: { id: order.id, amountRefunded: "10" } });
    // A succeeded refund cannot be cancelled, and still counts against what the order received.
    expect((await m.call("POST", `/v1/refunds/${r.id}/cancel`)).status).toBe(409);
    expect((await m.call("POST", `/v1/orders/${order.id}/refunds`, { body: { amount: "0.000001", reason: "more" } })).status).toBe(422);
  });

  it("sends a submitted refund back to pending when a reorg removes its log, and counts it once when it lands again", async () => {
    const order = await paidOrder();
    const first = await refund(order.id, "4");
    const second = await refund(order.id, "6");
    const ancestor = head();
    source.send(first, ancestor + 1n);
    source.send(second, ancestor + 1n, { logIndex: 1 });
    expect(await pass()).toBe(2);
    expect((await getRefund(first.id)).status).toBe("submitted");
    source.reorg(ancestor);
    expect(await pass()).toBe(2);
    expect(await getRefund(first.id)).toMatchObject({ status: "pending", txHash: null, submittedAt: null });
    // Mined again in another block, then confirmed.
    const again = source.send(first, ancestor + 2n);
    source.send(second, ancestor + 2n, { logIndex: 1 });
    payments.setHead(LOCAL, ancestor + 5n);
    expect(await pass()).toBe(2);
    expect(await getRefund(first.id)).toMatchObject({ status: "succeeded", txHash: again.txHash });
    expect(await pass()).toBe(0);
    expect((await getOrder(order.id)).amountRefunded).toBe("10");
    const events = await readAs(await m.call("GET", `/v1/events?type=refund.succeeded&orderId=${order.id}`), eventsRoutes.listEvents, 200);
    expect(events.data.map((e) => refundSchema.parse(e.data.refund).id).sort()).toEqual([first.id, second.id].sort());
  });

  it("attributes no log that differs in router, token, sender, destination, amount or chain, and none to a cancelled refund", async () => {
    const order = await paidOrder();
    const r = await refund(order.id, "5");
    const other = getAddress("0x2222222222222222222222222222222222222222");
    const at = head() + 1n;
    source.send(r, at, { router: other });
    source.send(r, at, { token: getAddress(TOKENS.USDC), logIndex: 1 });
    source.send(r, at, { from: other, logIndex: 2 });
    source.send(r, at, { to: other, logIndex: 3 });
    source.send(r, at, { amount: 4_999_999n, logIndex: 4 });
    source.send(r, at, { chainId: 8453, logIndex: 5 });
    payments.setHead(LOCAL, at + 5n);
    expect(await pass()).toBe(0);
    expect((await getRefund(r.id)).status).toBe("pending");
    const cancelled = await refund(order.id, "5");
    await readAs(await m.call("POST", `/v1/refunds/${cancelled.id}/cancel`), refundsRoutes.cancelRefund, 200);
    source.send(cancelled, head() + 1n);
    payments.setHead(LOCAL, head() + 3n);
    expect(await pass()).toBe(0);
    expect((await getRefund(cancelled.id)).status).toBe("cancelled");
    expect((await getOrder(order.id)).amountRefunded).toBe("0");
  });

  it("shows succeeded refunds in the balance: received, refunded, net", async () => {
    const { balances } = await readAs(await m.call("GET", "/v1/balance"), balanceRoutes.getBalance, 200);
    // Three orders of 10 received; 10 + 10 refunded and succeeded in the first two tests.
    expect(balances).toEqual([
      { chainId: LOCAL, symbol: "USDT", tokenAddress: TOKENS.USDT, decimals: 6, received: "30", confirming: "0", refunded: "20", net: "10" },
    ]);
  });

  it("takes a RefundSent row whose block the indexer's chain replaced as gone: back to pending, not counted", async () => {
    // A source that also answers the chain's block hashes (the indexer's /block-hashes), logs in its real blocks.
    const canonical = Object.assign(new MemoryRefundSource(payments), {
      blockHashes: (query: { chainId: number; blockNumbers: bigint[] }) => payments.blockHashes(query),
    });
    const order = await paidOrder();
    const r = await refund(order.id, "3");
    const at = head() + 1n;
    canonical.send(r, at, { blockHash: payments.blockHash(LOCAL, at) });
    const canonicalPass = () => confirmRefunds({ db: h.db, source: canonical, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
    expect(await canonicalPass()).toBe(1);
    expect((await getRefund(r.id)).status).toBe("submitted");
    // The chain replaces that block; the row lingers (as a stale row would), the head grows past the confirmations.
    payments.blocks.get(LOCAL)!.delete(at);
    payments.setHead(LOCAL, at + 5n);
    expect(await canonicalPass()).toBe(1);
    expect(await getRefund(r.id)).toMatchObject({ status: "pending", txHash: null });
    expect((await getOrder(order.id)).amountRefunded).toBe("0");
  });

  it("writes nothing from a pass under a lost lease (LostLeadershipError); the new holder's pass does", async () => {
    const order = await paidOrder();
    const r = await refund(order.id, "2");
    source.send(r, head() + 1n);
    const stale = new Leadership({ handle: h.handle, instanceId: "refunds-stale", leaseMs: 60_000, log: () => {} });
    await stale.step();
    expect(stale.isLeader()).toBe(true);
    // The database says the lease is over; another instance takes it before the stale one notices.
    await h.db.update(leaderLeases).set({ expiresAt: sql`clock_timestamp()` });
    const next = new Leadership({ handle: h.handle, instanceId: "refunds-next", leaseMs: 60_000, log: () => {} });
    await next.step();
    expect(next.isLeader()).toBe(true);
    const fenced = (leadership: Leadership) =>
      confirmRefunds({ db: h.db, source, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now, fence: (tx) => leadership.fence(tx) });
    await expect(fenced(stale)).rejects.toThrow(LostLeadershipError);
    expect((await getRefund(r.id)).status).toBe("pending");
    expect(await fenced(next)).toBe(1);
    expect((await getRefund(r.id)).status).toBe("submitted");
    await next.stop();
    await stale.stop();
  });

  it("runs the refund pass when the live stream wakes the confirmer, not only on its timer", async () => {
    let wake: () => void = () => {};
    let runs = 0;
    const loops = startConfirmerLoops({
      handle: h.handle,
      confirmer,
      // Timers far beyond the test: only the start and the wake-ups run a pass.
      intervalMs: 600_000,
      expiryIntervalMs: 600_000,
      wakeups: (onWake) => {
        wake = onWake;
        return () => {};
      },
      refundPass: async () => {
        runs += 1;
        return pass();
      },
      log: () => {},
    });
    try {
      await vi.waitFor(() => expect(runs).toBeGreaterThanOrEqual(1), { timeout: 10_000 });
      const order = await paidOrder();
      const r = await refund(order.id, "1");
      const before = runs;
      source.send(r, head() + 1n);
      wake();
      await vi.waitFor(async () => expect((await getRefund(r.id)).status).toBe("submitted"), { timeout: 10_000 });
      expect(runs).toBeGreaterThan(before);
    } finally {
      await loops.stop();
    }
  });
});
