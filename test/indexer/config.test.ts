/**
 * How the indexer is configured from deployment records and the environment; and that a missing RPC URL stops
 * `ponder start` itself (what `npm run indexer` runs) with an error naming the variable.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeploymentRecord, writeDeploymentRecord } from "../../contracts/deployments/record.js";
import {
  LOCAL_POLLING_INTERVAL_MS,
  MissingRpcUrlError,
  indexedChains,
  loadIndexedChains,
} from "../../indexer/config/chains.js";
import { databaseConfig } from "../../indexer/config/database.js";
import { INDEXER_ROOT, startIndexer } from "../../scripts/stack/indexer-process.js";

const token = { symbol: "USDT", name: "Tether USD", decimals: 6, permit: false };
const record = (chainId: number, router: Address, deployBlock: number): DeploymentRecord => ({
  chainId,
  chainName: `Chain ${chainId}`,
  router,
  deployBlock,
  tokens: [{ ...token, address: "0xdAC17F958D2ee523a2206206994597C13D831ec7" }],
});
const local = record(31337, "0x4818E4Bc23Ad96455Ff25b75b2CeE5c03AcB15BA", 2);
const mainnet = record(1, "0x00000000000000000000000000000000000000aA", 21_000_000);

describe("indexedChains", () => {
  it("follows every recorded chain from its router's deploy block, through RPC_URL_<chainId>", () => {
    const chains = indexedChains([local, mainnet], { RPC_URL_31337: "http://127.0.0.1:8545", RPC_URL_1: "https://eth.example" });
    expect(chains).toEqual([
      {
        name: "chain31337",
        chainId: 31337,
        rpcUrl: "http://127.0.0.1:8545",
        router: local.router,
        transferTokens: [],
        startBlock: 2,
        wsUrl: undefined,
        pollingInterval: LOCAL_POLLING_INTERVAL_MS,
        disableCache: true,
      },
      {
        name: "chain1",
        chainId: 1,
        rpcUrl: "https://eth.example",
        router: mainnet.router,
        transferTokens: [],
        startBlock: 21_000_000,
        wsUrl: undefined,
        pollingInterval: undefined,
        disableCache: false,
      },
    ]);
    expect(LOCAL_POLLING_INTERVAL_MS).toBeLessThan(1000);
  });

  it("indexes the accepted tokens' transfers only on chains whose record names a DepositFactory", () => {
    const withFactory: DeploymentRecord = { ...local, depositFactory: "0x00000000000000000000000000000000000000F1" };
    const [chain] = indexedChains([withFactory], { RPC_URL_31337: "http://127.0.0.1:8545" });
    expect(chain!.transferTokens).toEqual(["0xdAC17F958D2ee523a2206206994597C13D831ec7"]);
  });

  it("refuses a chain without its RPC URL, naming the variable", () => {
    const attempt = () => indexedChains([local, mainnet], { RPC_URL_31337: "http://127.0.0.1:8545", RPC_URL_1: " " });
    expect(attempt).toThrow(MissingRpcUrlError);
    expect(attempt).toThrow(/RPC_URL_1 is not set.*chain 1 \(Chain 1\)/);
  });

  it("takes new heads over WS_URL_<chainId> when it is set, a ws:// or wss:// URL (named, not repeated, when wrong)", () => {
    const env = { RPC_URL_31337: "http://127.0.0.1:8545", RPC_URL_1: "https://eth.example", WS_URL_1: "wss://eth.example/ws" };
    expect(indexedChains([local, mainnet], env).map((chain) => chain.wsUrl)).toEqual([undefined, "wss://eth.example/ws"]);
    expect(indexedChains([local], { ...env, WS_URL_31337: "ws://127.0.0.1:8545" })[0]!.wsUrl).toBe("ws://127.0.0.1:8545");
    for (const bad of ["https://eth.example/v3/secret-key", "wss://exa mple/v3/secret-key"]) {
      const attempt = () => indexedChains([mainnet], { ...env, WS_URL_1: bad });
      expect(attempt).toThrow(/^WS_URL_1 must be a ws:\/\/ or wss:\/\/ URL$/);
      let thrown: unknown;
      try {
        attempt();
      } catch (error) {
        thrown = error;
      }
      expect(JSON.stringify(thrown, Object.getOwnPropertyNames(thrown))).not.toContain("secret-key");
    }
    expect(indexedChains([mainnet], { ...env, WS_URL_1: "WSS://eth.example/ws" })[0]!.wsUrl).toBe("WSS://eth.example/ws");
  });

  it("narrows the chains to INDEXER_CHAIN_IDS", () => {
    const env = { INDEXER_CHAIN_IDS: "31337", RPC_URL_31337: "http://127.0.0.1:8545" };
    expect(indexedChains([local, mainnet], env).map((chain) => chain.chainId)).toEqual([31337]);
    expect(() => indexedChains([local], { ...env, INDEXER_CHAIN_IDS: "31337, 56" })).toThrow(/chain 56, which has no deployment record/);
  });

  it("refuses to start with no deployment record", () => {
    expect(() => indexedChains([], {}, "/nowhere")).toThrow(/No deployment records in \/nowhere/);
  });
});

describe("databaseConfig", () => {
  it("uses Postgres when DATABASE_URL is set", () => {
    expect(databaseConfig({ DATABASE_URL: "postgres://db/x", INDEXER_DATA_DIR: "ignored" })).toEqual({
      kind: "postgres",
      connectionString: "postgres://db/x",
    });
  });

  it("uses PGlite otherwise, in INDEXER_DATA_DIR (resolved from the working directory) or Ponder's default", () => {
    expect(databaseConfig({ INDEXER_DATA_DIR: "data/indexer" })).toEqual({ kind: "pglite", directory: path.resolve("data/indexer") });
    expect(databaseConfig({})).toEqual({ kind: "pglite" });
  });
});

describe("start-up without an RPC URL", () => {
  let recordsDir: string;
  beforeAll(async () => {
    recordsDir = await mkdtemp(path.join(tmpdir(), "stablegate-records-"));
    await writeDeploymentRecord(local, recordsDir);
  });
  afterAll(() => rm(recordsDir, { recursive: true, force: true }));

  it("loadIndexedChains reads DEPLOYMENTS_DIR", async () => {
    const chains = await loadIndexedChains({ DEPLOYMENTS_DIR: recordsDir, RPC_URL_31337: "http://127.0.0.1:1" });
    expect(chains.map((chain) => chain.chainId)).toEqual([31337]);
  });

  it("startIndexer rejects before spawning anything", async () => {
    await expect(startIndexer({ env: { DEPLOYMENTS_DIR: recordsDir, RPC_URL_31337: undefined } })).rejects.toThrow(
      /RPC_URL_31337 is not set/,
    );
  });

  it("startIndexer refuses to start a local chain afresh on Postgres, whose RPC cache is shared", async () => {
    const env = { DEPLOYMENTS_DIR: recordsDir, RPC_URL_31337: "http://127.0.0.1:1", DATABASE_URL: "postgres://127.0.0.1:1/none" };
    await expect(startIndexer({ fresh: true, env })).rejects.toThrow(/fresh needs PGlite/);
  });

  it("ponder start (npm run indexer) exits with an error naming RPC_URL_31337", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DEPLOYMENTS_DIR: recordsDir, PONDER_TELEMETRY_DISABLED: "true" };
    delete env.RPC_URL_31337;
    const child = spawn(
      process.execPath,
      [path.join(INDEXER_ROOT, "../node_modules/.bin/ponder"), "start", "--root", INDEXER_ROOT, "--schema", "config_test"],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).not.toBe(0);
    expect(output).toContain("RPC_URL_31337 is not set");
  });
});
