/**
 * The whole gateway for end-to-end tests and `bench:e2e`: the test stack (dev chain, router, funded payers, indexer)
 * and the API as its own process, on PGlite or on Postgres, with merchants set up as `npm run admin` does (payout
 * address, API key) and a way to call the API as each of them. The indexer can be stopped and started again on the
 * same port and data, as an operator restarting it would.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Address, createPublicClient, createWalletClient, type Hex, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type DatabaseHandle, openDatabase } from "../../api/db/client.js";
import { migrate } from "../../api/db/migrate.js";
import { ChainCatalog } from "../../api/chains/catalog.js";
import type { RunningIndexer } from "../../scripts/stack/indexer-process.js";
import { freePort } from "../../scripts/stack/ports.js";
import { type TestDatabase, type TestDatabaseKind, createTestDatabase } from "./database.js";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import * as endpointRoutes from "../../api/routes/webhook-endpoints/webhook-endpoints.routes.js";
import type { OrderView } from "../../api/orders/views.js";
import { hc } from "hono/client";
import type { checkoutRouter } from "../../api/routes/checkout/checkout.index.js";
import { bodyOf, type JsonOf, type RouteLike, readAs } from "./api-client.js";
import { type MerchantSetUp, setUpMerchant } from "./merchants.js";
import { DEV_ACCOUNTS } from "./payments.js";
import { type TestStack, startTestStack } from "./stack.js";
import { type ApiProcess, startApiProcess } from "./api-process.js";

export const CHAIN = 31337;

export type GatewayOrder = OrderView;

/** The API called as one merchant, with its API key. */
export interface MerchantApi {
  /** The API's answer as it is. */
  request(method: string, route: string, body?: unknown): Promise<Response>;
  /**
   * `path` called with `route`'s method, its answer read with `readAs`: the status must be `status`, the body is
   * parsed with the route's documented schema and comes back typed.
   */
  read<R extends RouteLike, S extends keyof R["responses"] & number>(route: R, status: S, path: string, body?: unknown): Promise<JsonOf<R, S>>;
}

