import { defineConfig } from "vitest/config";
import { findPostgres } from "./support/postgres-server.js";

// The TypeScript suites beyond the contracts: API, indexer, end to end. They start real chains, Ponder processes and
// HTTP servers, so files run one at a time on these 2-core machines. The Postgres runs use DATABASE_URL, or the
// local server when one answers; with neither, they fail (test/support/database.ts).
export default defineConfig(async () => {
  const databaseUrl = await findPostgres();
  return {
    test: {
      root: new URL("..", import.meta.url).pathname,
      include: ["test/{api,indexer,e2e,scripts}/**/*.test.ts"],
      fileParallelism: false,
      testTimeout: 60_000,
      hookTimeout: 180_000,
      pool: "forks",
      env: databaseUrl ? { DATABASE_URL: databaseUrl } : {},
    },
  };
});
