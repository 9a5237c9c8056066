/**
 * The production `PaymentSource`: the Ponder indexer at `INDEXER_URL`. Payment rows come through `@ponder/client`
 * (SQL over HTTP against the `payment` table of indexer/ponder.schema.ts); each chain's indexed head comes from the
 * indexer's `/status` (`{ [chainName]: { id, block: { number, timestamp } } }`): the last block whose events are all
 * in the table.
 */
import { and, asc, between, createClient, eq } from "@ponder/client";
import { getAddress } from "viem";
import * as indexerSchema from "../../indexer/ponder.schema.js";
import type { Config } from "../config.js";
import type { IndexedPayment, PaymentSource } from "./payment-source.js";

type IndexerStatus = Record<string, { id: number; block: { number: number; timestamp: number } | null }>;

export function createIndexerSource({ indexerUrl }: Pick<Config, "indexerUrl">): PaymentSource {
  const { db } = createClient(`${indexerUrl}/sql`, { schema: indexerSchema });
  const { payment } = indexerSchema;

  return {
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
