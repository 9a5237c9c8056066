/**
 * The production `PaymentSource`: the Ponder indexer at `INDEXER_URL`. Payment rows come through `@ponder/client`
 * (SQL over HTTP against the `payment` table of indexer/ponder.schema.ts); each chain's indexed head comes from the
 * indexer's `/status` (`{ [chainName]: { id, block: { number, timestamp } } }`): the last block whose events are all
 * in the table. `/ready` says whether Ponder is done with its backfill or crash recovery; `/block-hashes` (the
 * indexer's own route, indexer/src/api/block-hashes.ts) what block its chain has at a height.
 */
import { and, asc, between, createClient, eq } from "@ponder/client";
import { getAddress } from "viem";
import * as indexerSchema from "../../indexer/ponder.schema.js";
import type { Config } from "../config.js";
import type { Hex } from "viem";
import type { IndexedPayment, PaymentSource } from "./payment-source.js";

/** Heights asked per `/block-hashes` request (the route's own limit is 256). */
const BLOCK_HASH_BATCH = 100;

type IndexerStatus = Record<string, { id: number; block: { number: number; timestamp: number } | null }>;

export function createIndexerSource({ indexerUrl }: Pick<Config, "indexerUrl">): PaymentSource {
  const { db } = createClient(`${indexerUrl}/sql`, { schema: indexerSchema });
  const { payment } = indexerSchema;

  return {
    async isReady() {
      const response = await fetch(`${indexerUrl}/ready`, { signal: AbortSignal.timeout(10_000) });
      await response.body?.cancel();
      if (response.status === 200) return true;
      if (response.status === 503) return false;
      throw new Error(`The indexer's /ready answered ${response.status}`);
    },

    async blockHashes({ chainId, blockNumbers }) {
      const hashes = new Map<bigint, Hex | null>();
      const wanted = [...new Set(blockNumbers)];
      for (let i = 0; i < wanted.length; i += BLOCK_HASH_BATCH) {
        const numbers = wanted.slice(i, i + BLOCK_HASH_BATCH).join(",");
        const response = await fetch(`${indexerUrl}/block-hashes/${chainId}?numbers=${numbers}`, { signal: AbortSignal.timeout(10_000) });
        if (!response.ok) throw new Error(`The indexer's /block-hashes answered ${response.status}`);
        const { blocks } = (await response.json()) as { blocks: { number: string; hash: Hex | null }[] };
        for (const block of blocks) hashes.set(BigInt(block.number), block.hash === null ? null : (block.hash.toLowerCase() as Hex));
      }
      return hashes;
    },

    async indexedHead(chainId) {
      const response = await fetch(`${indexerUrl}/status`, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`The indexer's /status answered ${response.status}`);
      const status = (await response.json()) as IndexerStatus;
      const block = Object.values(status).find((chain) => chain.id === chainId)?.block;
      return block ? BigInt(block.number) : undefined;
    },

    async payments({ chainId, fromBlock, toBlock }) {
      const rows = await db
        .select()
        .from(payment)
        .where(and(eq(payment.chainId, chainId), between(payment.blockNumber, fromBlock, toBlock)))
        .orderBy(asc(payment.blockNumber), asc(payment.logIndex));
      // The indexer stores hex lowercase; the API compares checksummed addresses.
      return rows.map(
        (row): IndexedPayment => ({
          ...row,
          router: getAddress(row.router),
          merchant: getAddress(row.merchant),
          payer: getAddress(row.payer),
          token: getAddress(row.token),
        }),
      );
    },
  };
}
