/**
 * `npm run bench:e2e`: from a payment's block to the verified `order.paid` at the merchant's server, through the real
 * stack: an EDR chain, the router, the Ponder indexer (polling the chain every LOCAL_POLLING_INTERVAL_MS, 100 ms), the API as `npm run api` runs it (its own
 * process, default settings: the confirmer's 2 s timer, the dispatcher), and a receiver verifying every delivery with
 * `standardwebhooks`. On PGlite (indexer and API each on their own embedded database) and on Postgres (a database
 * each on DATABASE_URL's server, or the local one; with neither it stops).
 *
 * Scenarios, BENCH_PAYMENTS (200) payments each, from four payer accounts in turn:
 *   (a) one at a time, a random 0-300 ms apart (so the block lands anywhere in the indexer's polling cycle);
 *   (b) bursts of 50 payments in one block (automine off, then one block mined);
 *   (c) one at a time while a second merchant, paid alongside, has an endpoint that never answers.
 * Per payment: block (the send returns once automine has mined it; in (b) once the block is mined) -> the indexer's
 * live update for that block (this process subscribes as the confirmer does) -> the event's `createdAt` (the
 * confirmer's pass, after reading the indexer) -> verified at the receiver. Counts: events the API lists for the
 * merchant, deliveries received, duplicates, orders paid. Then the API's CPU over 10 s with nothing to do.
 */
import { readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { createClient } from "@ponder/client";
import { type Address, type Hash, type Hex, parseUnits } from "viem";
import { ponderCheckpoint } from "../../api/confirmer/indexer-wakeups.js";
import * as eventRoutes from "../../api/routes/events/events.routes.js";
import { LOCAL_POLLING_INTERVAL_MS } from "../../indexer/config/chains.js";
import { mine, setAutomine } from "../../test/support/chain.js";
import type { TestDatabaseKind } from "../../test/support/database.js";
import { DEV_ACCOUNTS, type Payment, paymentLogsOf, sendPayments, tokenBySymbol } from "../../test/support/payments.js";
import { requirePostgres } from "../../test/support/postgres-server.js";
import { CHAIN, type Gateway, type GatewayMerchant, type GatewayOrder, startGateway } from "../../test/support/gateway.js";
import { type DeliveredEvent, startHangingReceiver, startVerifyingReceiver } from "../../test/support/webhook-receiver.js";
import { measureCheckoutPaid } from "./e2e-checkout.js";
import { writeBenchResult } from "./results.js";

const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 200);
const BURST = 50;
const WARM_UP = 3;
const IDLE_SECONDS = 10;
/** The issue's goals: p95 within the indexer's polling interval + 300 ms, p50 within 300 ms. */
const GOALS = { p50Ms: 300, p95Ms: LOCAL_POLLING_INTERVAL_MS + 300 };
const PAYERS = DEV_ACCOUNTS.payers;
/** The second merchant's payout wallet: any address other than the first's. */
const HUNG_PAYOUT: Address = "0x00000000000000000000000000000000000000b2";

const log = (message: string) => console.error(`[bench:e2e] ${message}`);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Sample = { blockAt: number; blockNumber: bigint; indexedAt: number; createdAt: number; receivedAt: number };

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1)! };
}

/** Where the time went, per stage (medians and p95s), and the end-to-end figures. */
function describeSamples(samples: Sample[]) {
  const total = summary(samples.map((s) => s.receivedAt - s.blockAt));
  const stage = (pick: (s: Sample) => number) => {
    // A block the bench's own subscription did not see (its stream hiccupped) has no indexer time: left out.
    const values = samples.map(pick).filter(Number.isFinite);
    return values.length > 0 ? { ...summary(values), samples: values.length } : null;
  };
  return {
    payments: samples.length,
    ...total,
    meetsGoals: total.p50Ms <= GOALS.p50Ms && total.p95Ms <= GOALS.p95Ms,
    /** The machine's 1, 5 and 15 minute load averages as the scenario ended. */
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
    stages: {
      indexerBlockToLiveUpdate: stage((s) => s.indexedAt - s.blockAt),
      confirmerWakeToEvent: stage((s) => s.createdAt - s.indexedAt),
      eventToVerifiedWebhook: stage((s) => s.receivedAt - s.createdAt),
    },
  };
}

