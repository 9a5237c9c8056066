/**
 * Chain policy: confirmations a payment needs before its order counts as paid, per chain, unless
 * `CHAIN_CONFIRMATIONS` or the merchant says otherwise. Roughly: a reorg deeper than this has not happened in years
 * on that chain.
 */
export const DEFAULT_CONFIRMATIONS: Readonly<Record<number, number>> = {
  31337: 0, // local Hardhat/EDR chain
  1: 12, // Ethereum: ~2.5 min
  56: 15, // BNB Smart Chain: ~45 s
  137: 128, // Polygon PoS: ~4.5 min; it has reorged tens of blocks deep
  42161: 20, // Arbitrum One: sequencer-ordered, reorgs are rare
  8453: 20, // Base: ~40 s
};
/** For a chain in the deployment records that has no default above. */
export const FALLBACK_CONFIRMATIONS = 12;

/** The operator's override, else the chain's default, else the fallback. */
export function confirmationsFor(chainId: number, overrides: Readonly<Record<number, number>> = {}): number {
  return overrides[chainId] ?? DEFAULT_CONFIRMATIONS[chainId] ?? FALLBACK_CONFIRMATIONS;
}
