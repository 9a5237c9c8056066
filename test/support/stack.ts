/**
 * The whole chain side of the gateway for end-to-end tests: dev chains on free ports, the gateway deployed to each
 * (records in a temp directory), funded payers, a test database, and indexers started against all of it.
 * `stop()` ends everything that was started, in reverse order; a failed start stops what it had started.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Address } from "viem";
import type { DeploymentRecord } from "../../contracts/deployments/record.js";
import { rpcUrlVariable } from "../../indexer/config/chains.js";
import { type RunningIndexer, type StartIndexerOptions, startIndexer } from "../../scripts/stack/indexer-process.js";
import { freePort } from "../../scripts/stack/ports.js";
import { type DevChain, startDevChain } from "./chain.js";
import { type TestDatabase, type TestDatabaseKind, createTestDatabase } from "./database.js";
import { copyCreateX, deployGatewayTo } from "./deploy.js";
import { DEV_ACCOUNTS, fundPayer } from "./payments.js";

export interface StackChain {
  chainId: number;
  url: string;
  record: DeploymentRecord;
  node: DevChain;
}

export interface TestStack {
  chains: StackChain[];
  chain(chainId: number): StackChain;
  deploymentsDir: string;
  database: TestDatabase;
  /** What `startIndexer` needs to index these chains into this database. */
  indexerEnv: Record<string, string | undefined>;
  /** Starts an indexer on a free port against the stack; `stop()` stops it too. */
  startIndexer(options?: Omit<StartIndexerOptions, "env" | "schema">): Promise<RunningIndexer>;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** The first must be 31337: Ignition installs CreateX there, the others get a copy. */
  chainIds?: number[];
  database?: TestDatabaseKind;
  /** Dev accounts given every test token (and an approval for the router) on every chain. */
  payers?: readonly Address[];
}

export async function startTestStack({
  chainIds = [31337],
  database: databaseKind = "pglite",
  payers = DEV_ACCOUNTS.payers.slice(0, 1),
}: TestStackOptions = {}): Promise<TestStack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  try {
    const deploymentsDir = await mkdtemp(path.join(tmpdir(), "stablegate-records-"));
    cleanups.push(() => rm(deploymentsDir, { recursive: true, force: true }));
    const database = await createTestDatabase(databaseKind);
    cleanups.push(() => database.drop());

    // Nodes start one at a time: two Hardhat boots at once starve each other on two cores.
    const chains: StackChain[] = [];
    for (const chainId of chainIds) {
      const node = await startDevChain({ chainId });
      cleanups.push(() => node.stop());
      if (chains.length > 0) await copyCreateX(chains[0]!.url, node.url);
      const record = await deployGatewayTo(node.url, deploymentsDir);
      for (const payer of payers) await fundPayer(node.url, record, payer);
      chains.push({ chainId, url: node.url, record, node });
    }

    const indexerEnv = {
      ...database.env,
      DEPLOYMENTS_DIR: deploymentsDir,
      INDEXER_CHAIN_IDS: undefined,
      ...Object.fromEntries(chains.map((chain) => [rpcUrlVariable(chain.chainId), chain.url])),
    };
    return {
      chains,
      chain: (chainId) => {
        const chain = chains.find((c) => c.chainId === chainId);
        if (!chain) throw new Error(`The stack has no chain ${chainId}`);
        return chain;
      },
      deploymentsDir,
      database,
      indexerEnv,
      startIndexer: async (options = {}) => {
        const indexer = await startIndexer({
          port: await freePort(),
          ...options,
          env: indexerEnv,
          schema: database.schema,
        });
        // Ahead of the chains and the database: cleanups run in reverse.
        cleanups.push(() => indexer.stop());
        return indexer;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
