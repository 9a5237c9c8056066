/**
 * Reading the indexer the way the API does: payment rows through `@ponder/client` (SQL over HTTP) and each chain's
 * indexed head from `/status`.
 */
import { createClient } from "@ponder/client";
import * as schema from "../../indexer/ponder.schema.js";
import { waitFor } from "./wait.js";

export type PaymentRow = typeof schema.payment.$inferSelect;

export function paymentClient(indexerUrl: string) {
  return createClient(`${indexerUrl}/sql`, { schema });
}

/** Every payment row, in chain order. */
export async function indexedPayments(indexerUrl: string): Promise<PaymentRow[]> {
  const { db } = paymentClient(indexerUrl);
  const rows = await db.select().from(schema.payment);
  return rows.sort(
    (a, b) => a.chainId - b.chainId || Number(a.blockNumber - b.blockNumber) || a.logIndex - b.logIndex,
  );
}

/** `/status`: per Ponder chain name, the chain id and the last block whose events are all in the tables. */
export type IndexerStatus = Record<string, { id: number; block: { number: number; timestamp: number } }>;

export async function indexedHead(indexerUrl: string, chainId: number): Promise<number | undefined> {
  const response = await fetch(`${indexerUrl}/status`);
  if (!response.ok) throw new Error(`/status answered ${response.status}`);
  const status = (await response.json()) as IndexerStatus;
  return Object.values(status).find((chain) => chain.id === chainId)?.block.number;
}

/** Resolves once every event up to `block` on `chainId` is queryable. */
export async function waitForIndexedHead(
  indexerUrl: string,
  chainId: number,
  block: number,
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor(
    `the indexer to reach block ${block} on chain ${chainId}`,
    async () => ((await indexedHead(indexerUrl, chainId)) ?? -1) >= block,
    { timeoutMs },
  );
}
