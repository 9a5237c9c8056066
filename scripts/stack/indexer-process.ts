/**
 * Runs the indexer (`ponder start --root indexer`) as a child process: for `npm start`, the end-to-end tests and the
 * benchmark. Resolves once Ponder serves HTTP (and, by default, once its backfill is done) with the URL it bound.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { assertPortFree } from "./ports.js";
import { loadIndexedChains } from "../../indexer/config/chains.js";
import { databaseConfig } from "../../indexer/config/database.js";
import { BaseError } from "../../api/lib/base-error.js";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The Ponder app's directory: this launcher lives outside it, so the app imports nothing from `scripts/`. */
export const INDEXER_ROOT = path.join(REPO_ROOT, "indexer");
const PONDER_BIN = path.join(REPO_ROOT, "node_modules", ".bin", "ponder");

/** One line of Ponder's JSON log (pino levels: 30 info, 40 warn, 50 error). */
export interface PonderLogEntry {
  level: number;
  time: number;
  msg: string;
  [field: string]: unknown;
}

export interface StartIndexerOptions {
  /** Where Ponder listens (default 42069); a port in use is an error here, where Ponder would quietly take the next. */
  port?: number;
  hostname?: string;
  /** Database schema of this app's tables (Ponder requires one): `DATABASE_SCHEMA`, else `stablegate`. */
  schema?: string;
  /**
   * Variables over `process.env` for the indexer: `RPC_URL_<chainId>`, `DEPLOYMENTS_DIR`, `INDEXER_CHAIN_IDS`,
   * `DATABASE_URL` or `INDEXER_DATA_DIR`. A key set to undefined removes the inherited variable.
   */
  env?: Record<string, string | undefined>;
  /**
   * Delete the PGlite data first: a local chain starts again from block 0, so last run's rows would be wrong.
   * Refused on Postgres (see below).
   */
  fresh?: boolean;
  /** "ready": backfill done (`/ready` answers 200); "listening": as soon as HTTP is up. */
  waitFor?: "ready" | "listening";
  timeoutMs?: number;
  /** Every log line Ponder writes, parsed. */
  onLog?: (entry: PonderLogEntry) => void;
  /** Another Ponder app directory with the same config rules (the benchmark's bare app). */
  root?: string;
}

export interface RunningIndexer {
  /** Base URL: `/sql`, `/graphql`, `/status`, `/ready`, `/health`, `/metrics`. */
  url: string;
  port: number;
  schema: string;
  process: ChildProcess;
  /** The exit code once the process has ended (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGINT (Ponder unlocks its schema and closes the database), SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export class IndexerStartError extends BaseError {
  override name = "IndexerStartError";
}

export async function startIndexer({
  port = 42069,
  hostname = "127.0.0.1",
  schema = process.env.DATABASE_SCHEMA ?? "stablegate",
  env: overrides = {},
  fresh = false,
  waitFor = "ready",
  timeoutMs = 120_000,
  onLog,
  root = INDEXER_ROOT,
}: StartIndexerOptions = {}): Promise<RunningIndexer> {
  const env = indexerEnv(overrides);
  await checkBeforeStart({ env, fresh, port, hostname, root });
  const { child, exited, stop } = spawnPonder({ root, schema, port, hostname, env });
  const log = followLog(child, onLog);

  const failure = (reason: string) =>
    new IndexerStartError(`The indexer ${reason}.${log.recent.length ? `\n${log.recent.join("\n")}` : ""}`);
  const deadline = Date.now() + timeoutMs;
  try {
    const boundPort = await raceExit(log.listening, exited, deadline, failure);
    const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${boundPort}`;
    if (waitFor === "ready") await raceExit(untilReady(url, deadline, failure), exited, deadline, failure);
    return { url, port: boundPort, schema, process: child, exited, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `process.env` with the caller's overrides (undefined removes a key), relative paths made absolute. */
function indexerEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PONDER_TELEMETRY_DISABLED: "true" };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  // Ponder runs in the app's directory (it writes generated/schema.graphql into its working directory): paths the
  // caller gave relative to its own directory are made absolute first.
  for (const key of ["DEPLOYMENTS_DIR", "INDEXER_DATA_DIR"]) {
    if (env[key]) env[key] = path.resolve(env[key]);
  }
  return env;
}

