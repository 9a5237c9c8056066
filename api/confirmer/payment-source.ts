/**
 * Where the confirmer reads payments from: the seam between the API and the indexer. The production source reads
 * the Ponder indexer over HTTP (`@ponder/client` for rows, `/status` for heads); tests feed synthetic rows.
 */
import type { Address, Hex } from "viem";
import type { IndexedLog } from "../chains/indexed-log.js";
import type { Transaction } from "../db/client.js";

/**
 * One `PaymentReceived` log as the indexer stores it (indexer/ponder.schema.ts, table `payment`), or, with `method:
 * "transfer"`, one token `Transfer` log to an order's deposit address (table `token_transfer`, deposit-transfers.ts):
 * then `router` is the DepositFactory, `merchant` the deposit address, `payer` the sender and `orderRef` the order
 * whose deposit address it is.
 */
export type IndexedPayment = IndexedLog & {
  /** Absent: `router`. */
  method?: "router" | "transfer";
  orderRef: Hex;
  merchant: Address;
  payer: Address;
  token: Address;
  /** What the merchant received, in the token's base units. */
  amount: bigint;
};

/** A read, and what it learned that must be stored with the pass's writes: `persist` runs inside the pass's transaction. */
export type SourceRead = { payments: IndexedPayment[]; persist?: (tx: Transaction) => Promise<void> };

export interface PaymentSource {
  /**
   * Whether the indexer has finished its backfill or crash recovery (Ponder's `/ready`). Until then its rows may be
   * missing while its head still reads as before, so the confirmer changes nothing.
   */
  isReady(): Promise<boolean>;
  /**
   * The highest block of `chainId` the indexer has fully processed, or `undefined` when it has nothing yet.
   * After a reorg it may go down.
   */
  indexedHead(chainId: number): Promise<bigint | undefined>;
  /**
   * Every indexed payment on `chainId` with `fromBlock <= blockNumber <= toBlock`. A payment a reorg removed is
   * simply absent.
   */
  payments(query: { chainId: number; fromBlock: bigint; toBlock: bigint }): Promise<IndexedPayment[]>;
  /**
   * The same rows as `payments`, for a source that keeps state with the confirmer's writes (deposit-transfers.ts: the
   * blocks already scanned): the confirmer calls `persist` in the pass's transaction, so that state commits, or rolls
   * back, with the payments it vouches for. Without it, the confirmer calls `payments`.
   */
  read?(query: { chainId: number; fromBlock: bigint; toBlock: bigint }): Promise<SourceRead>;
  /**
   * The hash of the block the indexer's chain has at each height (`null`: no block there yet). A payment missing from
   * the rows counts as reorged only when its block is no longer the one at its height.
   */
  blockHashes(query: { chainId: number; blockNumbers: readonly bigint[] }): Promise<Map<bigint, Hex | null>>;
}
