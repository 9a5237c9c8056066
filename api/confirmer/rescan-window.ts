/**
 * How far below its settled block the confirmer reads each chain again. The indexer (Ponder) may still reorg any block
 * above its finalized one (the head minus the chain's finality depth), so the window covers that depth: a payment a
 * reorg brings into an old height is credited (late, never lost), and one a reorg removes there is reported.
 */

/** The least any chain gets. */
export const RESCAN_BLOCKS = 64n;

/** Ponder 0.16's finality depths (`getFinalityBlockCount` in ponder/src/utils/finality.ts); 30 for other chains. */
const PONDER_FINALITY_BLOCKS: Readonly<Record<number, number>> = {
  1: 65,
  3: 65,
  4: 65,
  5: 65,
  42: 65,
  11155111: 65,
  137: 200,
  80001: 200,
  42161: 240,
  42170: 240,
  421611: 240,
  421613: 240,
};
const PONDER_DEFAULT_FINALITY_BLOCKS = 30;

export function finalityBlocks(chainId: number): bigint {
  return BigInt(PONDER_FINALITY_BLOCKS[chainId] ?? PONDER_DEFAULT_FINALITY_BLOCKS);
}

/** Blocks under the settled block read again each pass on `chainId`. */
export function rescanBlocks(chainId: number): bigint {
  const finality = finalityBlocks(chainId);
  return finality > RESCAN_BLOCKS ? finality : RESCAN_BLOCKS;
}