/** Ponder's own config checks, the port and `fresh`, as exceptions before anything starts; deletes PGlite data if fresh. */
async function checkBeforeStart({
  env,
  fresh,
  port,
  hostname,
  root,
}: { env: NodeJS.ProcessEnv; fresh: boolean; port: number; hostname: string; root: string }): Promise<void> {
  // The same checks Ponder's config makes, here so that a missing RPC URL is an exception rather than a log line.
  await loadIndexedChains(env);
  const database = databaseConfig(env);
  if (fresh && database.kind === "postgres") {
    // Dropping a schema would not be enough: Ponder's RPC cache (`ponder_sync`) is database-wide and keyed by chain id.
    throw new IndexerStartError(
      "fresh needs PGlite: on Postgres, give each new local chain a database of its own (or unset DATABASE_URL)",
    );
  }
  await assertPortFree(port, hostname, "The indexer's port");
  if (fresh && database.kind === "pglite") {
    await rm(database.directory ?? path.join(root, ".ponder", "pglite"), { recursive: true, force: true });
  }
}

/** `ponder start` as a child, killed if this process exits first; `stop` sends SIGINT, then SIGKILL after 10 s. */
function spawnPonder({
  root,
  schema,
  port,
  hostname,
  env,
}: { root: string; schema: string; port: number; hostname: string; env: NodeJS.ProcessEnv }) {
  // The caller's Node binary: Ponder and Hardhat need Node 22, which the caller already runs on.
  const child = spawn(
    process.execPath,
    [PONDER_BIN, "start", "--root", root, "--schema", schema, "--port", String(port), "--hostname", hostname, "--log-format", "json"],
    { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      process.off("exit", killOnExit);
      resolve(code);
    }),
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // SIGINT, not SIGTERM: the Vite server inside Ponder 0.16 exits the process on SIGTERM before Ponder has unlocked
    // its schema, and the next start then waits up to 25 s for the stale lock to expire.
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, exited, stop };
}

/**
 * Reads Ponder's output: the last lines, to say why Ponder stopped, and the bound port, from its "Created HTTP
 * server" line (`listening` resolves with it).
 */
function followLog(child: ChildProcess, onLog?: (entry: PonderLogEntry) => void) {
  const recent: string[] = [];
  let listened!: (port: number) => void;
  const listening = new Promise<number>((resolve) => (listened = resolve));
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > 30) recent.shift();
  };
  createInterface({ input: child.stdout! }).on("line", (line) => {
    let entry: PonderLogEntry;
    try {
      entry = JSON.parse(line) as PonderLogEntry;
    } catch {
      remember(line);
      return;
    }
    if (entry.level >= 40) remember(describeLogEntry(entry));
    if (entry.msg === "Created HTTP server" && typeof entry.port === "number") listened(entry.port);
    onLog?.(entry);
  });
  createInterface({ input: child.stderr! }).on("line", remember);
  return { recent, listening };
}

async function raceExit<T>(
  work: Promise<T>,
  exited: Promise<number | null>,
  deadline: number,
  failure: (reason: string) => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(failure("did not start in time")), Math.max(0, deadline - Date.now()));
  });
  // Give the last log lines a moment to arrive: they carry the reason.
  const early = exited.then(async (code) => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    throw failure(`exited during start-up (code ${code})`);
  });
  try {
    return await Promise.race([work, early, timeout]);
  } finally {
    clearTimeout(timer);
    early.catch(() => {});
  }
}

async function untilReady(url: string, deadline: number, failure: (reason: string) => Error): Promise<void> {
  while (Date.now() < deadline) {
    const status = await fetch(`${url}/ready`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw failure("did not finish its backfill in time");
}

function describeLogEntry({ level, msg, error, ...fields }: PonderLogEntry): string {
  const label = level >= 50 ? "ERROR" : "WARN";
  const detail = error && typeof error === "object" && "message" in error ? ` ${String(error.message)}` : "";
  const rest = Object.entries(fields)
    .filter(([key]) => !["time", "pid", "hostname", "service"].includes(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  return `${label} ${msg}${detail}${rest ? ` ${rest}` : ""}`;
}