/** When the indexer's live update said each block was in: the same subscription the confirmer holds. */
function watchIndexedBlocks(indexerUrl: string) {
  const seen = new Map<bigint, number>();
  const client = createClient(`${indexerUrl}/sql`, { schema: { ponderCheckpoint } });
  let head = -1n;
  const { unsubscribe } = client.live(
    (db) => db.select({ chainId: ponderCheckpoint.chainId, checkpoint: ponderCheckpoint.latestCheckpoint }).from(ponderCheckpoint),
    (rows) => {
      const at = Date.now();
      const row = rows.find((r) => r.chainId === CHAIN);
      if (!row) return;
      // Ponder's checkpoint: block timestamp (10 digits), chain id (16), block number (16), then positions in the block.
      const block = BigInt(row.checkpoint.slice(26, 42));
      for (let n = head + 1n; n <= block; n++) if (!seen.has(n)) seen.set(n, at);
      if (block > head) head = block;
    },
    (error) => log(`bench's live subscription: ${error.message}`),
  );
  return { indexedAt: (block: bigint) => seen.get(block), stop: unsubscribe };
}

/** Resolves with each order's verified `order.paid`, and counts every delivery. */
function paidListener(receiver: Awaited<ReturnType<typeof startVerifyingReceiver>>) {
  const waiting = new Map<string, (event: DeliveredEvent) => void>();
  const arrived = new Map<string, DeliveredEvent>();
  receiver.onDelivered((event) => {
    if (event.type !== "order.paid") return;
    arrived.set(event.orderId, event);
    waiting.get(event.orderId)?.(event);
  });
  return (orderId: string, timeoutMs = 60_000) =>
    new Promise<DeliveredEvent>((resolve, reject) => {
      const early = arrived.get(orderId);
      if (early) return resolve(early);
      const timer = setTimeout(() => reject(new Error(`no order.paid for ${orderId} within ${timeoutMs} ms`)), timeoutMs);
      waiting.set(orderId, (event) => {
        clearTimeout(timer);
        resolve(event);
      });
    });
}

type Context = {
  gateway: Gateway;
  shop: GatewayMerchant;
  hungShop: GatewayMerchant;
  paidEvent: ReturnType<typeof paidListener>;
  indexed: ReturnType<typeof watchIndexedBlocks>;
};

function payments(ctx: Context, orders: GatewayOrder[], merchant: GatewayMerchant, offset: number): Payment[] {
  const usdt = tokenBySymbol(ctx.gateway.stack.chain(CHAIN).record, "USDT");
  return orders.map((order, i) => ({
    token: usdt.address,
    amount: parseUnits(order.amount, usdt.decimals),
    orderRef: order.orderRef as Hex,
    payer: PAYERS[(offset + i) % PAYERS.length],
    merchant: merchant.payout,
  }));
}

async function createOrders(merchant: GatewayMerchant, n: number): Promise<GatewayOrder[]> {
  const orders: GatewayOrder[] = [];
  for (let i = 0; i < n; i += 20) {
    orders.push(...(await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, j) => merchant.createOrder(`${1 + ((i + j) % 9)}.5`)))));
  }
  return orders;
}

/** Sends, stamps the block, then waits for each order's webhook: one sample per order. */
async function measure(ctx: Context, orders: GatewayOrder[], send: () => Promise<{ hashes: Hash[]; blockAt: number }>): Promise<Sample[]> {
  const chain = ctx.gateway.stack.chain(CHAIN);
  const { hashes, blockAt } = await send();
  const logs = await paymentLogsOf(chain.url, chain.record, hashes);
  const samples: Sample[] = [];
  for (const [i, order] of orders.entries()) {
    const event = await ctx.paidEvent(order.id);
    const blockNumber = logs[i]!.blockNumber;
    const indexedAt = ctx.indexed.indexedAt(blockNumber) ?? Number.NaN;
    samples.push({ blockAt, blockNumber, indexedAt, createdAt: event.createdAt, receivedAt: event.receivedAt });
  }
  return samples;
}

