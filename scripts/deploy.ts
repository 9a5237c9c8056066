/**
 * Deploys the router, the deposit-address factory and the refund router (and, where a chain has no official
 * stablecoins, the test tokens) to the selected network and writes `contracts/deployments/<chainId>.json`.
 *
 *   npx hardhat run scripts/deploy.ts --network sepolia
 *
 * RPC URLs and the deployer key are Hardhat configuration variables (environment or `hardhat keystore`).
 * DEPLOYMENTS_DIR overrides where the record goes. DEPLOY_REPLACE_CONTRACTS=true lets it point an existing record
 * at new contracts while the old ones are live (a changed contract: see README, "Deploying to a testnet or mainnet").
 */
import hre from "hardhat";
import { deployGateway } from "./deploy/deploy-gateway.js";

const connection = await hre.network.create({ chainType: "l1" });
const { record, recordPath } = await deployGateway(hre, connection, {
  deploymentsDir: process.env.DEPLOYMENTS_DIR,
  displayUi: true,
  replaceContracts: process.env.DEPLOY_REPLACE_CONTRACTS === "true",
});
console.log(`\nPaymentRouter ${record.router} on ${record.chainName} (${record.chainId}), block ${record.deployBlock}`);
console.log(`DepositFactory ${record.depositFactory}\nRefundRouter ${record.refundRouter}`);
for (const token of record.tokens) console.log(`  ${token.symbol.padEnd(7)} ${token.address} (${token.decimals} decimals)`);
console.log(`Record written to ${recordPath}`);
await connection.close();
