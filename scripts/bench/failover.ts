/**
 * `npm run bench:failover`: how long payments go uncredited when the confirmer's leader fails. Three API instances
 * (real processes) on one Postgres, a dev chain and the Ponder indexer, a payment every ~50 ms. BENCH_FAILURES
 * (10) times each: the leader is killed (SIGKILL, then started again) or frozen (SIGSTOP, thawed once another leads).
 *
 * Leaderless time: from the signal to the first payment credited after it (its row's `created_at`, written by the
 * new leader's confirmer), p50 / p95 / max, per kind and over all. At the end every order must be paid exactly once.
 * Where each one went: the lease the failed leader had left (its deadline, read just before the signal), the
 * takeover after that deadline (the new holder's `acquired_at`), and the new leader's first pass (to the credit);
 * and whether the payment credited had been mined before the takeover (if not, the wait was the payment flow's).
 * Every instance's log is read for why each lost the lead; the load average is recorded at the start and the end.
 * Needs Postgres (DATABASE_URL, or the local server on 127.0.0.1:5432).
 */
import { loadavg } from "node:os";
import { sql } from "drizzle-orm";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import { findPostgres } from "../../test/support/postgres-server.js";
import { waitFor } from "../../test/support/wait.js";
import { type Cluster, type Instance, startCluster, startPaymentFlow } from "../../test/support/cluster.js";
import { writeBenchResult } from "./results.js";

const FAILURES = Number(process.env.BENCH_FAILURES ?? 10);
const LEASE_MS = Number(process.env.CONFIRMER_LEASE_MS ?? 1_000);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), maxMs: sorted.at(-1)!, samplesMs: values };
};

const round1 = (n: number) => Math.round(n * 10) / 10;
const median = (values: number[]) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length > 0 ? percentile(sorted, 50) : null;
};
const breakdown = (samples: Sample[]) => ({
  leaseLeftP50Ms: median(samples.map((s) => s.leaseLeftMs)),
  takeoverAfterDeadlineP50Ms: median(samples.map((s) => s.takenOverMs - s.leaseLeftMs)),
  firstPassP50Ms: median(samples.map((s) => s.firstPassMs)),
  committed: summary(samples.map((s) => s.committedMs)),
  noPaymentWaiting: samples.filter((s) => !s.paymentWaiting).length,
  samples,
});

async function rows<T>(cluster: Cluster, query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await cluster.db.execute(query)) as unknown as { rows: T[] }).rows;
}

/** The first payment credited after `since`: when (its `created_at`, and when its commit was seen), and which order. */
async function firstCreditAfter(cluster: Cluster, since: number): Promise<{ at: number; seenAt: number; orderId: string }> {
  return waitFor(
    "a payment credited after the failure",
    async () => {
      flow?.check();
      const [row] = await rows<{ at: string; order_id: string }>(
        cluster,
        sql`select created_at::text as at, order_id from stablegate.payments
            where created_at > ${new Date(since).toISOString()} order by created_at limit 1`,
      );
      return row ? { at: Date.parse(row.at), seenAt: Date.now(), orderId: row.order_id } : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 20 },
  );
}

const lease = async (cluster: Cluster) =>
  (await rows<{ holder: string; expires: string; acquired: string }>(
    cluster,
    sql`select holder, expires_at::text as expires, acquired_at::text as acquired from stablegate.leader_leases`,
  ))[0];

let flow: ReturnType<typeof startPaymentFlow> | undefined;
const step = (message: string) => console.log(`  ${new Date().toISOString().slice(11, 23)} ${message}`);

/** One failure's leaderless time and where it went (milliseconds from the signal). */
type Sample = { ms: number; committedMs: number; leaseLeftMs: number; takenOverMs: number; firstPassMs: number; paymentWaiting: boolean };

