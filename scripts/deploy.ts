/**
 * Deploys the router, the deposit-address factory and the refund router (and, where a chain has no official
 * stablecoins, the test tokens) to the selected network and writes `contracts/deployments/<chainId>.json`.
 *
 *   npx hardhat run scripts/deploy.ts --network sepolia
 *
 * RPC URLs and the deployer key are Hardhat configuration variables (environment or `hardhat keystore`).
 * DEPLOYMENTS_DIR overrides where the record goes.
 */
import hre from "hardhat";
import { deployGateway } from "./deploy/deploy-gateway.js";

const connection = await hre.network.create({ chainType: "l1" });
const { record, recordPath } = await deployGateway(hre, connection, {
  deploymentsDir: process.env.DEPLOYMENTS_DIR,
  displayUi: true,
});
console.log(`\nPaymentRouter ${record.router} on ${record.chainName} (${record.chainId}), block ${record.deployBlock}`);
console.log(`DepositFactory ${record.depositFactory}\nRefundRouter ${record.refundRouter}`);
for (const token of record.tokens) console.log(`  ${token.symbol.padEnd(7)} ${token.address} (${token.decimals} decimals)`);
console.log(`Record written to ${recordPath}`);
await connection.close();
