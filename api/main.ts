/**
 * `npm run api`: reads the settings, migrates the database, serves the HTTP API and runs the confirmer.
 * `startApi` is the same thing as a function, for end-to-end tests and benchmarks.
 */
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { createApp } from "./app.js";
import { warmCheckoutAssets } from "./checkout/assets.js";
import { publicBaseUrlWarning } from "./checkout/metamask.js";
import { ConfigError, parseConfig, type Config } from "./config.js";
import { Confirmer } from "./confirmer/confirmer.js";
import { createIndexerSource } from "./confirmer/indexer-source.js";
import { withDepositTransfers } from "./confirmer/deposit-transfers.js";
import { createSweepers, startSweeperLoops } from "./sweeper/runner.js";
import { type ConfirmerWakeups, liveIndexerWakeups } from "./confirmer/indexer-wakeups.js";
import type { PaymentSource } from "./confirmer/payment-source.js";
import { Leadership } from "./confirmer/leader.js";
import { startConfirmerLoops } from "./confirmer/runner.js";
import { createIndexerRefundSource } from "./confirmer/refund-source.js";
import { confirmRefunds } from "./refunds/confirm.js";
import type { RefundSource } from "./refunds/source.js";
import { type DatabaseHandle, openDatabase, type Transaction } from "./db/client.js";
import { migrate } from "./db/migrate.js";
import { DeploymentRecordError } from "../contracts/deployments/record.js";
import { ChainCatalog } from "./chains/catalog.js";
import { rpcChainReader } from "./chains/rpc.js";
import { WebhookDispatcher } from "./webhooks/dispatcher.js";
import { loadOrCreateKeyFile } from "./webhooks/secret-box.js";

export type RunningApi = { url: string; port: number; stop(): Promise<void> };

export type StartApiOptions = {
  source?: PaymentSource | null;
  /** Where the refund confirmer step reads `RefundSent` logs; by default the indexer beside the payment source. */
  refundSource?: RefundSource | null;
  log?: (...args: unknown[]) => void;
  /** What wakes the confirmer early; by default the indexer's live updates when the indexer is the source. */
  wakeups?: ConfirmerWakeups;
};

type Log = (...args: unknown[]) => void;
/** What `stop()` ends, last started first. */
type Stops = (() => Promise<unknown>)[];

