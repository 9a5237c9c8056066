/**
 * The indexer's Ponder config: one chain per deployment record, the router's PaymentReceived and the RefundRouter's RefundSent events
 * from the deploy block on, and the accepted tokens' Transfer events where the record names a DepositFactory. Read once at start-up; a chain without `RPC_URL_<chainId>` stops the start with an error naming it.
 */
import { createConfig } from "ponder";
import { erc20Abi } from "viem";
import { paymentRouterAbi } from "../contracts/abi/PaymentRouter.js";
import { refundRouterAbi } from "../contracts/abi/RefundRouter.js";
import { loadIndexedChains } from "./config/chains.js";
import { databaseConfig } from "./config/database.js";

const chains = await loadIndexedChains();
/** Merchants' refunds (`RefundSent`), on the chains whose record names a RefundRouter. */
const refundChains = chains.filter((chain) => chain.refundRouter !== undefined);
/** Plain transfers of the accepted tokens, on the chains with a DepositFactory (deposit addresses). */
const transferChains = chains.filter((chain) => chain.transferTokens.length > 0);

export default createConfig({
  // Each chain advances on its own: a slow or stalled RPC on one chain must not hold back confirmations on another.
  ordering: "multichain",
  database: databaseConfig(),
  chains: Object.fromEntries(
    chains.map((chain) => [
      chain.name,
      { id: chain.chainId, rpc: chain.rpcUrl, ws: chain.wsUrl, pollingInterval: chain.pollingInterval, disableCache: chain.disableCache },
    ]),
  ),
  contracts: {
    PaymentRouter: {
      abi: paymentRouterAbi,
      chain: Object.fromEntries(
        chains.map((chain) => [chain.name, { address: chain.router, startBlock: chain.startBlock }]),
      ),
    },
    RefundRouter: {
      abi: refundRouterAbi,
      chain: Object.fromEntries(
        refundChains.map((chain) => [chain.name, { address: chain.refundRouter!, startBlock: chain.startBlock }]),
      ),
    },
    // Every Transfer of an accepted token: Ponder's filters take only fixed arguments, and deposit addresses are as many
    // as the orders, so the table holds them all and the API asks for those to its open orders' addresses.
    AcceptedToken: {
      abi: erc20Abi,
      chain: Object.fromEntries(
        transferChains.map((chain) => [chain.name, { address: chain.transferTokens, startBlock: chain.startBlock }]),
      ),
    },
  },
});