async function oneAtATime(ctx: Context, { alongside }: { alongside: boolean }): Promise<Sample[]> {
  const chain = ctx.gateway.stack.chain(CHAIN);
  const orders = await createOrders(ctx.shop, PAYMENTS);
  const hungOrders = alongside ? await createOrders(ctx.hungShop, PAYMENTS) : [];
  const samples: Sample[] = [];
  for (const [i, order] of orders.entries()) {
    await sleep(Math.random() * 300);
    // The hung merchant's payment goes first, in its own block: its deliveries are hanging when ours is sent.
    if (alongside) await sendPayments(chain.url, chain.record, payments(ctx, [hungOrders[i]!], ctx.hungShop, i));
    samples.push(
      ...(await measure(ctx, [order], async () => {
        const hashes = await sendPayments(chain.url, chain.record, payments(ctx, [order], ctx.shop, i));
        return { hashes, blockAt: Date.now() }; // automine: the send returns once the payment's block exists
      })),
    );
  }
  return samples;
}

async function bursts(ctx: Context): Promise<Sample[]> {
  const chain = ctx.gateway.stack.chain(CHAIN);
  const samples: Sample[] = [];
  for (let done = 0; done < PAYMENTS; done += BURST) {
    const orders = await createOrders(ctx.shop, Math.min(BURST, PAYMENTS - done));
    await sleep(Math.random() * 300);
    await setAutomine(chain.url, false);
    try {
      samples.push(
        ...(await measure(ctx, orders, async () => {
          const hashes = await sendPayments(chain.url, chain.record, payments(ctx, orders, ctx.shop, done));
          await mine(chain.url, 1);
          return { hashes, blockAt: Date.now() };
        })),
      );
    } finally {
      await setAutomine(chain.url, true);
    }
  }
  return samples;
}

