/**
 * What names a payment across reorgs. A log's index is its position in the block, so a reorg that re-includes the
 * same signed transaction after another one moves it (1 -> 3) and a key on it would credit the transfer twice. The
 * transaction's own logs keep their order, so a payment is (chain, tx hash, ordinal), where the ordinal is the log's
 * position among the indexed payment logs of that transaction (the indexer follows one router per chain).
 * Transfers to deposit addresses are counted apart, among the transaction's transfer logs to deposit addresses, and
 * take negative ordinals (-1 for the first): a transaction holding both kinds never gives two payments one identity.
 */
import type { IndexedPayment } from "./payment-source.js";

export type IdentifiedPayment = IndexedPayment & { logOrdinal: number };

export const paymentKey = (chainId: number, txHash: string, logOrdinal: number) => `${chainId}:${txHash.toLowerCase()}:${logOrdinal}`;

/**
 * Gives each log its ordinal within its transaction, in chain order. The confirmer reads whole blocks, so every log
 * of a transaction is in the same read. Logs are grouped by block too: should one read ever show a transaction in two
 * blocks, both copies get the same ordinals, that is the same identity, never two.
 */
export function identifyPayments(logs: readonly IndexedPayment[]): IdentifiedPayment[] {
  const sorted = [...logs].sort(
    (a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1),
  );
  const seen = new Map<string, number>();
  return sorted.map((log) => {
    const transfer = log.method === "transfer";
    const group = `${log.chainId}:${log.blockHash.toLowerCase()}:${log.txHash.toLowerCase()}:${transfer ? "transfer" : "router"}`;
    const position = seen.get(group) ?? 0;
    seen.set(group, position + 1);
    return { ...log, logOrdinal: transfer ? -1 - position : position };
  });
}
