/**
 * Throw-away databases for tests and benchmarks alike: a PGlite directory (or PGlite in memory), or a new database on
 * the Postgres server named by DATABASE_URL (which must allow CREATE DATABASE), dropped afterwards. Benchmarks call
 * `requirePostgres()` (postgres-server.ts) first, which sets DATABASE_URL; test/vitest.config.ts does the same.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, it } from "vitest";
import { openDatabase, type DatabaseHandle } from "../../api/db/client.js";
import { migrate } from "../../api/db/migrate.js";

export type TestDatabaseKind = "pglite" | "postgres";

export interface TestDatabase {
  kind: TestDatabaseKind;
  /** Postgres: the new database's URL. */
  url?: string;
  /** PGlite: its data directory (`memory://` for one in memory). */
  dataDir?: string;
  /** The schema the indexer's tables go in (Ponder's `--schema`). */
  schema: string;
  /** Variables that point the indexer at this database (a Postgres URL inherited from the shell is removed for PGlite). */
  env: Record<string, string | undefined>;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** PGlite in memory rather than in a temp directory: for an API in this process (nothing else can open it). */
  memory?: boolean;
  /** The Postgres database name's prefix (a time and random suffix follow). */
  prefix?: string;
}

export const uniqueName = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

export async function createTestDatabase(
  kind: TestDatabaseKind,
  { memory = false, prefix = "stablegate_test" }: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  if (kind === "pglite") {
    const dataDir = memory ? "memory://" : await mkdtemp(path.join(tmpdir(), "stablegate-pglite-"));
    return {
      kind,
      dataDir,
      schema: "stablegate",
      env: { INDEXER_DATA_DIR: dataDir, DATABASE_URL: undefined, DATABASE_PRIVATE_URL: undefined },
      drop: async () => {
        if (!memory) await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error("DATABASE_URL is not set: a Postgres test database needs a server");
  // A database of its own, not only a schema: Ponder keeps its RPC cache in the database-wide `ponder_sync` schema,
  // keyed by chain id, and every dev chain is 31337 (or 1337). Another run's blocks there would leak into this run's
  // rows, whether that run came before or runs at the same time (other suites, benchmarks, other checkouts).
  const name = uniqueName(prefix);
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    schema: "stablegate",
    env: { DATABASE_URL: url.toString(), DATABASE_PRIVATE_URL: undefined },
    drop: async () => {
      await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** A throw-away database the API's client has open, migrated and empty. */
export interface OpenTestDatabase extends TestDatabase {
  handle: DatabaseHandle;
}

export async function openTestDatabase(
  kind: TestDatabaseKind,
  { poolSize = 5, memory = true, prefix }: TestDatabaseOptions & { poolSize?: number } = {},
): Promise<OpenTestDatabase> {
  const database = await createTestDatabase(kind, { memory, prefix });
  const handle = await openDatabase(database.url ? { url: database.url, poolSize } : { dataDir: database.dataDir });
  await migrate(handle.db);
  return {
    ...database,
    handle,
    drop: async () => {
      await handle.close().catch(() => {});
      await database.drop();
    },
  };
}

async function withClient<T>(connectionString: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Runs `suite` once per database: embedded PGlite, then Postgres (which must be there). */
export function describeBackends(name: string, suite: (kind: TestDatabaseKind) => void): void {
  describe(`${name} [pglite]`, () => suite("pglite"));
  describeWithPostgres(`${name} [postgres]`, () => suite("postgres"));
}

/**
 * `describe` for suites that need Postgres (DATABASE_URL, or the local server test/vitest.config.ts found). With
 * no server the suite fails, saying so, rather than being skipped.
 */
export function describeWithPostgres(name: string, suite: () => void): void {
  if (process.env.DATABASE_URL) {
    describe(name, suite);
  } else {
    describe(name, () => {
      it("has a Postgres server", () => {
        throw new Error(
          "No Postgres server: set DATABASE_URL (one that may CREATE DATABASE), or run one on 127.0.0.1:5432 " +
            "(user postgres, database test). .ci/run starts it.",
        );
      });
    });
  }
}
