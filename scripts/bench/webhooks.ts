/**
 * `npm run bench:webhooks`: webhook delivery against a local receiver on 127.0.0.1, in-process, on the embedded
 * PGlite and on Postgres (DATABASE_URL, or the local server; it stops when there is none).
 *
 * - Latency, over BENCH_EVENTS (1,000) orders paid one after another through the real confirmer: from the commit
 *   of the transaction that makes the order `paid` (and writes its event and delivery) to the moment the receiver
 *   has read the signed request. p50 / p95 / p99.
 * - Throughput: BENCH_EVENTS deliveries queued while no dispatcher runs, then one dispatcher drains them: deliveries
 *   recorded as delivered per second.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, count, eq } from "drizzle-orm";
import { writeDeploymentRecord } from "../../contracts/deployments/record.js";
import { createMerchant, issueApiKey, setPayoutAddress } from "../../api/admin/commands.js";
import { createApp } from "../../api/app.js";
import { parseConfig } from "../../api/config.js";
import { Confirmer } from "../../api/confirmer/confirmer.js";
import type { DatabaseHandle } from "../../api/db/client.js";
import { events, webhookDeliveries, webhookEndpoints } from "../../api/db/schema.js";
import { ChainCatalog } from "../../api/chains/catalog.js";
import { newId } from "../../api/lib/ids.js";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import { WebhookDispatcher } from "../../api/webhooks/dispatcher.js";
import { enqueueDeliveries } from "../../api/webhooks/fan-out.js";
import { onOutbox } from "../../api/webhooks/outbox-signal.js";
import { encryptSecret } from "../../api/webhooks/secret-box.js";
import { generateSecret } from "../../api/webhooks/signing.js";
import { readAs } from "../../test/support/api-client.js";
import { MemoryPaymentSource } from "../../test/support/memory-source.js";
import { writeBenchResult } from "./results.js";
import { requirePostgres } from "../../test/support/postgres-server.js";
import { openTestDatabase } from "../../test/support/database.js";
import { startReceiver } from "../../test/support/webhook-receiver.js";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
const CHAIN = 31337;
const ROUTER = "0xe56eDf8599a241E8097ae3494D967dbB129d8cE3";
const TOKEN = "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9";
const PAYOUT = "0x00000000000000000000000000000000000000D1";

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round = (ms: number) => Math.round(ms * 10) / 10;

/** The receiver (the test kit's): answers 204 and tells who waits for an order's `order.paid` that it arrived. */
async function startBenchReceiver() {
  const waiting = new Map<string, (at: number) => void>();
  const receiver = await startReceiver(
    (request, response) => {
      const at = performance.now();
      response.writeHead(204).end();
      const body = JSON.parse(request.body) as { type: string; orderId: string | null };
      if (body.type === "order.paid" && body.orderId) waiting.get(body.orderId)?.(at);
    },
    { path: "/hooks", keepAliveTimeoutMs: 60_000 },
  );
  return {
    url: receiver.url,
    received: () => receiver.requests.length,
    arrival: (orderId: string) => new Promise<number>((resolve) => waiting.set(orderId, resolve)),
    close: receiver.close,
  };
}