export async function startApi(settings: Config, options: StartApiOptions = {}): Promise<RunningApi> {
  // Every line names the instance: with several behind one load balancer, the logs say which one spoke.
  const write = options.log ?? console.error;
  const log: Log = (...args) => write(`[${settings.instanceId}]`, ...args);
  const config = await withSecretsKey(settings);
  const chains = await ChainCatalog.load({ dir: config.deploymentsDir, confirmations: config.confirmations });
  const handle = await openMigratedDatabase(config, log);
  const stops: Stops = [() => handle.close()];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const now = () => new Date();
    if (config.webhooks.dispatcherEnabled) {
      const webhooks = { ...config.webhooks, secretsKey: config.webhooks.secretsKey! };
      const dispatcher = new WebhookDispatcher({ db: handle.db, config: webhooks, now, log: (message, error) => log(message, error ?? "") }).start();
      stops.push(() => dispatcher.stop());
    }
    const leadership = startConfirmer({ config, handle, chains, options, now, log, stops });
    const instance = { id: config.instanceId, isConfirmerLeader: () => leadership?.isLeader() ?? false };
    const app = createApp({ config, db: handle.db, chains, now, instance });
    // Bundle the checkout's script now, in the background, rather than on the first customer's page view.
    warmCheckoutAssets();
    const httpsWarning = publicBaseUrlWarning(config.publicBaseUrl);
    if (httpsWarning) log(`warning: ${httpsWarning}`);
    const server = await listen(app, config);
    stops.push(() => closeServer(server));
    const port = (server.address() as AddressInfo).port;
    let stopping: Promise<void> | undefined;
    return { url: `http://${config.host}:${port}`, port, stop: () => (stopping ??= stopAll()) };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Postgres deployments must set SECRETS_KEY (config.ts); the embedded database keeps a generated key beside it. */
async function withSecretsKey(settings: Config): Promise<Config> {
  if (settings.webhooks.secretsKey) return settings;
  return { ...settings, webhooks: { ...settings.webhooks, secretsKey: await loadOrCreateKeyFile(settings.database.dataDir) } };
}

async function openMigratedDatabase(config: Config, log: Log): Promise<DatabaseHandle> {
  const handle = await openDatabase({ ...config.database, applicationName: `stablegate-${config.instanceId}` });
  try {
    const applied = await migrate(handle.db);
    if (applied.length > 0) log(`database: applied ${applied.join(", ")}`);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Leadership and, while this instance leads, the confirmer's loops: payments (router and deposit transfers), refunds,
 * order expiry, and the sweeper's forwards (all fenced by the lease). Nothing when the confirmer is turned off; what
 * it starts goes on `stops`.
 */
function startConfirmer({
  config,
  handle,
  chains,
  options,
  now,
  log,
  stops,
}: {
  config: Config;
  handle: DatabaseHandle;
  chains: ChainCatalog;
  options: StartApiOptions;
  now: () => Date;
  log: Log;
  stops: Stops;
}): Leadership | null {
  if (!config.confirmerEnabled) return null;
  const given = options.source === undefined ? createIndexerSource(config) : options.source;
  const refundSource = options.refundSource !== undefined ? options.refundSource : given ? createIndexerRefundSource(config, given) : null;
  // The indexer's rows are router payments; its token transfers to the watched deposit addresses come along too.
  const source =
    options.source === undefined && given
      ? withDepositTransfers(given, { db: handle.db, chains, indexerUrl: config.indexerUrl, watchSeconds: config.depositWatchSeconds, now })
      : given;
  const wakeups =
    options.wakeups ?? (options.source === undefined ? liveIndexerWakeups({ indexerUrl: config.indexerUrl, log: (message) => log(message) }) : undefined);
  const leadership = new Leadership({ handle, instanceId: config.instanceId, leaseMs: config.confirmerLeaseMs, log: (message, error) => log(message, error ?? "") });
  if (!source) log("confirmer: no payment source wired yet (indexer); running order expiry only");
  const fence = (tx: Transaction) => leadership.fence(tx);
  const reader = rpcChainReader(config.rpcUrls);
  const confirmer = new Confirmer({ db: handle.db, source: source ?? idleSource, chains, publicBaseUrl: config.publicBaseUrl, now, fence });
  leadership.start();
  stops.push(() => leadership.stop());
  const loops = startConfirmerLoops({
    leadership,
    handle,
    confirmer,
    intervalMs: config.confirmerIntervalMs,
    expiryIntervalMs: config.expiryIntervalMs,
    wakeups,
    // Fenced like the payment pass: an instance that lost the lead writes no refund either.
    refundPass: refundSource ? () => confirmRefunds({ db: handle.db, source: refundSource, chains, publicBaseUrl: config.publicBaseUrl, now, fence, reader }) : undefined,
    now,
    log: (message, error) => log(message, error ?? ""),
  });
  stops.push(() => loops.stop());
  // Forwards from deposit addresses: only the leader sends them, each write fenced by its lease.
  const sweepers = createSweepers({ db: handle.db, config, chains, fence, log: (message) => log(message) });
  const sweeping = startSweeperLoops({ sweepers, intervalMs: config.sweeper.intervalMs, isLeader: () => leadership.isLeader(), log: (message) => log(message) });
  stops.push(() => sweeping.stop());
  return leadership;
}

/** Serves the app on the configured address; a taken port is a ConfigError naming API_PORT. */
async function listen(app: { fetch: Parameters<typeof serve>[0]["fetch"] }, config: Config): Promise<ServerType> {
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === "EADDRINUSE" ? new ConfigError(`API_PORT: ${config.host}:${config.port} is already in use`) : error;
  });
  return server;
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}

/** Stands in while no indexer is wired: no heads, no payments. */
const idleSource: PaymentSource = {
  isReady: async () => true,
  indexedHead: async () => undefined,
  payments: async () => [],
  blockHashes: async () => new Map(),
};

async function main() {
  let config: Config;
  try {
    config = parseConfig();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  try {
    const api = await startApi(config);
    console.log(`[${config.instanceId}] Stablegate API on ${api.url} (docs: ${api.url}/docs, OpenAPI: ${api.url}/openapi.json)`);
    const shutdown = () => {
      console.log("Stopping…");
      api.stop().then(() => process.exit(0), () => process.exit(1));
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  } catch (error) {
    // What the operator can fix (a setting, a deployment record) is told in one line; anything else with its stack.
    console.error(error instanceof ConfigError || error instanceof DeploymentRecordError ? error.message : error);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
