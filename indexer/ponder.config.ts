/**
 * The indexer's Ponder config: one chain per deployment record, the router's PaymentReceived and the RefundRouter's RefundSent events
 * from the deploy block on. Read once at start-up; a chain without `RPC_URL_<chainId>` stops the start with an error naming it.
 */
import { createConfig } from "ponder";
import { paymentRouterAbi } from "../contracts/abi/PaymentRouter.js";
import { refundRouterAbi } from "../contracts/abi/RefundRouter.js";
import { loadIndexedChains } from "./config/chains.js";
import { databaseConfig } from "./config/database.js";

const chains = await loadIndexedChains();
/** Merchants' refunds (`RefundSent`), on the chains whose record names a RefundRouter. */
const refundChains = chains.filter((chain) => chain.refundRouter !== undefined);

export default createConfig({
  // Each chain advances on its own: a slow or stalled RPC on one chain must not hold back confirmations on another.
  ordering: "multichain",
  database: databaseConfig(),
  chains: Object.fromEntries(
    chains.map((chain) => [
      chain.name,
      { id: chain.chainId, rpc: chain.rpcUrl, pollingInterval: chain.pollingInterval, disableCache: chain.disableCache },
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
  },
});
