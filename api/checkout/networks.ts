/**
 * What a wallet and a customer need to know about a chain beyond the deployment record: where to look up a
 * transaction, and how to add the chain to a wallet that lacks it. Only well-known chains; others show no link.
 */
export type NetworkInfo = {
  /** Base of a transaction page, `<base><txHash>`. */
  explorerTxUrl?: string;
  /** Public RPC endpoints for `wallet_addEthereumChain`. */
  rpcUrls: string[];
  nativeCurrency: { name: string; symbol: string; decimals: 18 };
};

const ETH = { name: "Ether", symbol: "ETH", decimals: 18 } as const;

const NETWORKS: Readonly<Record<number, NetworkInfo>> = {
  1: { explorerTxUrl: "https://etherscan.io/tx/", rpcUrls: ["https://ethereum-rpc.publicnode.com"], nativeCurrency: ETH },
  56: {
    explorerTxUrl: "https://bscscan.com/tx/",
    rpcUrls: ["https://bsc-dataseed.bnbchain.org"],
    nativeCurrency: { name: "BNB", symbol: "BNB", decimals: 18 },
  },
  137: {
    explorerTxUrl: "https://polygonscan.com/tx/",
    rpcUrls: ["https://polygon-rpc.com"],
    nativeCurrency: { name: "POL", symbol: "POL", decimals: 18 },
  },
  42161: { explorerTxUrl: "https://arbiscan.io/tx/", rpcUrls: ["https://arb1.arbitrum.io/rpc"], nativeCurrency: ETH },
  8453: { explorerTxUrl: "https://basescan.org/tx/", rpcUrls: ["https://mainnet.base.org"], nativeCurrency: ETH },
  31337: { rpcUrls: ["http://127.0.0.1:8545"], nativeCurrency: ETH },
};

export function networkInfo(chainId: number): NetworkInfo {
  return NETWORKS[chainId] ?? { rpcUrls: [], nativeCurrency: ETH };
}
