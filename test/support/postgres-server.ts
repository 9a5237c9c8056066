/**
 * The Postgres server the suites run against: DATABASE_URL, or else the one these machines run on
 * 127.0.0.1:5432 (trust auth, database `test`) when it answers. Read once, by test/vitest.config.ts.
 */
import pg from "pg";

export const LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/test";

export async function findPostgres(): Promise<string | undefined> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const client = new pg.Client({ connectionString: LOCAL_POSTGRES, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return LOCAL_POSTGRES;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * For benchmarks, which report Postgres figures: the server `findPostgres` finds, or an error saying what to set.
 * Sets DATABASE_URL, so everything after it uses the same server.
 */
export async function requirePostgres(): Promise<string> {
  const url = await findPostgres();
  if (!url) {
    throw new Error(`No Postgres answers: set DATABASE_URL to a server that may CREATE DATABASE, or start one at ${LOCAL_POSTGRES}`);
  }
  process.env.DATABASE_URL = url;
  return url;
}
