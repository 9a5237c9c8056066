/**
 * `npm start`: the whole gateway on this machine with embedded defaults.
 * Today: a local Hardhat/EDR chain on 127.0.0.1:8545 with the router and the test tokens deployed and dev accounts
 * funded. Ctrl-C stops everything.
 */
import { parseArgs } from "node:util";
import { startLocalChain } from "./stack/local-chain.js";

const { values: flags } = parseArgs({
  options: {
    "chain-port": { type: "string", default: process.env.CHAIN_PORT ?? "8545" },
  },
});

const started = Date.now();
const step = (message: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}`);

/** What is running, stopped in reverse order on Ctrl-C or on a failed start. */
const running: { name: string; stop: () => Promise<void> }[] = [];
let stopping = false;
async function shutdown(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (running.length > 0) console.log("\nStopping…");
  for (const { stop } of running.reverse()) await stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());

try {
  step("Starting the local chain…");
  const chain = await startLocalChain({ port: Number(flags["chain-port"]) });
  running.push({ name: "chain", stop: chain.stop });
  step(`Local chain (chain id 31337) at ${chain.url}`);

  process.env.LOCAL_RPC_URL = chain.url;
  const { default: hre } = await import("hardhat");
  const { deployGateway } = await import("./deploy/deploy-gateway.js");
  const { fundDevAccounts } = await import("./deploy/fund-dev-accounts.js");

  step("Deploying the router and the test tokens…");
  const connection = await hre.network.create({ network: "localhost", chainType: "l1" });
  const { record, recordPath } = await deployGateway(hre, connection);
  const wallets = await connection.viem.getWalletClients();
  const devAccounts = wallets.slice(1, 5).map((wallet) => wallet.account.address);
  await fundDevAccounts(connection, record, devAccounts);
  await connection.close();

  step("Ready.");
  console.log(`
  Chain        ${chain.url}  (chain id ${record.chainId})
  Router       ${record.router}  (deployed in block ${record.deployBlock})
${record.tokens.map((t) => `  ${t.symbol.padEnd(12)} ${t.address}  (${t.decimals} decimals${t.permit ? ", permit" : ""})`).join("\n")}
  Record       ${recordPath}
  Dev accounts (100,000 of each token; keys are Hardhat's well-known test keys, never use them elsewhere):
${devAccounts.map((a) => `    ${a}`).join("\n")}

Press Ctrl-C to stop.`);
} catch (error) {
  console.error(`\nStart-up failed: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
}
