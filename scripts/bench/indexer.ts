/**
 * `npm run bench:indexer`: how fast the indexer backfills and how soon a new payment is queryable.
 *
 * Backfill: 5,000 PaymentReceived events pre-mined on a local chain (250 payments a block, then 40 empty blocks so all
 * of them are behind Ponder's 30-block finality and go through its historical sync), indexed from scratch by our app
 * on PGlite and on Postgres, and by a bare Ponder app (same config, empty handler, no tables). Events/s counts from
 * Ponder's "Started backfill indexing" to `/ready` answering 200; the fixed boot before it (build, database open) is
 * reported apart as `startupMs`. Each figure is the median of `BENCH_RUNS` (default 3) fresh databases; the two apps run
 * by turns and the overhead ratio is the median of the per-turn ratios.
 *
 * Realtime: 100 payments, one block each at random moments; for each, the time from its block being mined (the send
 * returning, automine on) to its row being returned by `@ponder/client`.
 *
 * Postgres runs use DATABASE_URL or the local server (a unique schema per run, dropped after); with neither it stops.
 */
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { count, eq } from "@ponder/client";
import { LOCAL_POLLING_INTERVAL_MS } from "../../indexer/config/chains.js";
import { payment } from "../../indexer/ponder.schema.js";
import { type RunningIndexer, startIndexer } from "../stack/indexer-process.js";
import { blockNumber, mine, setAutomine } from "../../test/support/chain.js";
import { type TestDatabaseKind, createTestDatabase } from "../../test/support/database.js";
import { paymentClient, waitForIndexedHead } from "../../test/support/indexer.js";
import { allPaymentLogs, pay, randomOrderRef, sendPayments } from "../../test/support/payments.js";
import { type StackChain, type TestStack, startTestStack } from "../../test/support/stack.js";
import { waitFor } from "../../test/support/wait.js";
import { freePort } from "../stack/ports.js";
import { writeBenchResult } from "./results.js";
import { requirePostgres } from "../../test/support/postgres-server.js";

const EVENTS = 5_000;
const PAYMENTS_PER_BLOCK = 250;
const REALTIME_PAYMENTS = 100;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BARE_APP = path.join(path.dirname(fileURLToPath(import.meta.url)), "bare-indexer");
const OUR_APP = undefined; // startIndexer's default root: indexer/