/** What the API listed and what arrived: nothing lost, nothing doubled. */
async function counts(merchant: GatewayMerchant, delivered: DeliveredEvent[], paidOrders: number) {
  const listed: { id: string; type: string }[] = [];
  let cursor: string | null = null;
  do {
    const path: string = `/v1/events?limit=100${cursor ? `&cursor=${cursor}` : ""}`;
    const page = await merchant.read(eventRoutes.listEvents, 200, path);
    listed.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  const ids = new Set(delivered.map((d) => d.id));
  const listedPaid = listed.filter((e) => e.type === "order.paid").length;
  return {
    eventsListed: listed.length,
    orderPaidListed: listedPaid,
    deliveriesReceived: delivered.length,
    distinctEventsReceived: ids.size,
    duplicates: delivered.length - ids.size,
    missing: listed.filter((e) => !ids.has(e.id)).length,
    paymentsMade: paidOrders,
    ok: listedPaid === paidOrders && delivered.length === ids.size && listed.every((e) => ids.has(e.id)),
  };
}

/** CPU seconds the process used (user + system), from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 a second on Linux)
}

async function idleCpu(pid: number) {
  await sleep(2_000);
  const before = await cpuSeconds(pid);
  const started = performance.now();
  await sleep(IDLE_SECONDS * 1000);
  const used = (await cpuSeconds(pid)) - before;
  const seconds = (performance.now() - started) / 1000;
  return { seconds: Math.round(seconds * 10) / 10, cpuSeconds: Math.round(used * 100) / 100, percentOfOneCore: Math.round((used / seconds) * 1000) / 10 };
}

async function run(kind: TestDatabaseKind) {
  log(`${kind}: starting the stack`);
  const gateway = await startGateway({
    database: kind,
    payers: PAYERS,
    merchants: [
      { name: "Bench Shop", payout: DEV_ACCOUNTS.merchant },
      { name: "Hung Shop", payout: HUNG_PAYOUT },
    ],
  });
  const receiver = await startVerifyingReceiver();
  const hanging = await startHangingReceiver();
  const indexed = watchIndexedBlocks(gateway.indexer.url);
  try {
    const [shop, hungShop] = gateway.merchants as [GatewayMerchant, GatewayMerchant];
    receiver.useSecret(await shop.addEndpoint(receiver.url));
    const ctx: Context = { gateway, shop, hungShop, paidEvent: paidListener(receiver), indexed };
    await oneAtATimeWarmUp(ctx, await createOrders(shop, WARM_UP));

    const scenario = async (name: string, what: string, samples: () => Promise<Sample[]>, note = () => "") => {
      if (!SCENARIOS.includes(name)) return null;
      log(`${kind}: (${name}) ${what}`);
      const figures = describeSamples(await samples());
      log(`${kind}: (${name}) p50 ${figures.p50Ms} ms, p95 ${figures.p95Ms} ms, load ${figures.loadAverage.join(" ")}${note()}; stages ${JSON.stringify(figures.stages)}`);
      return figures;
    };
    const a = await scenario("a", "one at a time", () => oneAtATime(ctx, { alongside: false }));
    const b = await scenario("b", `bursts of ${BURST} in one block`, () => bursts(ctx));
    log(`${kind}: idle CPU over ${IDLE_SECONDS} s`);
    const idle = await idleCpu(gateway.api.process.pid!);
    const checkout = await measureCheckoutPaid({ gateway, merchant: shop });
    if (checkout) log(`${kind}: checkout block -> Paid p50 ${checkout.p50Ms} ms, max ${checkout.maxMs} ms (${checkout.samplesMs.join(", ")})`);

    if (SCENARIOS.includes("c")) await hungShop.addEndpoint(hanging.url);
    const hung = () => ` (hung endpoint: ${hanging.received()} requests, ${hanging.open()} open)`;
    const c = await scenario("c", "alongside a merchant whose endpoint never answers", () => oneAtATime(ctx, { alongside: true }), hung);

    await sleep(1_000); // anything still on its way (there should be nothing)
    const paidOrders = WARM_UP + PAYMENTS * SCENARIOS.length + (checkout?.payments ?? 0);
    return {
      oneAtATime: a,
      burstInOneBlock: b && { ...b, paymentsPerBlock: BURST },
      withHangingEndpoint: c && { ...c, hangingEndpointRequests: hanging.received(), hangingEndpointOpen: hanging.open() },
      counts: await counts(shop, receiver.delivered, paidOrders),
      rejectedDeliveries: receiver.rejected.length,
      idleApiCpu: idle,
      checkoutBlockToPaid: checkout,
    };
  } finally {
    indexed.stop();
    await gateway.stop();
    await receiver.stop();
    await hanging.stop();
  }
}

/** A few payments measured and thrown away: first connections, first queries, JIT. */
async function oneAtATimeWarmUp(ctx: Context, orders: GatewayOrder[]) {
  const chain = ctx.gateway.stack.chain(CHAIN);
  for (const [i, order] of orders.entries()) {
    await measure(ctx, [order], async () => ({ hashes: await sendPayments(chain.url, chain.record, payments(ctx, [order], ctx.shop, i)), blockAt: Date.now() }));
  }
}

// BENCH_DATABASES=pglite (or postgres), BENCH_SCENARIOS and a small BENCH_PAYMENTS make a quick run while iterating; the figures to
// report are the default's: both databases, 200 payments a scenario.
const DATABASES = (process.env.BENCH_DATABASES ?? "pglite,postgres").split(",") as TestDatabaseKind[];
// BENCH_SCENARIOS=b (or a,c, ...) runs only those scenarios; the full run is all three.
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? "a,b,c").split(",");
await requirePostgres();
const pglite = DATABASES.includes("pglite") ? await run("pglite") : null;
const postgres = DATABASES.includes("postgres") ? await run("postgres") : null;
const figures = {
  paymentsPerScenario: PAYMENTS,
  loadAverageAtEnd: loadavg().map((n) => Math.round(n * 100) / 100),
  indexerPollingIntervalMs: LOCAL_POLLING_INTERVAL_MS,
  goals: { ...GOALS, nothingLostOrDoubled: true },
  apiSettings: "defaults of `npm run api` (CONFIRMER_INTERVAL_MS 2000, WEBHOOK_POLL_MS 50, WEBHOOK_CONCURRENCY 64, WEBHOOK_ENDPOINT_CONCURRENCY 8)",
  pglite,
  postgres,
};
const file = await writeBenchResult("e2e", figures);
console.log(JSON.stringify(figures, null, 2));
log(`Written to ${file}`);
process.exit(0);
