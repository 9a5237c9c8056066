/**
 * The real-time path end to end, every part real (dev chain, router, Ponder, the API as its own process, receivers
 * verifying with `standardwebhooks`): the confirmer is woken by the indexer's live updates, not its timer (set to
 * ten minutes here, so only a wake-up can credit a payment), and one merchant's hanging endpoint does not hold up
 * another merchant's webhooks. The stream's loss and return are logged once each, and a stream that opens on a quiet
 * indexer (which sends nothing until a block moves its checkpoint) is reported on at its opening.
 */
import { type Server, connect, createServer } from "node:net";
import { type Hex, parseUnits } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveIndexerWakeups } from "../../api/confirmer/indexer-wakeups.js";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import { freePort } from "../../scripts/stack/ports.js";
import { blockNumber, mine } from "../support/chain.js";
import { DEV_ACCOUNTS, pay, tokenBySymbol } from "../support/payments.js";
import { waitFor } from "../support/wait.js";
import { CHAIN, type Gateway, type GatewayMerchant, type GatewayOrder, startGateway } from "../support/gateway.js";
import { type HangingReceiver, type VerifyingReceiver, startHangingReceiver, startVerifyingReceiver } from "../support/webhook-receiver.js";

/** Deliveries in flight to one endpoint at a time. */
const ENDPOINT_CONCURRENCY = 2;
const LOST = "lost the live updates from the indexer";
const BACK = "live updates from the indexer are back";