const log = (message: string) => console.log(`[bench:indexer] ${message}`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const round = (value: number) => Math.round(value * 10) / 10;

interface BackfillRun {
  eventsPerSec: number;
  backfillMs: number;
  startupMs: number;
}

/** Pre-mines EVENTS payments, many per block, all behind the finality window. */
async function premine(chain: StackChain): Promise<void> {
  const tokens = chain.record.tokens;
  await setAutomine(chain.url, false);
  try {
    for (let sent = 0; sent < EVENTS; sent += PAYMENTS_PER_BLOCK) {
      const batch = Array.from({ length: Math.min(PAYMENTS_PER_BLOCK, EVENTS - sent) }, (_, i) => ({
        token: tokens[(sent + i) % tokens.length]!.address,
        amount: BigInt(1 + sent + i),
        orderRef: randomOrderRef(),
      }));
      await sendPayments(chain.url, chain.record, batch);
      await mine(chain.url);
    }
  } finally {
    await setAutomine(chain.url, true);
  }
  await mine(chain.url, 40);
  const logs = await allPaymentLogs(chain.url, chain.record);
  if (logs.length !== EVENTS) throw new Error(`Pre-mined ${logs.length} payments, expected ${EVENTS} (a payment reverted?)`);
}

/** Sum of Ponder's `ponder_indexing_completed_events` counter: what the app's handlers have processed. */
async function completedEvents(indexer: RunningIndexer): Promise<number> {
  const metrics = await (await fetch(`${indexer.url}/metrics`)).text();
  return metrics
    .split("\n")
    .filter((line) => line.startsWith("ponder_indexing_completed_events"))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

async function backfillRun(stack: TestStack, kind: TestDatabaseKind, root: string | undefined): Promise<BackfillRun> {
  const database = await createTestDatabase(kind);
  const spawnedAt = Date.now();
  let backfillStartedAt: number | undefined;
  let indexer: RunningIndexer | undefined;
  try {
    indexer = await startIndexer({
      root,
      port: await freePort(),
      env: { ...stack.indexerEnv, ...database.env },
      schema: database.schema,
      waitFor: "listening",
      onLog: (entry) => {
        if (entry.msg === "Started backfill indexing") backfillStartedAt ??= entry.time;
      },
    });
    const url = indexer.url;
    await waitFor("/ready", async () => (await fetch(`${url}/ready`)).status === 200, { timeoutMs: 600_000, intervalMs: 10 });
    const readyAt = Date.now();
    if (backfillStartedAt === undefined) throw new Error("Ponder logged no backfill start");

    const processed = await completedEvents(indexer);
    if (processed < EVENTS) throw new Error(`Only ${processed} of ${EVENTS} events were processed`);
    if (root === OUR_APP) {
      const [{ rows } = { rows: 0 }] = await paymentClient(url).db.select({ rows: count() }).from(payment);
      if (Number(rows) !== EVENTS) throw new Error(`${rows} payment rows, expected ${EVENTS}`);
    }
    const backfillMs = readyAt - backfillStartedAt;
    return { eventsPerSec: (EVENTS / backfillMs) * 1000, backfillMs, startupMs: backfillStartedAt - spawnedAt };
  } finally {
    await indexer?.stop();
    await database.drop();
  }
}

/**
 * Our app and the bare app, run by turns (the order alternating) on fresh databases: background load on a shared
 * 2-core machine then weighs on both alike, and the overhead ratio is taken per pair.
 */
async function backfillPair(stack: TestStack, kind: TestDatabaseKind) {
  const ours: BackfillRun[] = [];
  const bare: BackfillRun[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const order = run % 2 === 1 ? ([[OUR_APP, ours], [BARE_APP, bare]] as const) : ([[BARE_APP, bare], [OUR_APP, ours]] as const);
    for (const [root, runs] of order) {
      runs.push(await backfillRun(stack, kind, root));
      const { eventsPerSec, backfillMs } = runs.at(-1)!;
      log(`${root === OUR_APP ? "indexer" : "bare app"} on ${kind}, run ${run}/${RUNS}: ${round(eventsPerSec)} events/s (${backfillMs} ms)`);
    }
  }
  const summary = (runs: BackfillRun[]) => ({
    eventsPerSec: round(median(runs.map((r) => r.eventsPerSec))),
    backfillMs: median(runs.map((r) => r.backfillMs)),
    startupMs: median(runs.map((r) => r.startupMs)),
    runs: runs.map((r) => round(r.eventsPerSec)),
  });
  const ratios = ours.map((run, i) => run.eventsPerSec / bare[i]!.eventsPerSec);
  return { ours: summary(ours), bare: summary(bare), ratioToBare: Math.round(median(ratios) * 100) / 100, ratios: ratios.map((r) => Math.round(r * 100) / 100) };
}

/** Latency of REALTIME_PAYMENTS payments, each in its own block at a random moment of the polling cycle. */
async function realtime(stack: TestStack, kind: TestDatabaseKind) {
  const chain = stack.chains[0]!;
  const database = await createTestDatabase(kind);
  let indexer: RunningIndexer | undefined;
  try {
    indexer = await startIndexer({ port: await freePort(), env: { ...stack.indexerEnv, ...database.env }, schema: database.schema });
    // /ready means the backfill is done; the last unfinalized blocks are still being indexed live until the head.
    await waitForIndexedHead(indexer.url, chain.chainId, await blockNumber(chain.url), 120_000);
    const { db } = paymentClient(indexer.url);
    const token = chain.record.tokens[0]!.address;
    const latencies: number[] = [];
    for (let i = 0; i < REALTIME_PAYMENTS; i++) {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * LOCAL_POLLING_INTERVAL_MS * 1.5));
      const orderRef = randomOrderRef();
      const [hash] = await sendPayments(chain.url, chain.record, [{ token, amount: 1n, orderRef }]);
      const minedAt = Date.now(); // automine: the send returns once the payment's block exists
      await waitFor(`payment ${hash}`, async () => (await db.select().from(payment).where(eq(payment.orderRef, orderRef))).length > 0, {
        intervalMs: 5,
      });
      latencies.push(Date.now() - minedAt);
    }
    return { p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), maxMs: Math.max(...latencies), samples: latencies.length };
  } finally {
    await indexer?.stop();
    await database.drop();
  }
}

const postgres = Boolean(await requirePostgres());

let stack: TestStack | undefined;
try {
  log("Starting a local chain and deploying the gateway…");
  stack = await startTestStack({ chainIds: [31337] });
  log(`Pre-mining ${EVENTS} payments, ${PAYMENTS_PER_BLOCK} a block…`);
  const premineStarted = Date.now();
  await premine(stack.chains[0]!);
  log(`Pre-mined in ${Date.now() - premineStarted} ms`);

  const pglite = await backfillPair(stack, "pglite");
  const postgresPair = postgres ? await backfillPair(stack, "postgres") : null;

  log(`Realtime: ${REALTIME_PAYMENTS} payments…`);
  const live = { pglite: await realtime(stack, "pglite"), postgres: postgres ? await realtime(stack, "postgres") : null };

  // The overhead ratio that counts is on the production database (Postgres) when there is one.
  const headline = postgresPair ?? pglite;
  const figures = {
    events: EVENTS,
    eventsPerBlock: PAYMENTS_PER_BLOCK,
    loadAverage1mAtEnd: loadavg()[0],
    backfill: {
      pgliteEventsPerSec: pglite.ours.eventsPerSec,
      postgresEventsPerSec: postgresPair?.ours.eventsPerSec ?? null,
      bareEventsPerSec: headline.bare.eventsPerSec,
      bareDatabase: postgresPair ? "postgres" : "pglite",
      ratioToBare: headline.ratioToBare,
      goals: { postgresEventsPerSec: 1000, ratioToBare: 0.8 },
      details: { pglite, postgres: postgresPair },
    },
    realtime: {
      p50Ms: live.pglite.p50Ms,
      p95Ms: live.pglite.p95Ms,
      pollingIntervalMs: LOCAL_POLLING_INTERVAL_MS,
      database: "pglite",
      goalP95Ms: LOCAL_POLLING_INTERVAL_MS + 150,
      details: live,
    },
  };
  const file = await writeBenchResult("indexer", figures);
  console.log(JSON.stringify(figures, null, 2));
  log(`Written to ${file}`);
} finally {
  await stack?.stop();
}