/** Calls to the API at `apiUrl()` (asked on each call: a restarted API may move) with `key` as the Bearer token. */
export function merchantApi(apiUrl: () => string, key: string): MerchantApi {
  const request = (method: string, route: string, body?: unknown) =>
    fetch(`${apiUrl()}${route}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return { request, read: async (route, status, path, body) => readAs(await request(route.method.toUpperCase(), path, body), route, status) };
}

/**
 * A checkout's public JSON, as its page polls it (`<checkout URL>/status`), through Hono's typed client: typed as the
 * handler returns it (the route has no OpenAPI declaration). `checkoutUrl` is the page's URL where this machine
 * reaches it.
 */
export async function checkoutStatus(checkoutUrl: string) {
  const { origin, pathname } = new URL(checkoutUrl);
  const token = pathname.replace(/^\/pay\//, "");
  return bodyOf(await hc<typeof checkoutRouter>(origin).pay[":token"].status.$get({ param: { token } }), 200);
}

export interface GatewayMerchant extends MerchantApi {
  id: string;
  payout: Address;
  createOrder(amount: string, extra?: Record<string, unknown>): Promise<GatewayOrder>;
  /** Registers a webhook endpoint; returns its secret. */
  addEndpoint(url: string): Promise<string>;
}

export interface Gateway {
  stack: TestStack;
  indexer: RunningIndexer;
  /** The running API process (a new one after `startApi`). */
  api: ApiProcess;
  merchants: GatewayMerchant[];
  /** Stops the indexer (SIGINT) and starts it again on the same port and database. */
  stopIndexer(): Promise<void>;
  startIndexer(): Promise<RunningIndexer>;
  /** kill -9 of the API: no clean shutdown, and nothing answers on its port afterwards. */
  killApi(): Promise<void>;
  /** Stops the API (SIGTERM), e.g. to open its embedded database as the operator would. */
  stopApi(): Promise<void>;
  /**
   * Starts the API again on the same port, database and settings, as an operator restarting it would; `extraEnv`
   * adds to (or overrides) the settings for this start only.
   */
  startApi(extraEnv?: Record<string, string | undefined>): Promise<ApiProcess>;
  /** The API's database, opened as `npm run admin` opens it (on PGlite, stop the API first). */
  openApiDatabase(): Promise<DatabaseHandle>;
  stop(): Promise<void>;
}

/** A merchant to set up: its name, its payout wallet on the local chain, and its own settings if any (e.g. confirmations). */
export type GatewayMerchantSetUp = { name: string; payout: Address } & Omit<MerchantSetUp, "name" | "payouts">;

export type GatewayOptions = {
  database?: TestDatabaseKind;
  payers: readonly Address[];
  merchants: GatewayMerchantSetUp[];
  /** Blocks a payment needs on the local chain (CHAIN_CONFIRMATIONS); the chain's default otherwise. */
  confirmations?: number;
  apiEnv?: Record<string, string | undefined>;
  /** Gives the API each chain's RPC (`RPC_URL_<chainId>`): to verify recorded refund transactions, to forward. */
  rpc?: boolean;
  /**
   * A sweeper for the local chain (`SWEEPER_PRIVATE_KEY_<chainId>`, with the RPC), funded by the operator with
   * `funds` wei (10 ETH unless said) before the API starts: it pays the forwards' gas, nothing else.
   */
  sweeper?: { privateKey: Hex; funds?: bigint };
};

type Cleanups = (() => Promise<unknown>)[];

export async function startGateway({ database = "pglite", payers, merchants: wanted, confirmations, ...options }: GatewayOptions): Promise<Gateway> {
  const cleanups: Cleanups = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  try {
    const stack = await startTestStack({ database, payers });
    cleanups.push(() => stack.stop());
    const indexerPort = await freePort();
    let indexer = await stack.startIndexer({ port: indexerPort });
    const store = await apiDatabase(database, cleanups);
    const keys = await setUpMerchants(store, stack.deploymentsDir, wanted, confirmations);
    const apiEnv = { ...(await chainAccess(stack, options)), ...options.apiEnv };
    const api = await startApiSide(store, { stack, indexer, confirmations, apiEnv }, cleanups);
    let running = true;
    return {
      stack,
      get indexer() {
        return indexer;
      },
      get api() {
        return api.current;
      },
      merchants: keys.map((key) => merchantClient(() => api.current.url, key)),
      stopIndexer: async () => {
        running = false;
        await indexer.stop();
      },
      startIndexer: async () => {
        if (running) return indexer;
        indexer = await stack.startIndexer({ port: indexerPort });
        running = true;
        return indexer;
      },
      killApi: () => api.current.kill(),
      stopApi: () => api.current.stop(),
      startApi: (extraEnv) => api.restart(extraEnv),
      openApiDatabase: () => openDatabase({ url: store.env.DATABASE_URL, dataDir: store.dataDir ?? ".data/unused" }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The API process on a free port, with the settings e2e tests share; `restart()` starts it again the same way. */
async function startApiSide(
  store: ApiDatabase,
  { stack, indexer, confirmations, apiEnv }: { stack: TestStack; indexer: RunningIndexer; confirmations?: number; apiEnv: Record<string, string | undefined> },
  cleanups: Cleanups,
) {
  const env = {
    ...store.env,
    DEPLOYMENTS_DIR: stack.deploymentsDir,
    INDEXER_URL: indexer.url,
    AUTH_CACHE_MS: "0",
    RATE_LIMIT_PER_MINUTE: "1000000", // tests poll; the limit itself is covered by the API suites
    WEBHOOK_ALLOW_PRIVATE_TARGETS: "true", // receivers are on 127.0.0.1
    ...(confirmations === undefined ? {} : { CHAIN_CONFIRMATIONS: `${CHAIN}=${confirmations}` }),
    ...apiEnv,
  };
  const port = await freePort();
  const side = {
    current: await startApiProcess(env, port),
    restart: async (extraEnv: Record<string, string | undefined> = {}) => (side.current = await startApiProcess({ ...env, ...extraEnv }, port)),
  };
  cleanups.push(() => side.current.stop());
  return side;
}

/** The API's access to the chains: their RPC URLs, and the local chain's sweeper, funded. */
async function chainAccess(stack: TestStack, { rpc = false, sweeper }: Pick<GatewayOptions, "rpc" | "sweeper">) {
  const env: Record<string, string> = {};
  if (rpc || sweeper) for (const chain of stack.chains) env[`RPC_URL_${chain.chainId}`] = chain.url;
  if (sweeper) {
    const url = stack.chain(CHAIN).url;
    const to = privateKeyToAccount(sweeper.privateKey).address;
    const value = sweeper.funds ?? parseEther("10");
    const hash = await createWalletClient({ transport: http(url) }).sendTransaction({ account: DEV_ACCOUNTS.deployer, chain: null, to, value });
    await createPublicClient({ transport: http(url) }).waitForTransactionReceipt({ hash, pollingInterval: 50 });
    env[`SWEEPER_PRIVATE_KEY_${CHAIN}`] = sweeper.privateKey;
  }
  return env;
}

/** The operator's set-up, as `npm run admin` does it: per merchant, its payout wallet and an API key. */
async function setUpMerchants(
  store: ApiDatabase,
  deploymentsDir: string,
  wanted: GatewayMerchantSetUp[],
  confirmations: number | undefined,
): Promise<MerchantKey[]> {
  const handle = await openDatabase({ url: store.env.DATABASE_URL, dataDir: store.dataDir ?? ".data/unused" });
  try {
    await migrate(handle.db);
    const chains = await ChainCatalog.load({ dir: deploymentsDir, confirmations: confirmations === undefined ? {} : { [CHAIN]: confirmations } });
    const keys: MerchantKey[] = [];
    for (const { payout, ...merchant } of wanted) {
      keys.push({ ...(await setUpMerchant(handle.db, chains, { ...merchant, payouts: [{ chainId: CHAIN, address: payout }] })), payout });
    }
    return keys;
  } finally {
    await handle.close();
  }
}

type MerchantKey = { id: string; payout: Address; key: string };

let orderCount = 0;

function merchantClient(apiUrl: () => string, { id, payout, key }: MerchantKey): GatewayMerchant {
  const api = merchantApi(apiUrl, key);
  return {
    id,
    payout,
    ...api,
    createOrder: (amount, extra = {}) =>
      api.read(orderRoutes.createQrOrder, 201, "/v1/orders", { chainId: CHAIN, symbol: "USDT", amount, merchantOrderId: `gw-${++orderCount}`, ...extra }),
    addEndpoint: async (url) => (await api.read(endpointRoutes.createEndpoint, 201, "/v1/webhook-endpoints", { url })).secret,
  };
}

type ApiDatabase = { env: Record<string, string | undefined>; dataDir: string | undefined };

/** The API's own database: a PGlite directory, or a Postgres database of its own; removed by `cleanups`. */
async function apiDatabase(kind: TestDatabaseKind, cleanups: Cleanups): Promise<ApiDatabase> {
  if (kind === "postgres") {
    const database: TestDatabase = await createTestDatabase("postgres");
    cleanups.push(() => database.drop());
    const env = { DATABASE_URL: database.env.DATABASE_URL, SECRETS_KEY: randomBytes(32).toString("base64") };
    return { env, dataDir: undefined };
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), "stablegate-e2e-api-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  return { env: { API_DATA_DIR: dataDir, DATABASE_URL: undefined }, dataDir };
}
