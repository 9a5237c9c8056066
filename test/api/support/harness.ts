/**
 * The API under test, in-process: its own database (PGlite in memory, or a fresh Postgres database created on the
 * server DATABASE_URL names and dropped afterwards), its own deployment records in a temp dir, a clock the test
 * moves, and helpers to make merchants and call routes with `app.request`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { describe } from "vitest";
import { writeDeploymentRecord, type DeploymentRecord } from "../../../contracts/deployments/record.js";
import * as admin from "../../../api/admin/commands.js";
import { createApp, type App } from "../../../api/app.js";
import { parseConfig, type Config } from "../../../api/config.js";
import { openDatabase, type DatabaseHandle } from "../../../api/db/client.js";
import { migrate } from "../../../api/db/migrate.js";
import { ChainCatalog } from "../../../api/chains/catalog.js";
import { describeWithPostgres } from "../../support/database.js";

export type Backend = "pglite" | "postgres";

/** 32 bytes, base64: the harness's SECRETS_KEY (required with DATABASE_URL). */
export const TEST_SECRETS_KEY = Buffer.alloc(32, 7).toString("base64");

/** Runs `suite` once per database back-end: embedded PGlite, then Postgres (which must be there). */
export function describeBackends(name: string, suite: (backend: Backend) => void): void {
  describe(`${name} [pglite]`, () => suite("pglite"));
  describeWithPostgres(`${name} [postgres]`, () => suite("postgres"));
}

export type TestDatabase = { handle: DatabaseHandle; url?: string; drop(): Promise<void> };

const unique = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

/** A migrated, empty database of the given back-end. */
export async function openTestDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === "pglite") {
    const handle = await openDatabase({ dataDir: "memory://" });
    await migrate(handle.db);
    return { handle, drop: () => handle.close() };
  }
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error("DATABASE_URL is not set");
  const name = unique("sg_api_test");
  const adminClient = new pg.Client({ connectionString: serverUrl });
  await adminClient.connect();
  await adminClient.query(`create database "${name}"`);
  await adminClient.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), poolSize: 5 });
  await migrate(handle.db);
  return {
    handle,
    url: url.toString(),
    drop: async () => {
      await handle.close().catch(() => {});
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

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
  { env = {}, clock = new TestClock() }: { env?: Record<string, string>; clock?: TestClock } = {},
): Promise<Harness> {
  const deployments = await writeTestDeployments();
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
      const merchant = await admin.createMerchant(db, { name, ...settings });
      await admin.setPayoutAddress(db, chains, { merchantId: merchant.id, chainId: LOCAL, address: PAYOUT });
      await admin.setPayoutAddress(db, chains, { merchantId: merchant.id, chainId: BASE, address: PAYOUT });
      const { key } = await admin.issueApiKey(db, { merchantId: merchant.id });
      return {
        id: merchant.id,
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
  merchantOrderId: unique("order"),
  ...overrides,
});

export type ErrorBody = { error: { code: string; message: string; details?: unknown } };
