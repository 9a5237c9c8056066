/**
 * Reading a chain directly over its JSON-RPC (`RPC_URL_<chainId>`, the indexer's variables): transaction receipts
 * and the head, for what the indexer does not index (a refund sent as a plain transfer, recorded by its hash).
 */
import { createPublicClient, http, TransactionReceiptNotFoundError, type Address, type Hex, type PublicClient } from "viem";

export type ChainLog = { address: Address; topics: Hex[]; data: Hex; logIndex: number };

export type ChainReceipt = {
  txHash: Hex;
  status: "success" | "reverted";
  /** The account that signed the transaction. */
  from: Address;
  blockNumber: bigint;
  blockHash: Hex;
  logs: ChainLog[];
};

export interface ChainReader {
  /** Whether this API has an RPC URL for `chainId`. */
  has(chainId: number): boolean;
  /** The mined transaction's receipt; null when the chain has no such transaction in a block (unknown, pending, reorged away). */
  receipt(chainId: number, txHash: Hex): Promise<ChainReceipt | null>;
  /** The chain's latest block number. */
  head(chainId: number): Promise<bigint>;
}

export class ChainRpcMissingError extends Error {
  override name = "ChainRpcMissingError";
}

const clients = new Map<string, PublicClient>();

/** One viem client per URL, kept for the process (they hold no connection while idle). */
function clientFor(url: string): PublicClient {
  let client = clients.get(url);
  if (!client) {
    client = createPublicClient({ transport: http(url, { retryCount: 1, timeout: 10_000 }) });
    clients.set(url, client);
  }
  return client;
}

export function rpcChainReader(rpcUrls: Record<number, string>): ChainReader {
  const client = (chainId: number) => {
    const url = rpcUrls[chainId];
    if (!url) throw new ChainRpcMissingError(`no RPC_URL_${chainId} is set on this API`);
    return clientFor(url);
  };
  return {
    has: (chainId) => rpcUrls[chainId] !== undefined,
    head: (chainId) => client(chainId).getBlockNumber({ cacheTime: 0 }),
    async receipt(chainId, txHash) {
      try {
        const receipt = await client(chainId).getTransactionReceipt({ hash: txHash });
        return {
          txHash: receipt.transactionHash,
          status: receipt.status,
          from: receipt.from,
          blockNumber: receipt.blockNumber,
          blockHash: receipt.blockHash,
          logs: receipt.logs.map((log) => ({ address: log.address, topics: [...log.topics], data: log.data, logIndex: log.logIndex })),
        };
      } catch (error) {
        if (error instanceof TransactionReceiptNotFoundError) return null;
        throw error;
      }
    },
  };
}
