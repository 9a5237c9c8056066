/**
 * Where the payment rows live: Postgres when `DATABASE_URL` is set (production, shared with the API), otherwise an
 * embedded PGlite database in `INDEXER_DATA_DIR` (default `indexer/.ponder/pglite`). The schema name inside it is
 * Ponder's `--schema` / `DATABASE_SCHEMA`, chosen by whoever starts the process.
 */
import type { DatabaseConfig } from "ponder";
import { resolveUserPath } from "./paths.js";

export function databaseConfig(env: NodeJS.ProcessEnv = process.env): NonNullable<DatabaseConfig> {
  if (env.DATABASE_URL) return { kind: "postgres", connectionString: env.DATABASE_URL };
  // Resolved here: Ponder would resolve a relative directory against its working directory, `indexer/`.
  return env.INDEXER_DATA_DIR ? { kind: "pglite", directory: resolveUserPath(env.INDEXER_DATA_DIR, env) } : { kind: "pglite" };
}