/** The leader, just after a payment was credited, with its lease still the database's word (else it looks again). */
async function currentLeader(cluster: Cluster) {
  for (;;) {
    const leader = await waitFor("a leader", () => cluster.leader(), { timeoutMs: 30_000 });
    // Payments are arriving: the last one was credited a moment ago.
    await firstCreditAfter(cluster, Date.now());
    const held = await lease(cluster);
    if (held?.holder === leader.id && Date.parse(held.expires) > Date.now()) return { leader, expires: Date.parse(held.expires) };
    // On a loaded machine the lead can move on its own between the look and the signal: not a failure of ours.
    step(`${leader.id} no longer holds the lease (${held?.holder}); looking again`);
  }
}

/** The next holder's `acquired_at`, watched from the signal on (the lead may move again before the credit is seen). */
function watchTakeover(cluster: Cluster, from: string) {
  let done = false;
  const taken = (async () => {
    while (!done) {
      const held = await lease(cluster);
      if (held && held.holder !== from) return Date.parse(held.acquired);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return Number.NaN;
  })();
  return { taken, stop: () => (done = true) };
}

async function oneFailure(cluster: Cluster, kind: "kill" | "stop"): Promise<Sample> {
  const { leader, expires } = await currentLeader(cluster);
  step(`${leader.id} leads`);
  const at = Date.now();
  if (kind === "kill") await cluster.kill(leader);
  else cluster.freeze(leader);
  const takeover = watchTakeover(cluster, leader.id);
  const credit = await firstCreditAfter(cluster, at);
  takeover.stop();
  const taken = await takeover.taken;
  const paidAt = flow?.orders.find((o) => o.id === credit.orderId)?.paidAt;
  const sample: Sample = {
    ms: credit.at - at,
    // Its transaction committed by then (seen by a poll every 20 ms): the credit is visible to the merchant.
    committedMs: credit.seenAt - at,
    leaseLeftMs: expires - at,
    takenOverMs: taken - at,
    firstPassMs: credit.at - taken,
    // Mined before the new leader took over (an order still being paid is not in `orders` yet).
    paymentWaiting: paidAt !== undefined && paidAt < taken,
  };
  step(`credited again after ${sample.ms} ms (lease left ${sample.leaseLeftMs}, taken over at ${sample.takenOverMs}, first pass ${sample.firstPassMs}${sample.paymentWaiting ? "" : ", no payment was waiting"})`);
  if (kind === "kill") {
    await cluster.restart(leader);
    step(`${leader.id} started`);
  } else {
    await waitFor("another leader", async () => {
      const next = await cluster.leader();
      return next && next !== leader ? next : undefined;
    });
    cluster.thaw(leader);
    step(`${leader.id} thawed`);
    await waitFor(`${leader.id} to follow`, () => leader.api.output().includes(`confirmer: ${leader.id} lost the lead`)).catch((error) => {
      const { exitCode, signalCode } = leader.api.process;
      throw new Error(`${(error as Error).message}; exit ${exitCode} ${signalCode}; its output:\n${leader.api.output().slice(-4000)}`);
    });
  }
  return sample;
}

/** Why instances lost the lead, and the lease queries that failed, counted from their logs (restarts included). */
function leadLosses(cluster: Cluster) {
  const seen = new WeakSet<object>();
  const reasons: Record<string, number> = {};
  const queryFailures: Record<string, number> = {};
  const watch = () => {
    for (const instance of cluster.instances) {
      const child = instance.api.process;
      if (seen.has(child)) continue;
      seen.add(child);
      let partial = "";
      const read = (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) {
          const why = /lost the lead \(epoch \d+\): (.*?)\s*$/.exec(line)?.[1];
          if (why) reasons[why] = (reasons[why] ?? 0) + 1;
          const failed = /confirmer: ((?:renewing|asking for) the lease failed: .*?)\s*$/.exec(line)?.[1];
          if (failed) queryFailures[failed] = (queryFailures[failed] ?? 0) + 1;
        }
      };
      child.stdout?.on("data", read);
      child.stderr?.on("data", read);
    }
  };
  return { watch, reasons, queryFailures };
}

