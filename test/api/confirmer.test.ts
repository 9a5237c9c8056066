import { and, eq, sql } from "drizzle-orm";
import { type Address, type Hex, parseUnits } from "viem";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { Confirmer } from "../../api/confirmer/confirmer.js";
import { startConfirmerLoops } from "../../api/confirmer/runner.js";
import { confirmerCursors, events, orders, payments, unmatchedPayments } from "../../api/db/schema.js";
import type { OrderView } from "../../api/orders/views.js";
import * as balanceRoutes from "../../api/routes/balance/balance.routes.js";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import { orderEventDataOf, readAs } from "../support/api-client.js";
import { MemoryPaymentSource } from "../support/memory-source.js";
import {
  BASE,
  createHarness,
  describeBackends,
  LOCAL,
  OTHER_PAYOUT,
  OTHER_ROUTER,
  orderBody,
  PAYOUT,
  ROUTER,
  TOKENS,
  type Harness,
  type TestMerchant,
} from "../support/harness.js";

const CONFIRMATIONS = 3;

describeBackends("confirmer", (backend) => {
  let h: Harness;
  let m: TestMerchant;
  let source: MemoryPaymentSource;
  let confirmer: Confirmer;
  let block: bigint;

  // One chain history for the whole suite, as in life: blocks only go up (except in a reorg), and the tests'
  // payments sit side by side.
  beforeAll(async () => {
    h = await createHarness(backend, { env: { CHAIN_CONFIRMATIONS: `${LOCAL}=${CONFIRMATIONS}` } });
    m = await h.merchant();
    source = new MemoryPaymentSource();
    confirmer = new Confirmer({ db: h.db, source, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
    block = 10n;
    source.setHead(LOCAL, block);
    source.setHead(BASE, 100n);
  });
  afterAll(() => h?.close());
  beforeEach(() => {
    source.failing = false;
  });

  const createOrder = async (overrides: Record<string, unknown> = {}, merchant = m) => {
    const res = await merchant.call("POST", "/v1/orders", { body: orderBody({ amount: "10", ...overrides }) });
    return readAs(res, orderRoutes.createQrOrder, 201);
  };

  /** A payment log for `order` in the next block, as the router would emit it. */
  const pay = (order: OrderView, amount: bigint, overrides: Partial<Parameters<MemoryPaymentSource["pay"]>[0]> = {}) => {
    block += 1n;
    return source.payOrder(order, { amount, blockNumber: block, blockTimestamp: h.clock.now(), ...overrides });
  };

  /** Mines `n` empty blocks on the local chain. */
  const mine = (n: number, chainId = LOCAL) => {
    block += BigInt(n);
    source.setHead(chainId, block);
  };

  const status = async (order: OrderView) => {
    return readAs(await m.call("GET", `/v1/contract-payment?orderId=${order.id}`), orderRoutes.contractPayment, 200);
  };
  /** The merchant's confirmed USDT on the local chain, from `GET /v1/balance`, in base units. */
  const localBalance = async () => {
    const { balances } = await readAs(await m.call("GET", "/v1/balance"), balanceRoutes.getBalance, 200);
    const usdt = balances.find((b) => b.chainId === LOCAL && b.symbol === "USDT");
    return parseUnits(usdt?.received ?? "0", 6);
  };
  const eventTypes = async (order: OrderView) =>
    (await h.db.select().from(events).where(eq(events.orderId, order.id)).orderBy(events.id)).map((e) => e.type);

  it("sees a payment (confirming) and confirms it after the chain's confirmations (paid)", async () => {
    const order = await createOrder();
    expect(order.confirmationsRequired).toBe(CONFIRMATIONS);
    pay(order, 10_000_000n);
    await confirmer.confirmAll();
    expect(await status(order)).toMatchObject({ status: "confirming", amountReceived: "0", payments: [{ state: "confirming", confirmations: 1 }] });

    mine(1);
    await confirmer.confirmAll();
    expect((await status(order)).status).toBe("confirming");

    mine(1);
    await confirmer.confirmAll();
    expect(await status(order)).toMatchObject({ status: "paid", amountReceived: "10", payments: [{ state: "confirmed", confirmations: 3 }] });
    expect(await eventTypes(order)).toEqual(["order.confirming", "order.paid"]);

    const [paid] = await h.db.select().from(events).where(and(eq(events.orderId, order.id), eq(events.type, "order.paid")));
    const snapshot = orderEventDataOf(paid!.data);
    expect(snapshot.order).toMatchObject({ id: order.id, status: "paid", amount: "10", amountReceived: "10", chainId: LOCAL, merchantOrderId: order.merchantOrderId });
    expect(snapshot.order.payments[0]).toMatchObject({ confirmations: 3 });
    expect(snapshot.order.payments[0]!.txHash).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("counts an underpayment, then a top-up that completes it", async () => {
    const order = await createOrder();
    pay(order, 4_000_000n);
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    expect(await status(order)).toMatchObject({ status: "underpaid", amountReceived: "4" });

    pay(order, 6_000_000n);
    await confirmer.confirmAll();
    expect((await status(order)).status).toBe("confirming");
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    expect(await status(order)).toMatchObject({ status: "paid", amountReceived: "10" });
    expect(await eventTypes(order)).toEqual(["order.confirming", "order.underpaid", "order.confirming", "order.paid"]);
  });

  it("adds up two payments in one block and reports an overpayment", async () => {
    const order = await createOrder();
    const first = pay(order, 7_000_000n);
    source.pay({ ...first, txHash: undefined, logIndex: 5, blockTimestamp: h.clock.now(), amount: 4_000_000n } as never);
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    const view = await status(order);
    expect(view).toMatchObject({ status: "overpaid", amountReceived: "11" });
    expect(view.payments).toHaveLength(2);
  });

  it("honours the merchant's confirmations and tolerances, fixed on the order when it was made", async () => {
    const relaxed = await h.merchant({ confirmations: { [String(LOCAL)]: 0 }, underpaymentToleranceBps: 100 });
    const order = await createOrder({}, relaxed);
    expect(order.confirmationsRequired).toBe(0);
    pay(order, 9_900_000n);
    await confirmer.confirmAll();
    const res = await relaxed.call("GET", `/v1/orders/${order.id}`);
    expect((await readAs(res, orderRoutes.getOrder, 200)).status).toBe("paid");
  });

  it("expires an unpaid order on time, and calls a later payment paid_late", async () => {
    const order = await createOrder({ expiresIn: 60 });
    h.clock.advance(61_000);
    expect(await confirmer.expireDue()).toBeGreaterThanOrEqual(1);
    expect((await status(order)).status).toBe("expired");
    pay(order, 10_000_000n);
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    expect(await status(order)).toMatchObject({ status: "paid_late", amountReceived: "10" });
    expect(await eventTypes(order)).toEqual(["order.expired", "order.confirming", "order.paid_late"]);
  });

  it("does not expire an order whose payment is on its way; an on-time payment confirmed later is paid", async () => {
    const order = await createOrder({ expiresIn: 60 });
    pay(order, 10_000_000n);
    await confirmer.confirmAll();
    h.clock.advance(120_000);
    await confirmer.expireDue();
    expect((await status(order)).status).toBe("confirming");
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    expect((await status(order)).status).toBe("paid");
  });

  it("calls a payment to a cancelled order paid_late", async () => {
    const order = await createOrder();
    expect((await m.call("POST", `/v1/orders/${order.id}/cancel`)).status).toBe(200);
    pay(order, 10_000_000n);
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    expect((await status(order)).status).toBe("paid_late");
  });

  it("records mismatched payments as unmatched and never credits them", async () => {
    const order = await createOrder();
    const onBase = await createOrder({ chainId: BASE, symbol: "USDC" });
    const logs = {
      unknown_order_ref: pay(order, 10_000_000n, { orderRef: `0x${"ab".repeat(32)}` }),
      wrong_token: pay(order, 10_000_000n, { token: TOKENS.USDC }),
      wrong_payout_address: pay(order, 10_000_000n, { merchant: OTHER_PAYOUT }),
      wrong_router: pay(order, 10_000_000n, { router: OTHER_ROUTER }),
      // the Base order's reference, paid on the local chain
      wrong_chain: pay(onBase, 10_000_000n, { chainId: LOCAL, token: TOKENS.USDT }),
    };
    mine(CONFIRMATIONS);
    const passes = await confirmer.confirmAll();
    expect(passes.find((p) => p.chainId === LOCAL)).toMatchObject({ credited: 0, unmatched: 5 });

    for (const [reason, log] of Object.entries(logs)) {
      const [row] = await h.db.select().from(unmatchedPayments).where(eq(unmatchedPayments.txHash, log.txHash));
      expect(row, reason).toMatchObject({ reason, amount: 10_000_000n });
    }
    expect(await status(order)).toMatchObject({ status: "pending", amountReceived: "0", payments: [] });
    expect((await status(onBase)).status).toBe("pending");
    expect(await h.db.select().from(payments).where(eq(payments.orderId, order.id))).toHaveLength(0);

    // Seen again on the next pass: still one row each.
    await confirmer.confirmAll();
    const again = await h.db.select().from(unmatchedPayments).where(eq(unmatchedPayments.txHash, logs.wrong_token.txHash));
    expect(again).toHaveLength(1);
  });

  it("reverts a payment a reorg removed before it was confirmed, and counts it again when it is mined again", async () => {
    const order = await createOrder();
    const ancestor = block;
    const log = pay(order, 10_000_000n);
    mine(1);
    await confirmer.confirmAll();
    expect((await status(order)).status).toBe("confirming");

    source.reorg(LOCAL, ancestor);
    mine(1); // the new branch, without the payment
    const [pass] = (await confirmer.confirmAll()).filter((p) => p.chainId === LOCAL);
    expect(pass!.reverted).toBe(1);
    const reverted = await status(order);
    expect(reverted).toMatchObject({ status: "pending", amountReceived: "0", payments: [{ state: "reverted", confirmations: 0 }] });
    expect(await eventTypes(order)).toEqual(["order.confirming", "payment.reverted"]);
    const [event] = await h.db.select().from(events).where(and(eq(events.orderId, order.id), eq(events.type, "payment.reverted")));
    expect(orderEventDataOf(event!.data).payment).toMatchObject({ txHash: log.txHash, state: "reverted" });

    // The same transaction is mined again on the new branch.
    block += 1n;
    source.pay({ ...log, blockNumber: block, blockTimestamp: h.clock.now(), blockHash: undefined } as never);
    await confirmer.confirmAll();
    expect((await status(order)).status).toBe("confirming");
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    expect(await status(order)).toMatchObject({ status: "paid", amountReceived: "10" });
    expect((await status(order)).payments).toHaveLength(1);
    expect(await eventTypes(order)).toEqual(["order.confirming", "payment.reverted", "order.confirming", "order.paid"]);
  });

  it("a reorg back from underpaid-and-topping-up returns the order to underpaid", async () => {
    const order = await createOrder();
    pay(order, 4_000_000n);
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    const ancestor = block;
    pay(order, 6_000_000n);
    await confirmer.confirmAll();
    expect((await status(order)).status).toBe("confirming");
    source.reorg(LOCAL, ancestor);
    mine(1);
    await confirmer.confirmAll();
    expect(await status(order)).toMatchObject({ status: "underpaid", amountReceived: "4" });
    expect(await eventTypes(order)).toEqual(["order.confirming", "order.underpaid", "order.confirming", "payment.reverted", "order.underpaid"]);
  });

  it("credits a log at most once, whatever is re-read: repeated passes, a restart, a cursor reset", async () => {
    const order = await createOrder();
    pay(order, 10_000_000n);
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    await confirmer.confirmAll();
    // A new process, and a cursor as if the last passes never committed their move.
    await h.db.update(confirmerCursors).set({ settledBlock: 0n }).where(eq(confirmerCursors.chainId, LOCAL));
    const restarted = new Confirmer({ db: h.db, source, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
    await restarted.confirmAll();
    await restarted.confirmAll();
    expect(await status(order)).toMatchObject({ status: "paid", amountReceived: "10" });
    expect((await status(order)).payments).toHaveLength(1);
    expect(await eventTypes(order)).toEqual(["order.confirming", "order.paid"]);
  });

  it("commits a status change and its events together or not at all", async () => {
    const order = await createOrder();
    pay(order, 10_000_000n);
    mine(CONFIRMATIONS);
    await h.db.execute(sql`create or replace function stablegate.refuse_events() returns trigger language plpgsql as $$
      begin raise exception 'outbox unavailable'; end $$`);
    await h.db.execute(sql`create trigger refuse_events before insert on stablegate.events for each row execute function stablegate.refuse_events()`);
    try {
      await expect(confirmer.confirmAll()).rejects.toThrow();
      // Nothing of the pass is left: no payment, no status change.
      expect(await h.db.select().from(payments).where(eq(payments.orderId, order.id))).toHaveLength(0);
      const [row] = await h.db.select().from(orders).where(eq(orders.id, order.id));
      expect(row!.status).toBe("pending");
    } finally {
      await h.db.execute(sql`drop trigger refuse_events on stablegate.events`);
    }
    await confirmer.confirmAll();
    expect((await status(order)).status).toBe("paid");
    expect(await eventTypes(order)).toEqual(["order.confirming", "order.paid"]);
  });

  it("moves the settled block up behind the confirmations and the oldest unconfirmed payment", async () => {
    const order = await createOrder();
    const log = pay(order, 10_000_000n);
    mine(10);
    // Not confirmed on purpose: a merchant that wants more confirmations than the chain default.
    await h.db.update(orders).set({ confirmations: 50 }).where(eq(orders.id, order.id));
    await confirmer.confirmAll();
    const [cursor] = await h.db.select().from(confirmerCursors).where(eq(confirmerCursors.chainId, LOCAL));
    expect(cursor!.indexedHead).toBe(block);
    expect(cursor!.settledBlock).toBeLessThan(log.blockNumber);
    mine(50);
    await confirmer.confirmAll();
    const [after] = await h.db.select().from(confirmerCursors).where(eq(confirmerCursors.chainId, LOCAL));
    expect(after!.settledBlock).toBe(block - BigInt(CONFIRMATIONS));
    expect((await status(order)).status).toBe("paid");
  });

  it("credits a payment that appears below the settled block after a deep reorg (late, never lost)", async () => {
    mine(20);
    await confirmer.confirmAll();
    const order = await createOrder();
    // A log at a height the confirmer already settled.
    source.pay({
      chainId: LOCAL,
      router: ROUTER,
      orderRef: order.orderRef as Hex,
      merchant: PAYOUT,
      token: TOKENS.USDT,
      amount: 10_000_000n,
      blockNumber: block - 10n,
      blockTimestamp: h.clock.now(),
    });
    await confirmer.confirmAll();
    expect((await status(order)).status).toBe("paid");
  });

  it("credits a transfer once when a reorg re-includes its transaction after another one (its log index moved)", async () => {
    const order = await createOrder();
    const ancestor = block;
    const log = pay(order, 10_000_000n, { logIndex: 1 });
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    expect(await status(order)).toMatchObject({ status: "paid", amountReceived: "10" });
    const before = await localBalance();

    // The reorg drops the block; on the new branch another transaction comes first and the same signed one follows.
    source.reorg(LOCAL, ancestor);
    const other = await createOrder();
    block = ancestor;
    const first = pay(other, 1_000_000n, { logIndex: 1 });
    source.pay({ ...log, blockNumber: block, blockHash: first.blockHash, blockTimestamp: h.clock.now(), logIndex: 3 } as never);
    mine(CONFIRMATIONS);
    const [pass] = (await confirmer.confirmAll()).filter((p) => p.chainId === LOCAL);

    const view = await status(order);
    expect(view).toMatchObject({ status: "paid", amountReceived: "10" });
    expect(view.payments).toEqual([expect.objectContaining({ state: "confirmed", amount: "10", logIndex: 3, blockHash: first.blockHash })]);
    expect(await eventTypes(order)).toEqual(["order.confirming", "order.paid"]);
    // The merchant's balance grew by the other order's 1 USDT only.
    expect(await localBalance()).toBe(before + 1_000_000n);
    expect(pass).toMatchObject({ moved: 1, reverted: 0 });
  });

  it("reports a confirmed payment a deeper reorg removed as payment.reverted (after confirmation), and counts it again if mined again", async () => {
    const order = await createOrder();
    const ancestor = block;
    const log = pay(order, 10_000_000n);
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    expect((await status(order)).status).toBe("paid");

    source.reorg(LOCAL, ancestor);
    mine(CONFIRMATIONS + 1); // a longer branch without the payment
    const [pass] = (await confirmer.confirmAll()).filter((p) => p.chainId === LOCAL);
    expect(await status(order)).toMatchObject({
      status: "pending",
      amountReceived: "0",
      payments: [{ state: "reverted", revertReason: "reorged_after_confirmation" }],
    });
    expect(pass).toMatchObject({ reverted: 1, revertedAfterConfirmation: 1 });
    const [event] = await h.db.select().from(events).where(and(eq(events.orderId, order.id), eq(events.type, "payment.reverted")));
    expect(orderEventDataOf(event!.data).payment).toMatchObject({
      txHash: log.txHash,
      revertReason: "reorged_after_confirmation",
    });

    block += 1n;
    source.pay({ ...log, blockNumber: block, blockHash: undefined, blockTimestamp: h.clock.now() } as never);
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    expect(await status(order)).toMatchObject({ status: "paid", amountReceived: "10", payments: [{ state: "confirmed", revertReason: null }] });
  });

  it("reverts nothing while the indexer recovers from a crash (rows gone, same blocks), and credits each payment once after", async () => {
    const order = await createOrder();
    const settledOne = await createOrder();
    pay(settledOne, 10_000_000n);
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    expect((await status(settledOne)).status).toBe("paid");
    pay(order, 10_000_000n);
    await confirmer.confirmAll();
    expect((await status(order)).status).toBe("confirming");

    // kill -9 and restart: Ponder deletes its unfinalized rows to index them again; /status still says the old head.
    source.crashRecovery(LOCAL, block - 40n);
    await confirmer.confirmAll();
    // Ready again before every row is back (the race between /ready and reading the rows): the blocks are the same.
    source.ready = true;
    mine(1);
    await confirmer.confirmAll();
    expect((await status(order)).status).toBe("confirming");
    expect((await status(settledOne)).status).toBe("paid");

    source.finishRecovery();
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    expect(await status(order)).toMatchObject({ status: "paid", amountReceived: "10", payments: [{ state: "confirmed" }] });
    expect(await status(settledOne)).toMatchObject({ status: "paid", amountReceived: "10", payments: [{ state: "confirmed" }] });
    expect(await eventTypes(order)).toEqual(["order.confirming", "order.paid"]);
    expect(await eventTypes(settledOne)).toEqual(["order.confirming", "order.paid"]);
  });

  it("records a stranger's dust on a paid order as payment.received and keeps it paid, before and after the expiry", async () => {
    const order = await createOrder({ expiresIn: 600 });
    pay(order, 10_000_000n);
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    expect((await status(order)).status).toBe("paid");

    pay(order, 1n, { payer: "0x000000000000000000000000000000000000dead" }); // 0.000001 USDT
    await confirmer.confirmAll();
    expect((await status(order)).status).toBe("paid"); // seen, still confirming: the order does not go back either
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    expect(await status(order)).toMatchObject({ status: "paid", amountReceived: "10.000001" });

    h.clock.advance(601_000);
    await confirmer.expireDue();
    pay(order, 1n); // after the expiry, by its block's time
    mine(CONFIRMATIONS);
    await confirmer.confirmAll();
    const view = await status(order);
    expect(view).toMatchObject({ status: "paid", amountReceived: "10.000002" });
    expect(view.payments.map((p) => [p.amount, p.state])).toEqual([["10", "confirmed"], ["0.000001", "confirmed"], ["0.000001", "confirmed"]]);
    expect(await eventTypes(order)).toEqual(["order.confirming", "order.paid", "payment.received", "payment.received"]);
    const received = await h.db.select().from(events).where(and(eq(events.orderId, order.id), eq(events.type, "payment.received")));
    expect(received.map((e) => orderEventDataOf(e.data).payment?.amount)).toEqual(["0.000001", "0.000001"]);
  });

  it("fails a pass when the indexer is unreachable, changing nothing", async () => {
    source.failing = true;
    await expect(confirmer.confirmAll()).rejects.toThrow(/chain/);
  });
});

describeBackends("confirmer leadership and timers", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(backend);
  });
  afterAll(() => h?.close());

  it("expires orders on its timer with no payments at all", async () => {
    const m = await h.merchant();
    const res = await m.call("POST", "/v1/orders", { body: orderBody({ expiresIn: 60 }) });
    const order = await readAs(res, orderRoutes.createQrOrder, 201);
    const source = new MemoryPaymentSource();
    const confirmer = new Confirmer({ db: h.db, source, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
    const logs: unknown[][] = [];
    const loops = startConfirmerLoops({ handle: h.handle, confirmer, intervalMs: 20, expiryIntervalMs: 20, now: h.clock.now, log: (...a) => logs.push(a) });
    try {
      h.clock.advance(61_000);
      const deadline = Date.now() + 20_000;
      let current = "pending";
      while (current !== "expired" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        current = (await readAs(await m.call("GET", `/v1/orders/${order.id}`), orderRoutes.getOrder, 200)).status;
      }
      expect(current).toBe("expired");
      expect(loops.isLeader()).toBe(true);
      // Only the lead it took: no failure.
      expect(logs.map((entry) => String((entry as unknown[])[0]))).toEqual([expect.stringMatching(/ leads \(epoch \d+, lease \d+ ms\)$/)]);
    } finally {
      await loops.stop();
    }
  });
});
