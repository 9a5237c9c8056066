/**
 * `npm run bench:api`: HTTP throughput of the API with autocannon (100 connections, 10 s each): `GET /health` and
 * `createQrOrder` (auth, validation, idempotency-free insert), against the embedded PGlite and, when DATABASE_URL is
 * set, Postgres (a fresh database on that server, dropped afterwards). The API runs as its own process, started
 * exactly as `npm run api` starts it. Each endpoint is measured in BENCH_ROUNDS rounds (3), alternating, after a
 * warm-up of both; the figures are the median throughput and the worst p99 of the rounds, and every round is
 * kept in the JSON. Writes scripts/bench/results/api.json.
 *
 * BENCH_DURATION_S, BENCH_CONNECTIONS and BENCH_ROUNDS shorten or change a run; BENCH_DATABASES (`pglite,postgres`)
 * picks the back-ends.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeDeploymentRecord } from "../../contracts/deployments/record.js";
import { createMerchant, issueApiKey, setPayoutAddress } from "../../api/admin/commands.js";
import { openDatabase } from "../../api/db/client.js";
import { migrate } from "../../api/db/migrate.js";
import { ChainCatalog } from "../../api/chains/catalog.js";
import { writeBenchResult } from "./results.js";
import { requirePostgres } from "../../test/support/postgres-server.js";
import { createTestDatabase, type TestDatabaseKind } from "../../test/support/database.js";
import { freePort } from "../stack/ports.js";

type AutocannonResult = {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
};
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = (await import("autocannon" as string)).default as Autocannon;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const duration = Number(process.env.BENCH_DURATION_S ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 100);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

type Backend = { name: TestDatabaseKind; env: Record<string, string>; cleanup(): Promise<void> };

/** A throw-away database (the test kit's), and the variables that point `npm run api` at it. */
async function backend(kind: TestDatabaseKind): Promise<Backend> {
  const database = await createTestDatabase(kind, { prefix: "stablegate_bench" });
  const env: Record<string, string> =
    kind === "pglite"
      ? { API_DATA_DIR: database.dataDir!, DATABASE_URL: "" }
      : { DATABASE_URL: database.url!, DATABASE_POOL_SIZE: "20", SECRETS_KEY: process.env.SECRETS_KEY ?? randomBytes(32).toString("base64") };
  return { name: kind, env, cleanup: () => database.drop() };
}

async function measure(backend: Backend, deploymentsDir: string) {
  // The merchant and key, made before the API opens the database (PGlite allows one process at a time).
  const handle = await openDatabase({ url: backend.env.DATABASE_URL || undefined, dataDir: backend.env.API_DATA_DIR });
  await migrate(handle.db);
  const chains = await ChainCatalog.load({ dir: deploymentsDir });
  const merchant = await createMerchant(handle.db, { name: "Bench shop" });
  await setPayoutAddress(handle.db, chains, { merchantId: merchant.id, chainId: 31337, address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" });
  const { key } = await issueApiKey(handle.db, { merchantId: merchant.id });
  await handle.close();

  const port = await freePort();
  // `npm run api`, in its own process group so that stopping it stops npm's child too.
  const child = spawn("npm", ["run", "--silent", "api"], {
    cwd: root,
    detached: true,
    env: {
      ...process.env,
      ...backend.env,
      API_PORT: String(port),
      DEPLOYMENTS_DIR: deploymentsDir,
      RATE_LIMIT_PER_MINUTE: "100000000",
      NODE_ENV: "production",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const url = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`API exited: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`API did not start: ${stderr}`);
      const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const health = (seconds: number) => autocannon({ url: `${url}/health`, connections, duration: seconds });
    const create = (seconds: number) =>
      autocannon({
        url: `${url}/v1/orders`,
        connections,
        duration: seconds,
        method: "POST",
        idReplacement: true,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ chainId: 31337, symbol: "USDT", amount: "12.50", merchantOrderId: "bench-[<id>]" }),
      });
    // Warm up both paths (JIT, connection pool, the first pages of the tables) before measuring.
    await health(2);
    await create(2);
    const measured: { health: AutocannonResult; create: AutocannonResult }[] = [];
    for (let round = 0; round < rounds; round++) measured.push({ health: await health(duration), create: await create(duration) });

    const healthRps = median(measured.map((m) => m.health.requests.average));
    const createOrderRps = median(measured.map((m) => m.create.requests.average));
    return {
      healthRps: Math.round(healthRps),
      healthP99Ms: Math.max(...measured.map((m) => m.health.latency.p99)),
      createOrderRps: Math.round(createOrderRps),
      createOrderP50Ms: median(measured.map((m) => m.create.latency.p50)),
      createOrderP99Ms: Math.max(...measured.map((m) => m.create.latency.p99)),
      createOrderTotal: measured.reduce((sum, m) => sum + m.create.requests.total, 0),
      non2xx: measured.reduce((sum, m) => sum + m.health.non2xx + m.create.non2xx, 0),
      errors: measured.reduce((sum, m) => sum + m.health.errors + m.create.errors + m.health.timeouts + m.create.timeouts, 0),
      createToHealthRatio: Number((createOrderRps / Math.max(healthRps, 1)).toFixed(3)),
      rounds: measured.map((m) => ({
        healthRps: Math.round(m.health.requests.average),
        createOrderRps: Math.round(m.create.requests.average),
        createOrderP99Ms: m.create.latency.p99,
        createToHealthRatio: Number((m.create.requests.average / Math.max(m.health.requests.average, 1)).toFixed(3)),
      })),
    };
  } finally {
    // Signal the whole group (npm, its shell, the API), then wait until none of them is left.
    const signal = (name: NodeJS.Signals | 0) => {
      try {
        process.kill(-child.pid!, name);
        return true;
      } catch {
        return false; // no process left in the group
      }
    };
    signal("SIGTERM");
    const deadline = Date.now() + 10_000;
    while (signal(0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    signal("SIGKILL");
    await exited;
  }
}

const deploymentsDir = await mkdtemp(path.join(tmpdir(), "stablegate-bench-deployments-"));
await writeDeploymentRecord(
  {
    chainId: 31337,
    chainName: "Local dev chain",
    router: "0xe56eDf8599a241E8097ae3494D967dbB129d8cE3",
    deployBlock: 1,
    tokens: [{ symbol: "USDT", name: "Tether USD (test)", address: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9", decimals: 6, permit: false }],
  },
  deploymentsDir,
);

const results: Record<string, unknown> = {};
const kinds = (process.env.BENCH_DATABASES ?? "pglite,postgres").split(",").map((kind) => kind.trim()) as TestDatabaseKind[];
const backends: Backend[] = [];
for (const kind of kinds) {
  if (kind === "postgres") await requirePostgres();
  backends.push(await backend(kind));
}
try {
  for (const database of backends) {
    try {
      console.log(`${database.name}: ${connections} connections, ${rounds} rounds of ${duration} s per endpoint…`);
      results[database.name] = await measure(database, deploymentsDir);
      console.log(database.name, results[database.name]);
    } finally {
      await database.cleanup();
    }
  }
} finally {
  await rm(deploymentsDir, { recursive: true, force: true });
}

const file = await writeBenchResult("api", {
  connections,
  durationSeconds: duration,
  rounds,
  goals: { createToHealthRatioOnPostgres: ">= 0.2", createOrderP99Ms: "< 50", non2xx: 0 },
  ...results,
});
console.log(`Wrote ${file}`);
