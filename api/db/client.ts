/**
 * One query layer over two back-ends: embedded PGlite (a data directory, the default) or Postgres through
 * node-postgres when a connection string is given. Everything above this file sees the same Drizzle database.
 */
import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePostgres } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import * as schema from "./schema.js";

type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Either the database or an open transaction: query helpers take this so callers choose the boundary. */
export type Queryable = Database | Transaction;

export type DatabaseHandle =
  | { kind: "postgres"; db: Database; pool: pg.Pool; close(): Promise<void> }
  | { kind: "pglite"; db: Database; client: PGlite; close(): Promise<void> };

export type DatabaseOptions = {
  /** `postgres://…`; when absent, PGlite is used. */
  url?: string | undefined;
  /** PGlite data directory; `memory://` keeps it in memory (tests). */
  dataDir?: string | undefined;
  /** Postgres connections in the pool. */
  poolSize?: number | undefined;
  /** Postgres `application_name`: which instance a connection belongs to, in `pg_stat_activity`. */
  applicationName?: string | undefined;
};

export async function openDatabase({ url, dataDir = ".data/api", poolSize = 10, applicationName = "stablegate-api" }: DatabaseOptions): Promise<DatabaseHandle> {
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: applicationName.slice(0, 63) });
    // An idle client that loses its connection must not take the process down; the next query reconnects.
    pool.on("error", (error) => console.error("postgres pool:", error.message));
    // Nor one in use: Postgres ends a session that idles in a transaction too long (the confirmer's fence sets that,
    // see confirmer/leader.ts); the transaction's next query fails, and the pool drops the client.
    pool.on("connect", (client) => client.on("error", () => {}));
    const db = drizzlePostgres(pool, { schema }) as unknown as Database;
    return { kind: "postgres", db, pool, close: () => pool.end() };
  }
  if (!dataDir.startsWith("memory://")) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return { kind: "pglite", db, client, close: () => client.close() };
}

/**
 * Runs several reads against one snapshot (a read-only REPEATABLE READ transaction): a writer committing between
 * them (a confirmer pass) is either wholly seen or not at all, so a view never mixes a status from before a pass
 * with payments from after it.
 */
export function readSnapshot<T>(db: Database, read: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(read, { isolationLevel: "repeatable read", accessMode: "read only" });
}