/** Listens on `port` from now on and passes each connection through to `target` (both on 127.0.0.1). */
async function forwardTo(port: number, target: number): Promise<Server> {
  const server = createServer((socket) => {
    const upstream = connect(target, "127.0.0.1");
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return server;
}

describe("payments pushed through in real time", () => {
  let gateway: Gateway;
  let shop: GatewayMerchant;
  let hungShop: GatewayMerchant;
  let receiver: VerifyingReceiver;
  let hanging: HangingReceiver;

  const payOrder = async (order: GatewayOrder, merchant: GatewayMerchant) => {
    const chain = gateway.stack.chain(CHAIN);
    const usdt = tokenBySymbol(chain.record, "USDT");
    return pay(chain.url, chain.record, {
      token: usdt.address,
      amount: parseUnits(order.amount, usdt.decimals),
      orderRef: order.orderRef as Hex,
      payer: DEV_ACCOUNTS.payers[0],
      merchant: merchant.payout,
    });
  };
  const statusOf = async (order: GatewayOrder) => (await shop.read(orderRoutes.getOrder, 200, `/v1/orders/${order.id}`)).status;
  const count = (text: string) => gateway.api.output().split(text).length - 1;

  beforeAll(async () => {
    gateway = await startGateway({
      payers: [DEV_ACCOUNTS.payers[0]],
      merchants: [
        { name: "Live Shop", payout: DEV_ACCOUNTS.merchant },
        { name: "Hung Shop", payout: DEV_ACCOUNTS.payers[3] },
      ],
      apiEnv: {
        CONFIRMER_INTERVAL_MS: "600000",
        WEBHOOK_ENDPOINT_CONCURRENCY: String(ENDPOINT_CONCURRENCY),
        WEBHOOK_TIMEOUT_MS: "60000", // the hung endpoint holds its requests for the whole test
        WEBHOOK_RETRY_SCHEDULE: "1h",
      },
    });
    [shop, hungShop] = gateway.merchants as [GatewayMerchant, GatewayMerchant];
    receiver = await startVerifyingReceiver();
    receiver.useSecret(await shop.addEndpoint(receiver.url));
    hanging = await startHangingReceiver();
    await hungShop.addEndpoint(hanging.url);
  });

  afterAll(async () => {
    await gateway?.stop();
    await receiver?.stop();
    await hanging?.stop();
  });

  it("delivers a merchant's order.paid while another merchant's endpoint hangs, which holds only its own slots", async () => {
    const hungOrders = await Promise.all([1, 2, 3].map(() => hungShop.createOrder("1")));
    for (const order of hungOrders) await payOrder(order, hungShop);
    // Its slots are all taken by requests that will not be answered; more of its deliveries are waiting.
    await waitFor("the hung endpoint to hold its slots", () => hanging.open() === ENDPOINT_CONCURRENCY);

    const order = await shop.createOrder("2.5");
    await payOrder(order, shop);
    const paid = await waitFor("order.paid at the live shop", () =>
      receiver.delivered.find((event) => event.orderId === order.id && event.type === "order.paid"),
    );
    expect(paid.status).toBe("paid");
    // Still hanging when the other merchant's webhook arrived, and never more than its limit at once.
    expect(hanging.open()).toBe(ENDPOINT_CONCURRENCY);
    expect(hanging.mostOpen()).toBe(ENDPOINT_CONCURRENCY);
    expect(receiver.rejected).toEqual([]);
  });

  it("still credits payments when the indexer's live stream drops, and says so once, and once when it is back", async () => {
    await gateway.stopIndexer();
    await waitFor("the API to notice the lost stream", () => count(LOST) === 1);

    const order = await shop.createOrder("4");
    await payOrder(order, shop); // mined while the indexer is down
    // Several reconnection attempts fail meanwhile; none is logged again.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await gateway.startIndexer();
    await waitFor("the payment made during the outage to be credited", async () => (await statusOf(order)) === "paid", {
      timeoutMs: 60_000,
      intervalMs: 200,
    });

    // The stream is open again: the next block's payment is pushed, and the return is logged once.
    const next = await shop.createOrder("5");
    await payOrder(next, shop);
    await waitFor("the next payment to be credited", async () => (await statusOf(next)) === "paid", { intervalMs: 100 });
    await mine(gateway.stack.chain(CHAIN).url, 1);
    await waitFor("the return of the stream to be logged", () => count(BACK) === 1);
    expect(count(LOST)).toBe(1);
    expect(count(BACK)).toBe(1);
    const paidEvents = receiver.delivered.filter((event) => [order.id, next.id].includes(event.orderId) && event.type === "order.paid");
    expect(paidEvents.map((event) => event.orderId).sort()).toEqual([order.id, next.id].sort());
  }, 240_000); // restarting Ponder takes a while on a loaded machine; nothing here is timed

  it("says the stream is on once it opens, though the quiet indexer sends nothing until a block moves it", async () => {
    // The stream is held here, against the real indexer, through a port nothing listens on at first ("not yet").
    const port = await freePort();
    const logs: string[] = [];
    let wakes = 0;
    const stopWakeups = liveIndexerWakeups({ indexerUrl: `http://127.0.0.1:${port}`, log: (line) => logs.push(line) })(() => wakes++);
    let forwarder: Server | undefined;
    try {
      await waitFor("the stream to be reported not yet on", () => logs.length === 1);
      expect(logs[0]).toMatch(/^confirmer: no live updates from the indexer yet \(fetch failed: connect ECONNREFUSED .*; is it up\?\)/);
      const chainUrl = gateway.stack.chain(CHAIN).url;
      const head = await blockNumber(chainUrl);
      const wakesBefore = wakes;
      forwarder = await forwardTo(port, gateway.indexer.port);
      // No block is mined: the indexer sends no event, so only the open itself can say "on" and bring the catch-up read.
      await waitFor("the stream to be reported on", () => logs.length === 2, { timeoutMs: 15_000 });
      expect(logs[1]).toBe("confirmer: live updates from the indexer are on");
      await waitFor("the catch-up read on opening", () => wakes > wakesBefore);
      expect(await blockNumber(chainUrl)).toBe(head);
    } finally {
      stopWakeups();
      await new Promise((resolve) => (forwarder ? forwarder.close(resolve) : resolve(undefined)));
    }
  });
});
