/**
 * Where a log the indexer stored sits on its chain: the columns its `payment` and `refund` rows share
 * (indexer/ponder.schema.ts), read by the confirmer (payments) and the refund confirmer alike.
 */
import type { Address, Hex } from "viem";

export type IndexedLog = {
  chainId: number;
  /** The gateway contract the log belongs to: the router that emitted it (a deposit address's transfer: its factory). */
  router: Address;
  txHash: Hex;
  logIndex: number;
  blockNumber: bigint;
  blockHash: Hex;
  /** Unix seconds. */
  blockTimestamp: bigint;
};