async function main() {
  const databaseUrl = process.env.DATABASE_URL ?? (await findPostgres());
  if (!databaseUrl) throw new Error("bench:failover needs Postgres: set DATABASE_URL or run one on 127.0.0.1:5432");
  process.env.DATABASE_URL = databaseUrl;
  const cluster = await startCluster({ size: 3, env: { CONFIRMER_LEASE_MS: String(LEASE_MS) } });
  const results: Record<"kill" | "stop", Sample[]> = { kill: [], stop: [] };
  const losses = leadLosses(cluster);
  losses.watch();
  const loadAtStart = loadavg();
  try {
    const epochNow = async () => Number((await rows<{ epoch: string }>(cluster, sql`select epoch::text from stablegate.leader_leases`))[0]?.epoch ?? 0);
    await waitFor("a leader", () => cluster.leader(), { timeoutMs: 60_000 });
    const firstEpoch = await epochNow();
    flow = startPaymentFlow(cluster);
    for (let i = 0; i < FAILURES; i++) {
      for (const kind of ["kill", "stop"] as const) {
        const sample = await oneFailure(cluster, kind);
        losses.watch();
        results[kind].push(sample);
        console.log(`${kind === "kill" ? "kill -9" : "SIGSTOP"} #${i + 1}: next payment credited after ${sample.ms} ms (load ${loadavg()[0]!.toFixed(1)})`);
      }
    }
    const orders = await flow.stop();
    for (const order of orders) {
      await waitFor(`order ${order.id} paid`, async () => (await cluster.read(orderRoutes.getOrder, 200, `/v1/orders/${order.id}`)).status === "paid");
    }
    const [check] = await rows<{ orders: string; wrong: string }>(
      cluster,
      // Orders the flow paid (each awaited as paid above) or that hold any payment: one payment each, the exact
      // amount. An order whose create was cut by a kill and made again under a new key is left unpaid, not wrong.
      sql`select count(*)::text as orders,
            count(*) filter (where p.n > 1 or (p.n = 1 and o.amount_received <> o.amount))::text as wrong
          from stablegate.orders o
          cross join lateral (select count(*) as n from stablegate.payments where order_id = o.id) p`,
    );
    const restarts = cluster.instances.reduce((n, i: Instance) => n + i.restarts, 0);
    const figures = {
      description:
        "Three API instances on one Postgres with payments flowing; the confirmer's leader killed (SIGKILL) or frozen (SIGSTOP). " +
        "Leaderless time: from the signal to the first payment credited after it.",
      leaseMs: LEASE_MS,
      renewEveryMs: LEASE_MS / 5,
      confirmerIntervalMs: 100,
      loadAverage: { atStart: loadAtStart.map(round1), atEnd: loadavg().map(round1) },
      killed: summary(results.kill.map((s) => s.ms)),
      frozen: summary(results.stop.map((s) => s.ms)),
      all: summary([...results.kill, ...results.stop].map((s) => s.ms)),
      // Where the time went, per failure (ms from the signal): the lease left, the takeover, the new leader's pass.
      breakdown: { killed: breakdown(results.kill), frozen: breakdown(results.stop) },
      leadLostBecause: losses.reasons,
      // Each distinct failure is logged once in a row by an instance (leader.ts), so these are runs, not queries.
      leaseQueryFailures: losses.queryFailures,
      // Changes of holder over the run; 2 × BENCH_FAILURES are the failures themselves, the rest moved on their own
      // (a leader that could not renew in time, e.g. starved of CPU).
      leaderChanges: (await epochNow()) - firstEpoch,
      orders: Number(check!.orders),
      ordersNotPaidExactlyOnce: Number(check!.wrong),
      restarts,
    };
    const file = await writeBenchResult("failover", figures);
    console.log(JSON.stringify({ killed: figures.killed.p95Ms, frozen: figures.frozen.p95Ms, all: figures.all }, null, 2));
    console.log(`written to ${file}`);
    if (figures.ordersNotPaidExactlyOnce > 0) throw new Error(`${figures.ordersNotPaidExactlyOnce} orders not paid exactly once`);
  } finally {
    await cluster.stop();
  }
}

await main();