async function run(backend: "pglite" | "postgres", handle: DatabaseHandle, deploymentsDir: string) {
  const config = parseConfig({
    DEPLOYMENTS_DIR: deploymentsDir,
    SECRETS_KEY: randomBytes(32).toString("base64"),
    WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    RATE_LIMIT_PER_MINUTE: "1000000",
  });
  const webhooks = { ...config.webhooks, secretsKey: config.webhooks.secretsKey! };
  const db = handle.db;
  const chains = await ChainCatalog.load({ dir: deploymentsDir, confirmations: {} });
  const app = createApp({ config, db, chains, now: () => new Date() });
  const merchant = await createMerchant(db, { name: "Bench shop" });
  await setPayoutAddress(db, chains, { merchantId: merchant.id, chainId: CHAIN, address: PAYOUT });
  const { key } = await issueApiKey(db, { merchantId: merchant.id });
  const receiver = await startBenchReceiver();
  await db.insert(webhookEndpoints).values({
    id: newId("we"),
    merchantId: merchant.id,
    url: receiver.url,
    eventTypes: ["order.paid"],
    secretEncrypted: encryptSecret(webhooks.secretsKey, generateSecret()),
  });

  // Latency: one order at a time, paid through the confirmer (0 confirmations on the local chain: one pass).
  const source = new MemoryPaymentSource();
  const confirmer = new Confirmer({ db, source, chains, publicBaseUrl: config.publicBaseUrl });
  const dispatcher = new WebhookDispatcher({ db, config: webhooks }).start();
  let committedAt = 0;
  const stopListening = onOutbox(() => (committedAt = performance.now()));
  const latencies: number[] = [];
  let block = 1n;
  const warmup = Math.min(50, EVENTS);
  for (let i = 0; i < EVENTS + warmup; i++) {
    const res = await app.request("/v1/orders", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ chainId: CHAIN, symbol: "USDT", amount: "1", merchantOrderId: `bench-${i}` }),
    });
    const order = await readAs(res, orderRoutes.createQrOrder, 201);
    const arrived = receiver.arrival(order.id);
    block += 1n;
    source.payOrder(order, { amount: 1_000_000n, blockNumber: block, blockTimestamp: new Date() });
    await confirmer.confirmAll();
    const at = await arrived;
    if (i >= warmup) latencies.push(at - committedAt);
    if ((i + 1) % 250 === 0) console.error(`${backend}: ${i + 1} orders paid and delivered`);
  }
  stopListening();
  await dispatcher.stop();
  latencies.sort((a, b) => a - b);

  // Throughput: EVENTS deliveries queued at once, then drained.
  const [sample] = await db.select().from(events).where(eq(events.merchantId, merchant.id)).limit(1);
  await db.transaction(async (tx) => {
    for (let i = 0; i < EVENTS; i++) {
      const id = newId("evt");
      await tx.insert(events).values({ id, merchantId: merchant.id, type: "order.paid", orderId: sample!.orderId, data: sample!.data });
      await enqueueDeliveries(tx, { id, merchantId: merchant.id, type: "order.paid" }, { now: new Date() });
    }
  });
  console.error(`${backend}: ${EVENTS} deliveries queued; draining`);
  const before = receiver.received();
  const started = performance.now();
  const drainer = new WebhookDispatcher({ db, config: webhooks }).start();
  for (;;) {
    const [row] = await db
      .select({ n: count() })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.merchantId, merchant.id), eq(webhookDeliveries.status, "pending")));
    if (Number(row!.n) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const elapsedS = (performance.now() - started) / 1000;
  await drainer.stop();
  const drained = receiver.received() - before;
  await receiver.close();

  return {
    backend,
    events: latencies.length,
    p50Ms: round(percentile(latencies, 50)),
    p95Ms: round(percentile(latencies, 95)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies.at(-1)!),
    queued: EVENTS,
    drained,
    deliveriesPerSec: Math.round(EVENTS / elapsedS),
    concurrency: webhooks.concurrency,
    pollMs: webhooks.pollMs,
  };
}

const deploymentsDir = await mkdtemp(path.join(tmpdir(), "stablegate-bench-deployments-"));
await writeDeploymentRecord(
  {
    chainId: CHAIN,
    chainName: "Local dev chain",
    router: ROUTER,
    deployBlock: 1,
    tokens: [{ symbol: "USDT", name: "Tether USD (test)", address: TOKEN, decimals: 6, permit: false }],
  },
  deploymentsDir,
);
const results = [];
try {
  for (const kind of ["pglite", "postgres"] as const) {
    if (kind === "postgres") await requirePostgres();
    // PGlite on disk, as the API runs it; Postgres with the pool the API would use.
    const database = await openTestDatabase(kind, { memory: false, poolSize: 20, prefix: "stablegate_bench" });
    try {
      results.push(await run(kind, database.handle, deploymentsDir));
    } finally {
      await database.drop();
    }
  }
} finally {
  await rm(deploymentsDir, { recursive: true, force: true });
}
for (const r of results) console.log(JSON.stringify(r));
const [embedded] = results;
const file = await writeBenchResult("webhooks", {
  p50Ms: embedded!.p50Ms,
  p95Ms: embedded!.p95Ms,
  deliveriesPerSec: embedded!.deliveriesPerSec,
  goals: { p95Ms: 100, deliveriesPerSec: 500 },
  runs: results,
});
console.log(`wrote ${file}`);
