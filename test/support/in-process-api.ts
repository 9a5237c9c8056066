/**
 * The API started in-process on the test stack, as the browser tests use it (the page tests need its module state,
 * e.g. `streamSettings`): a PGlite data dir of its own, the merchants set up as `npm run admin` does, then `startApi`
 * on a free port with the settings these tests share; each merchant comes with calls to it (`read` for typed
 * answers). `stop()` stops the API and removes the data dir.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ChainCatalog } from "../../api/chains/catalog.js";
import { parseConfig } from "../../api/config.js";
import { type Database, openDatabase } from "../../api/db/client.js";
import { migrate } from "../../api/db/migrate.js";
import { type RunningApi, startApi } from "../../api/main.js";
import { freePort } from "../../scripts/stack/ports.js";
import { type MerchantApi, merchantApi } from "./gateway.js";
import { type MerchantSetUp, setUpMerchant } from "./merchants.js";
import type { TestStack } from "./stack.js";

/** A merchant set up on the in-process API: its id and API key, and calls to the API with that key (typed with `read`). */
export type InProcessMerchant = { id: string; key: string } & MerchantApi;

export type InProcessApi = { api: RunningApi; dataDir: string; merchants: InProcessMerchant[]; stop(): Promise<void> };

export async function startInProcessApi(
  stack: TestStack,
  {
    indexerUrl,
    merchants,
    env,
    prepare,
  }: {
    indexerUrl: string;
    merchants: MerchantSetUp[];
    env: Record<string, string>;
    /** More operator set-up in the API's database before it starts (console users, say). */
    prepare?: (db: Database, setUp: { dataDir: string; merchants: { id: string; key: string }[] }) => Promise<void>;
  },
): Promise<InProcessApi> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "stablegate-in-process-api-"));
  try {
    const handle = await openDatabase({ dataDir });
    const keys: { id: string; key: string }[] = [];
    try {
      await migrate(handle.db);
      const chains = await ChainCatalog.load({ dir: stack.deploymentsDir });
      for (const merchant of merchants) keys.push(await setUpMerchant(handle.db, chains, merchant));
      await prepare?.(handle.db, { dataDir, merchants: keys });
    } finally {
      await handle.close();
    }
    const config = parseConfig({
      API_HOST: "127.0.0.1",
      API_PORT: String(await freePort()),
      API_DATA_DIR: dataDir,
      DEPLOYMENTS_DIR: stack.deploymentsDir,
      INDEXER_URL: indexerUrl,
      CONFIRMER_INTERVAL_MS: "100",
      AUTH_CACHE_MS: "0",
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true", // receivers are on 127.0.0.1
      ...env,
    });
    const api = await startApi(config, { log: () => {} });
    return {
      api,
      dataDir,
      merchants: keys.map((merchant) => ({ ...merchant, ...merchantApi(() => api.url, merchant.key) })),
      stop: async () => {
        await api.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
