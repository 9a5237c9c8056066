/**
 * Where the refund confirmer reads `RefundSent` logs from: the Ponder indexer's `refund` table in production
 * (api/confirmer/refund-source.ts), synthetic rows in tests. A log a reorg removed is simply absent.
 */
import type { Address, Hex } from "viem";
import type { IndexedLog } from "../chains/indexed-log.js";

/** One `RefundSent` log as the indexer stores it (indexer/ponder.schema.ts, table `refund`). */
export type IndexedRefund = IndexedLog & {
  refundRef: Hex;
  orderRef: Hex;
  from: Address;
  to: Address;
  token: Address;
  amount: bigint;
};

export interface RefundSource {
  /** The highest block of `chainId` the indexer has fully processed, or `undefined` when it has nothing yet. */
  indexedHead(chainId: number): Promise<bigint | undefined>;
  /** Every indexed `RefundSent` on `chainId` carrying one of `refundRefs` (lower-case hex). */
  refunds(query: { chainId: number; refundRefs: Hex[] }): Promise<IndexedRefund[]>;
  /**
   * The hash of the indexer's chain at each height (null: none there yet); a log whose block is not the one at its
   * height was reorged away even if its row is still there. Absent: every row is taken as current.
   */
  blockHashes?(query: { chainId: number; blockNumbers: bigint[] }): Promise<Map<bigint, Hex | null>>;
}
