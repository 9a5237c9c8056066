import { defineConfig } from "vitest/config";

// The TypeScript suites beyond the contracts: API, indexer, end to end. They start real chains, Ponder processes and
// HTTP servers, so files run one at a time on these 2-core machines.
export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["test/{api,indexer,e2e,scripts}/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});
