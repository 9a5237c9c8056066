/**
 * `npm run api`: reads the settings, migrates the database, serves the HTTP API and runs the confirmer.
 * `startApi` is the same thing as a function, for end-to-end tests and benchmarks.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import { warmCheckoutAssets } from "./checkout/assets.js";
import { publicBaseUrlWarning } from "./checkout/metamask.js";
import { ConfigError, parseConfig, type Config } from "./config.js";
import { Confirmer } from "./confirmer/confirmer.js";
import { createIndexerSource } from "./confirmer/indexer-source.js";
import { withDepositTransfers } from "./confirmer/deposit-transfers.js";
import { createSweepers, startSweeperLoops, type SweeperLoops } from "./sweeper/runner.js";
import { type ConfirmerWakeups, liveIndexerWakeups } from "./confirmer/indexer-wakeups.js";
import type { PaymentSource } from "./confirmer/payment-source.js";
import { Leadership } from "./confirmer/leader.js";
import { startConfirmerLoops, type ConfirmerLoops } from "./confirmer/runner.js";
import { createIndexerRefundSource } from "./confirmer/refund-source.js";
import { confirmRefunds } from "./refunds/confirm.js";
import type { RefundSource } from "./refunds/source.js";
import { openDatabase, type Transaction } from "./db/client.js";
import { migrate } from "./db/migrate.js";
import { DeploymentRecordError } from "../contracts/deployments/record.js";
import { ChainCatalog } from "./chains/catalog.js";
import { WebhookDispatcher } from "./webhooks/dispatcher.js";
import { loadOrCreateKeyFile } from "./webhooks/secret-box.js";

export type RunningApi = { url: string; port: number; stop(): Promise<void> };

export async function startApi(
  settings: Config,
  options: {
    source?: PaymentSource | null;
    /** Where the refund confirmer step reads `RefundSent` logs; by default the indexer beside the payment source. */
    refundSource?: RefundSource | null;
    log?: (...args: unknown[]) => void;
    /** What wakes the confirmer early; by default the indexer's live updates when the indexer is the source. */
    wakeups?: ConfirmerWakeups;
  } = {},
): Promise<RunningApi> {
  const { source: given = createIndexerSource(settings), log: write = console.error } = options;
  // Every line names the instance: with several behind one load balancer, the logs say which one spoke.
  const log = (...args: unknown[]) => write(`[${settings.instanceId}]`, ...args);
  const refundSource = options.refundSource !== undefined ? options.refundSource : given ? createIndexerRefundSource(settings, given) : null;
  const wakeups =
    options.wakeups ?? (options.source === undefined ? liveIndexerWakeups({ indexerUrl: settings.indexerUrl, log: (message) => log(message) }) : undefined);
  // Postgres deployments must set SECRETS_KEY (config.ts); the embedded database keeps a generated key beside it.
  const config: Config = settings.webhooks.secretsKey
    ? settings
    : { ...settings, webhooks: { ...settings.webhooks, secretsKey: await loadOrCreateKeyFile(settings.database.dataDir) } };
  const secretsKey = config.webhooks.secretsKey!;
  const chains = await ChainCatalog.load({ dir: config.deploymentsDir, confirmations: config.confirmations });
  const handle = await openDatabase({ ...config.database, applicationName: `stablegate-${config.instanceId}` });
  try {
    const applied = await migrate(handle.db);
    if (applied.length > 0) log(`database: applied ${applied.join(", ")}`);
  } catch (error) {
    await handle.close();
    throw error;
  }
  const now = () => new Date();
  // The indexer's rows are router payments; its token transfers to the watched deposit addresses come along too.
  const source =
    options.source === undefined && given
      ? withDepositTransfers(given, { db: handle.db, chains, indexerUrl: config.indexerUrl, watchSeconds: config.depositWatchSeconds, now })
      : given;
  const leadership = config.confirmerEnabled
    ? new Leadership({ handle, instanceId: config.instanceId, leaseMs: config.confirmerLeaseMs, log: (message, error) => log(message, error ?? "") })
    : null;
  const instance = { id: config.instanceId, isConfirmerLeader: () => leadership?.isLeader() ?? false };
  const app = createApp({ config, db: handle.db, chains, now, instance });
  // Bundle the checkout's script now, in the background, rather than on the first customer's page view.
  warmCheckoutAssets();
  const httpsWarning = publicBaseUrlWarning(config.publicBaseUrl);
  if (httpsWarning) log(`warning: ${httpsWarning}`);

  let loops: ConfirmerLoops | null = null;
  let sweeping: SweeperLoops | null = null;
  if (leadership) {
    if (!source) log("confirmer: no payment source wired yet (indexer); running order expiry only");
    const fence = (tx: Transaction) => leadership.fence(tx);
    const confirmer = new Confirmer({ db: handle.db, source: source ?? idleSource, chains, publicBaseUrl: config.publicBaseUrl, now, fence });
    leadership.start();
    loops = startConfirmerLoops({
      leadership,
      handle,
      confirmer,
      intervalMs: config.confirmerIntervalMs,
      expiryIntervalMs: config.expiryIntervalMs,
      wakeups,
      refundPass: refundSource ? () => confirmRefunds({ db: handle.db, source: refundSource, chains, publicBaseUrl: config.publicBaseUrl, now }) : undefined,
      now,
      log: (message, error) => log(message, error ?? ""),
    });
    // Forwards from deposit addresses: only the leader sends them, each write fenced by its lease.
    const sweepers = createSweepers({ db: handle.db, config, chains, fence, log: (message) => log(message) });
    sweeping = startSweeperLoops({ sweepers, intervalMs: config.sweeper.intervalMs, isLeader: () => leadership.isLeader(), log: (message) => log(message) });
  }

  const dispatcher = config.webhooks.dispatcherEnabled
    ? new WebhookDispatcher({ db: handle.db, config: { ...config.webhooks, secretsKey }, now, log: (message, error) => log(message, error ?? "") }).start()
    : null;

  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  }).catch(async (error: NodeJS.ErrnoException) => {
    await sweeping?.stop();
    await loops?.stop();
    await leadership?.stop();
    await dispatcher?.stop();
    await handle.close();
    throw error.code === "EADDRINUSE" ? new ConfigError(`API_PORT: ${config.host}:${config.port} is already in use`) : error;
  });
  const port = (server.address() as AddressInfo).port;

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${config.host}:${port}`,
    port,
    stop: () =>
      (stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        await sweeping?.stop();
        await loops?.stop();
        await leadership?.stop();
        await dispatcher?.stop();
        await handle.close();
      })()),
  };
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
