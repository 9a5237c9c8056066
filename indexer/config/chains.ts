/**
 * Which chains the indexer follows: one per deployment record (router address and deploy block), each read through
 * the RPC URL in `RPC_URL_<chainId>`. Pure functions of the records and the environment, so the rules are testable
 * without starting Ponder.
 */
import type { Address } from "viem";
import {
  DEFAULT_DEPLOYMENTS_DIR,
  type DeploymentRecord,
  readDeploymentRecords,
} from "../../contracts/deployments/record.js";
import { resolveUserPath } from "./paths.js";

/** Dev chains (Hardhat/EDR, Anvil, Ganache): they mine on demand, start empty each run and never need an RPC cache. */
export const LOCAL_CHAIN_IDS: ReadonlySet<number> = new Set([31337, 1337]);

/**
 * How often Ponder asks a local chain for its head. A dev chain mines a block the moment a payment is sent, so this
 * bounds how long the checkout and the merchant's webhook wait for it: Ponder's floor, 100 ms (about 4 % of one core
 * idle; 200 ms saved 0.6 % and cost 50 ms on average).
 */
export const LOCAL_POLLING_INTERVAL_MS = 100;

export interface IndexedChain {
  /** Ponder's name for the chain, also the key of `/status`: `chain<chainId>`. */
  name: string;
  chainId: number;
  rpcUrl: string;
  router: Address;
  /** The RefundRouter whose `RefundSent` logs are indexed; absent in records written before it existed. */
  refundRouter: Address | undefined;
  /**
   * The accepted tokens (deployment record), whose `Transfer` logs are indexed when the record names a DepositFactory:
   * the API picks out the ones to its orders' deposit addresses. Empty without a factory.
   */
  transferTokens: Address[];
  /** The router's deploy block: no payment can be older. */
  startBlock: number;
  /**
   * The chain's WebSocket JSON-RPC (`WS_URL_<chainId>`): new heads pushed the moment a block exists instead of asked
   * for every `pollingInterval` (Ponder polls again when the socket keeps failing). Not on dev chains by default: they
   * mine only when asked, so a pushed head comes only with a new block, and Ponder, which after a reorg waits for the
   * next head to take the replacement block, would wait for the next payment.
   */
  wsUrl: string | undefined;
  /** Undefined leaves Ponder's default (1 s), which suits public chains' block times. */
  pollingInterval: number | undefined;
  /** Local chains restart from block 0 with the same id, so cached RPC responses from a previous run would lie. */
  disableCache: boolean;
}

/** A plain `Error` (with `cause`): the indexer app imports nothing from `api/`. */
export class MissingRpcUrlError extends Error {
  override name = "MissingRpcUrlError";
  constructor(
    readonly variable: string,
    record: Pick<DeploymentRecord, "chainId" | "chainName">,
    recordsDir: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${variable} is not set: the indexer needs an RPC URL for chain ${record.chainId} (${record.chainName}), whose ` +
        `deployment record is in ${recordsDir}. Set ${variable}=<http(s) URL>` +
        (LOCAL_CHAIN_IDS.has(record.chainId) ? ` (npm start's chain: ${variable}=http://127.0.0.1:8545).` : "."),
      options,
    );
  }
}

export const rpcUrlVariable = (chainId: number): string => `RPC_URL_${chainId}`;

export const wsUrlVariable = (chainId: number): string => `WS_URL_${chainId}`;

/** `WS_URL_<chainId>`, checked; unset: none (polling). */
function wsUrlOf(chainId: number, env: NodeJS.ProcessEnv): string | undefined {
  const variable = wsUrlVariable(chainId);
  const set = env[variable]?.trim();
  if (!set) return undefined;
  // The value is never repeated, here or in the URL parser's error: a provider URL often carries its API key.
  let protocol: string | undefined;
  try {
    protocol = new URL(set).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== "ws:" && protocol !== "wss:") throw new Error(`${variable} must be a ws:// or wss:// URL`);
  return set;
}

export const chainName = (chainId: number): string => `chain${chainId}`;

/** `DEPLOYMENTS_DIR` (relative to where the command was run) or `contracts/deployments`. */
export function deploymentsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DEPLOYMENTS_DIR ? resolveUserPath(env.DEPLOYMENTS_DIR, env) : DEFAULT_DEPLOYMENTS_DIR;
}

/**
 * `INDEXER_CHAIN_IDS` (comma-separated) narrows the records to those chains: `npm start` indexes its local chain even
 * when the records directory also holds the records of public chains.
 */
function selectRecords(records: readonly DeploymentRecord[], env: NodeJS.ProcessEnv, recordsDir: string): readonly DeploymentRecord[] {
  const list = env.INDEXER_CHAIN_IDS?.trim();
  if (!list) return records;
  return list.split(",").map((item) => {
    const record = records.find((r) => String(r.chainId) === item.trim());
    if (!record) throw new Error(`INDEXER_CHAIN_IDS names chain ${item.trim()}, which has no deployment record in ${recordsDir}`);
    return record;
  });
}

/** The chains to index, from already-read deployment records; a record without its RPC URL is an error. */
export function indexedChains(
  allRecords: readonly DeploymentRecord[],
  env: NodeJS.ProcessEnv = process.env,
  recordsDir = deploymentsDir(env),
): IndexedChain[] {
  const records = selectRecords(allRecords, env, recordsDir);
  if (records.length === 0) {
    throw new Error(
      `No deployment records in ${recordsDir}: deploy the router first (npm start, or hardhat run scripts/deploy.ts), ` +
        "or point DEPLOYMENTS_DIR at the records of the chains to index.",
    );
  }
  return records.map((record) => {
    const variable = rpcUrlVariable(record.chainId);
    const rpcUrl = env[variable]?.trim();
    if (!rpcUrl) throw new MissingRpcUrlError(variable, record, recordsDir);
    const local = LOCAL_CHAIN_IDS.has(record.chainId);
    return {
      name: chainName(record.chainId),
      chainId: record.chainId,
      rpcUrl,
      router: record.router,
      refundRouter: record.refundRouter,
      transferTokens: record.depositFactory ? record.tokens.map((token) => token.address) : [],
      startBlock: record.deployBlock,
      wsUrl: wsUrlOf(record.chainId, env),
      pollingInterval: local ? LOCAL_POLLING_INTERVAL_MS : undefined,
      disableCache: local,
    };
  });
}

/** Reads the records in `DEPLOYMENTS_DIR` and resolves every chain's RPC URL. */
export async function loadIndexedChains(env: NodeJS.ProcessEnv = process.env): Promise<IndexedChain[]> {
  const dir = deploymentsDir(env);
  return indexedChains(await readDeploymentRecords(dir), env, dir);
}
