/**
 * The database a test's indexer (or API) writes to: a throw-away PGlite directory, or a new database on the Postgres
 * server named by DATABASE_URL (which must allow CREATE DATABASE), dropped afterwards.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, it } from "vitest";

export type TestDatabaseKind = "pglite" | "postgres";

export interface TestDatabase {
  kind: TestDatabaseKind;
  /** The schema the app's tables go in (Ponder's `--schema`). */
  schema: string;
  /** Variables that point the indexer at this database (a Postgres URL inherited from the shell is removed for PGlite). */
  env: Record<string, string | undefined>;
  drop(): Promise<void>;
}

const uniqueName = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

export async function createTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  if (kind === "pglite") {
    const directory = await mkdtemp(path.join(tmpdir(), "stablegate-pglite-"));
    return {
      kind,
      schema: "stablegate",
      env: { INDEXER_DATA_DIR: directory, DATABASE_URL: undefined, DATABASE_PRIVATE_URL: undefined },
      drop: () => rm(directory, { recursive: true, force: true }),
    };
  }
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error("DATABASE_URL is not set: a Postgres test database needs a server");
  // A database of its own, not only a schema: Ponder keeps its RPC cache in the database-wide `ponder_sync` schema,
  // keyed by chain id, and every dev chain is 31337 (or 1337). Another run's blocks there would leak into this run's
  // rows, whether that run came before or runs at the same time (other suites, benchmarks, other checkouts).
  const name = uniqueName("stablegate_test");
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    kind,
    schema: "stablegate",
    env: { DATABASE_URL: url.toString(), DATABASE_PRIVATE_URL: undefined },
    drop: async () => {
      await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
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
