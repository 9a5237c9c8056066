/**
 * The confirmation path end to end, every part real: a Hardhat/EDR chain, the router and the Tether-faithful token,
 * the Ponder indexer, and the API as its own process reading the indexer over HTTP. A merchant's engineer's view:
 * create orders with the API key, pay them from a wallet, watch `contractPayment`.
 */
import { type Address, type Hex, parseUnits } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as admin from "../../api/admin/commands.js";
import type { OrderView } from "../../api/orders/views.js";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import { readAs } from "../support/api-client.js";
import { mine, revertTo, snapshot } from "../support/chain.js";
import { DEV_ACCOUNTS, pay, sendPayments, tokenBySymbol } from "../support/payments.js";
import { waitFor } from "../support/wait.js";
import { type VerifyingReceiver, startVerifyingReceiver } from "../support/webhook-receiver.js";
import { type Gateway, type GatewayMerchant, CHAIN, startGateway } from "../support/gateway.js";

/** Blocks on top of and including the payment's: a payment stays `confirming` until two more blocks are mined. */
const CONFIRMATIONS = 3;
const [payer, otherPayer] = DEV_ACCOUNTS.payers;

describe("orders paid on a real chain, seen by the real indexer, confirmed by the API", () => {
  let gateway: Gateway;
  let shop: GatewayMerchant;
  /** The merchant's webhook receiver: every delivery verified with the `standardwebhooks` package. */
  let receiver: VerifyingReceiver;

  const request = (method: string, route: string, body?: unknown) => shop.request(method, route, body);
  const createOrder = (amount: string, extra: Record<string, unknown> = {}) => shop.createOrder(amount, extra);
  const contractPayment = async (orderId: string) =>
    readAs(await request("GET", `/v1/contract-payment?orderId=${orderId}`), orderRoutes.contractPayment, 200);
  const getOrder = async (orderId: string) => readAs(await request("GET", `/v1/orders/${orderId}`), orderRoutes.getOrder, 200);
  const waitForStatus = (orderId: string, status: string) =>
    waitFor(`order ${orderId} to be ${status}`, async () => {
      const order = await getOrder(orderId);
      return order.status === status ? order : undefined;
    }, { intervalMs: 150 });
  const usdt = () => tokenBySymbol(gateway.stack.chain(CHAIN).record, "USDT");
  const url = () => gateway.stack.chain(CHAIN).url;
  const record = () => gateway.stack.chain(CHAIN).record;
  const payOrder = (order: OrderView, amount: string, more: { payer?: Address; merchant?: Address; symbol?: string } = {}) => {
    const token = tokenBySymbol(record(), more.symbol ?? "USDT");
    return pay(url(), record(), {
      token: token.address,
      amount: parseUnits(amount, token.decimals),
      orderRef: order.orderRef as Hex,
      payer: more.payer ?? payer,
      merchant: more.merchant,
    });
  };

  beforeAll(async () => {
    // The API on embedded PGlite (the API suites cover Postgres), with the operator's set-up as `npm run admin` does it.
    gateway = await startGateway({
      payers: [payer!, otherPayer!],
      merchants: [{ name: "E2E Shop", payout: DEV_ACCOUNTS.merchant }],
      confirmations: CONFIRMATIONS,
      apiEnv: { CONFIRMER_INTERVAL_MS: "100", EXPIRY_INTERVAL_MS: "200" },
    });
    shop = gateway.merchants[0]!;
    receiver = await startVerifyingReceiver();
    receiver.useSecret(await shop.addEndpoint(receiver.url));
  });

  afterAll(async () => {
    await receiver?.stop();
    await gateway?.stop();
  });

  it("creates an order whose wallet target is the router and whose reference is a random bytes32", async () => {
    const order = await createOrder("10");
    expect(order.status).toBe("pending");
    expect(order.toAddress).toBe(record().router);
    expect(order.orderRef).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await createOrder("10").then((o) => o.orderRef)).not.toBe(order.orderRef);
  });

  it("moves a paid order through confirming to paid, with the payment's chain facts", async () => {
    const order = await createOrder("25.5");
    const log = await payOrder(order, "25.5");
    const confirming = await waitForStatus(order.id, "confirming");
    expect(confirming.amountReceived).toBe("0");
    await mine(url(), CONFIRMATIONS - 1);
    await waitForStatus(order.id, "paid");
    const seen = await contractPayment(order.id);
    expect(seen.status).toBe("paid");
    expect(seen.payments).toHaveLength(1);
    expect(seen.payments[0]).toMatchObject({
      txHash: log.txHash,
      logIndex: log.logIndex,
      amount: "25.5",
      state: "confirmed",
    });
    expect(seen.payments[0]!.confirmations).toBeGreaterThanOrEqual(CONFIRMATIONS);

    // The merchant's server heard both steps, signed and verified.
    const events = await waitFor("order.confirming and order.paid at the receiver", () => {
      const mine = receiver.delivered.filter((e) => e.orderId === order.id);
      return mine.some((e) => e.type === "order.paid") ? mine : undefined;
    });
    expect(events.map((e) => [e.type, e.status])).toEqual(
      expect.arrayContaining([
        ["order.confirming", "confirming"],
        ["order.paid", "paid"],
      ]),
    );
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(receiver.rejected).toEqual([]);
  });

  it("adds up several payments: underpaid, then topped up to paid", async () => {
    const order = await createOrder("10");
    await payOrder(order, "4");
    await mine(url(), CONFIRMATIONS - 1);
    const under = await waitForStatus(order.id, "underpaid");
    expect(under.amountReceived).toBe("4");
    await payOrder(order, "6", { payer: otherPayer });
    await mine(url(), CONFIRMATIONS - 1);
    const paid = await waitForStatus(order.id, "paid");
    expect(paid.amountReceived).toBe("10");
    expect((await contractPayment(order.id)).payments).toHaveLength(2);
  });

  it("marks an order paid with more than asked as overpaid", async () => {
    const order = await createOrder("3");
    await payOrder(order, "3.000001");
    await mine(url(), CONFIRMATIONS - 1);
    expect((await waitForStatus(order.id, "overpaid")).amountReceived).toBe("3.000001");
  });

  let mismatched: OrderView | undefined;
  it("never credits a payment whose merchant or token does not match the order", async () => {
    const order = await createOrder("7");
    mismatched = order;
    await payOrder(order, "7", { merchant: otherPayer }); // right reference, someone else's wallet
    await payOrder(order, "7", { symbol: "USDT18" }); // right reference and wallet, another token
    await mine(url(), CONFIRMATIONS);
    // A later order's payment confirming shows the confirmer has passed those blocks; nothing was credited.
    const marker = await createOrder("1");
    await payOrder(marker, "1");
    await mine(url(), CONFIRMATIONS - 1);
    await waitForStatus(marker.id, "paid");
    const untouched = await contractPayment(order.id);
    expect(untouched.status).toBe("pending");
    expect(untouched.payments).toHaveLength(0);
  });

  it("moves an order back when a reorg removes its payment before confirmation, and records it reverted", async () => {
    const order = await createOrder("5");
    const before = await snapshot(url());
    const log = await payOrder(order, "5");
    await waitForStatus(order.id, "confirming");
    // The payment's block is replaced by other blocks, longer than the old branch.
    await revertTo(url(), before);
    await mine(url(), 3);
    const back = await waitForStatus(order.id, "pending");
    expect(back.amountReceived).toBe("0");
    const { payments } = await contractPayment(order.id);
    expect(payments.map((p) => [p.txHash, p.state])).toEqual([[log.txHash, "reverted"]]);
    // Paying again after the reorg confirms normally.
    await payOrder(order, "5");
    await mine(url(), CONFIRMATIONS - 1);
    expect((await waitForStatus(order.id, "paid")).amountReceived).toBe("5");
  });

  it("loses and doubles nothing when the API is killed mid-stream and restarted", async () => {
    const orders = await Promise.all(Array.from({ length: 8 }, (_, i) => createOrder(`${i + 1}.25`)));
    const token = usdt();
    // Half the payments land before the crash, half while the API is down.
    const first = orders.slice(0, 4);
    const second = orders.slice(4);
    const payAll = (batch: OrderView[]) =>
      sendPayments(
        url(),
        record(),
        batch.map((o) => ({ token: token.address, amount: parseUnits(o.amount, token.decimals), orderRef: o.orderRef as Hex })),
      );
    await payAll(first);
    await waitFor("some of the first batch to be seen", async () => {
      const statuses = await Promise.all(first.map((o) => getOrder(o.id).then((x) => x.status)));
      return statuses.some((s) => s !== "pending");
    });
    await gateway.killApi();
    // Really gone: nothing answers on its port while the second half lands.
    await expect(fetch(`${gateway.api.url}/health`)).rejects.toThrow();
    await payAll(second);
    await mine(url(), CONFIRMATIONS);
    await gateway.startApi();
    for (const order of orders) {
      const paid = await waitForStatus(order.id, "paid");
      expect(paid.amountReceived).toBe(order.amount);
      expect((await contractPayment(order.id)).payments).toHaveLength(1);
    }
  });

  it("credits a payment made after the order expired as paid_late (judged by the block's time)", async () => {
    const order = await createOrder("2", { expiresIn: 60 });
    // Move the chain's clock past the expiry; the payment's block carries that time.
    await fetch(url(), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "evm_increaseTime", params: [3600] }),
    });
    await payOrder(order, "2");
    await mine(url(), CONFIRMATIONS - 1);
    const late = await waitForStatus(order.id, "paid_late");
    expect(late.amountReceived).toBe("2");
  });

  it("shows the operator the mismatched payments as unmatched (the API stopped, its database opened as `admin` does)", async () => {
    await gateway.stopApi();
    const handle = await gateway.openApiDatabase();
    try {
      const unmatched = await admin.listUnmatchedPayments(handle.db, { limit: 100 });
      const forOrder = unmatched.filter((u) => u.orderRef.toLowerCase() === mismatched!.orderRef.toLowerCase());
      expect(forOrder).toHaveLength(2);
    } finally {
      await handle.close();
    }
  });
});
