/**
 * The API under test, in-process: its own database (PGlite in memory, or a fresh Postgres database created on the
 * server DATABASE_URL names and dropped afterwards), its own deployment records in a temp dir, a clock the test
 * moves, and helpers to make merchants and call routes with `app.request`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeDeploymentRecord, type DeploymentRecord } from "../../contracts/deployments/record.js";
import * as admin from "../../api/admin/commands.js";
import { createApp, type App } from "../../api/app.js";
import { parseConfig, type Config } from "../../api/config.js";
import type { DatabaseHandle } from "../../api/db/client.js";
import { ChainCatalog } from "../../api/chains/catalog.js";
import { openTestDatabase, uniqueName, type TestDatabaseKind } from "./database.js";
import { setUpMerchant } from "./merchants.js";

// The one way to get a database and to run a suite per database is test/support/database.ts; re-exported here so
// that API tests import their kit from one place.
export { describeBackends } from "./database.js";
export type Backend = TestDatabaseKind;

/** 32 bytes, base64: the harness's SECRETS_KEY (required with DATABASE_URL). */
export const TEST_SECRETS_KEY = Buffer.alloc(32, 7).toString("base64");

export const LOCAL = 31337;
export const BASE = 8453;
export const ROUTER = "0x00000000000000000000000000000000000000A1";
export const OTHER_ROUTER = "0x00000000000000000000000000000000000000A2";
export const REFUND_ROUTER = "0x00000000000000000000000000000000000000A3";
export const TOKENS = {
  USDT: "0x00000000000000000000000000000000000000B1",
  USDC: "0x00000000000000000000000000000000000000B2",
  USDT18: "0x00000000000000000000000000000000000000B3",
  BASE_USDC: "0x00000000000000000000000000000000000000C1",
} as const;
export const PAYOUT = "0x00000000000000000000000000000000000000D1";
export const OTHER_PAYOUT = "0x00000000000000000000000000000000000000D2";

export const testRecords = (): DeploymentRecord[] => [
  {
    chainId: LOCAL,
    chainName: "Local dev chain",
    router: ROUTER,
    refundRouter: REFUND_ROUTER,
    deployBlock: 1,
    tokens: [
      { symbol: "USDT", name: "Tether USD (test)", address: TOKENS.USDT, decimals: 6, permit: false },
      { symbol: "USDC", name: "Permit USD (test)", address: TOKENS.USDC, decimals: 6, permit: true },
      { symbol: "USDT18", name: "Tether USD 18 decimals (test)", address: TOKENS.USDT18, decimals: 18, permit: false },
    ],
  },
  {
    chainId: BASE,
    chainName: "Base",
    router: ROUTER,
    deployBlock: 100,
    tokens: [{ symbol: "USDC", name: "USD Coin", address: TOKENS.BASE_USDC, decimals: 6, permit: true }],
  },
];

/** Deployment records in a fresh temp dir, as an operator's DEPLOYMENTS_DIR. */
export async function writeTestDeployments(records = testRecords()): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "stablegate-deployments-"));
  for (const record of records) await writeDeploymentRecord(record, dir);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export class TestClock {
  constructor(public current = new Date("2030-01-01T00:00:00Z")) {}
  now = () => new Date(this.current);
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export type Harness = {
  app: App;
  db: DatabaseHandle["db"];
  handle: DatabaseHandle;
  /** The Postgres database's URL (another instance connects with its own pool); undefined with PGlite. */
  databaseUrl: string | undefined;
  chains: ChainCatalog;
  config: Config;
  clock: TestClock;
  /** A merchant with payout addresses on both test chains and one API key. */
  merchant(options?: { name?: string } & admin.MerchantSettings): Promise<TestMerchant>;
  close(): Promise<void>;
};

export type TestMerchant = {
  id: string;
  key: string;
  /** `app.request` with this merchant's key and a JSON body. */
  call(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<Response>;
};

export async function createHarness(
  backend: Backend,
  { env = {}, clock = new TestClock(), records }: { env?: Record<string, string>; clock?: TestClock; records?: DeploymentRecord[] } = {},
): Promise<Harness> {
  const deployments = await writeTestDeployments(records);
  const database = await openTestDatabase(backend);
  const config = parseConfig({
    DEPLOYMENTS_DIR: deployments.dir,
    PUBLIC_BASE_URL: "https://pay.example.com",
    DATABASE_URL: database.url,
    SECRETS_KEY: TEST_SECRETS_KEY,
    ...env,
  });
  const chains = await ChainCatalog.load({ dir: config.deploymentsDir, confirmations: config.confirmations });
  const db = database.handle.db;
  const app = createApp({ config, db, chains, now: clock.now });

  return {
    app,
    db,
    handle: database.handle,
    databaseUrl: database.url,
    chains,
    config,
    clock,
    async merchant({ name = "Test shop", ...settings } = {}) {
      const payouts = [LOCAL, BASE].map((chainId) => ({ chainId, address: PAYOUT }));
      const { id, key } = await setUpMerchant(db, chains, { name, payouts, ...settings });
      return {
        id,
        key,
        call: (method, path, { body, headers = {} } = {}) =>
          Promise.resolve(
            app.request(path, {
              method,
              headers: {
                authorization: `Bearer ${key}`,
                ...(body === undefined ? {} : { "content-type": "application/json" }),
                ...headers,
              },
              body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
            }),
          ),
      };
    },
    async close() {
      await database.drop();
      await deployments.remove();
    },
  };
}

/** A valid createQrOrder body; override what the test is about. */
export const orderBody = (overrides: Record<string, unknown> = {}) => ({
  chainId: LOCAL,
  symbol: "USDT",
  amount: "12.50",
  merchantOrderId: uniqueName("order"),
  ...overrides,
});

export type ErrorBody = { error: { code: string; message: string; details?: unknown } };
