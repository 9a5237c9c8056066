import type { AcceptedToken } from "../../contracts/deployments/record.js";

/**
 * The official stablecoin contracts per mainnet. USDT's decimals differ per chain (18 on BSC). Chains missing here
 * (local chains, testnets) get the test tokens deployed instead.
 */
export const OFFICIAL_TOKENS: Record<number, { chainName: string; tokens: AcceptedToken[] }> = {
  1: {
    chainName: "Ethereum",
    tokens: [
      { symbol: "USDT", name: "Tether USD", address: "0xdAC17F958D2ee523a2206206994597C13D831ec7", decimals: 6, permit: false },
      { symbol: "USDC", name: "USD Coin", address: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", decimals: 6, permit: true },
    ],
  },
  56: {
    chainName: "BNB Smart Chain",
    tokens: [
      { symbol: "USDT", name: "Tether USD (Binance-Peg)", address: "0x55d398326f99059fF775485246999027B3197955", decimals: 18, permit: false },
      { symbol: "USDC", name: "USD Coin (Binance-Peg)", address: "0x8AC76a51cc950d9822D68b83fE1Ad97B32Cd580d", decimals: 18, permit: false },
    ],
  },
  137: {
    chainName: "Polygon PoS",
    tokens: [
      { symbol: "USDT", name: "Tether USD (PoS)", address: "0xc2132D05D31c914a87C6611C10748AEb04B58e8F", decimals: 6, permit: false },
      { symbol: "USDC", name: "USD Coin", address: "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359", decimals: 6, permit: true },
    ],
  },
  42161: {
    chainName: "Arbitrum One",
    tokens: [
      { symbol: "USDT", name: "Tether USD (USD₮0)", address: "0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9", decimals: 6, permit: false },
      { symbol: "USDC", name: "USD Coin", address: "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", decimals: 6, permit: true },
    ],
  },
  8453: {
    chainName: "Base",
    tokens: [
      { symbol: "USDT", name: "Bridged Tether USD", address: "0xfde4C96c8593536E31F229EA8f37b2ADa2699bb2", decimals: 6, permit: false },
      { symbol: "USDC", name: "USD Coin", address: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", decimals: 6, permit: true },
    ],
  },
};
