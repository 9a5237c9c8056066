/**
 * `npm start`: the whole gateway on this machine with embedded defaults, in order: a local Hardhat/EDR chain, the
 * router and test tokens deployed and dev accounts funded, the indexer (PGlite), the API with its confirmer (PGlite),
 * and a demo merchant with a fresh API key. Ctrl-C stops everything, in reverse order.
 *
 * Flags: --fresh (delete the data directory first), --data-dir, --chain-port, --indexer-port, --api-port.
 * The API's data (merchant, keys, orders) is kept between runs; the chain and therefore the indexer start anew.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { getAddress, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { startLocalChain } from "./stack/local-chain.js";
import { assertPortFree } from "./stack/ports.js";

const { values: flags } = parseArgs({
  options: {
    fresh: { type: "boolean", default: false },
    "data-dir": { type: "string", default: process.env.STABLEGATE_DATA_DIR ?? ".data" },
    "chain-port": { type: "string", default: process.env.CHAIN_PORT ?? "8545" },
    "indexer-port": { type: "string", default: process.env.INDEXER_PORT ?? "42069" },
    "api-port": { type: "string", default: process.env.API_PORT ?? "3000" },
  },
});

const HOST = "127.0.0.1";
/** Hardhat's dev account #9: the demo merchant's wallet. Dev accounts #1–#4 are the paying customers. */
const DEMO_MERCHANT_WALLET = getAddress("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720");

const started = Date.now();
const step = (message: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}`);

/** What is running, stopped on Ctrl-C or on a failed start: receiver, API, indexer, then the chain. */
const STOP_ORDER = ["webhook receiver", "API", "indexer", "chain"];
const running: { name: (typeof STOP_ORDER)[number]; stop: () => Promise<void> }[] = [];
let stopping = false;
async function shutdown(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (running.length > 0) console.log("\nStopping…");
  running.sort((a, b) => STOP_ORDER.indexOf(a.name) - STOP_ORDER.indexOf(b.name));
  for (const { name, stop } of running) {
    await stop().catch((error: unknown) => console.error(`  ${name} did not stop cleanly: ${String(error)}`));
    console.log(`  ${name} stopped`);
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());

function port(flag: "chain-port" | "indexer-port" | "api-port"): number {
  const value = Number(flags[flag]);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) throw new Error(`--${flag} must be a port number, not "${flags[flag]}"`);
  return value;
}

try {
  const ports = { chain: port("chain-port"), indexer: port("indexer-port"), api: port("api-port") };
  // All three up front: a taken port is a clear error before anything starts.
  await assertPortFree(ports.chain, HOST, "The chain's port (--chain-port)");
  await assertPortFree(ports.indexer, HOST, "The indexer's port (--indexer-port)");
  await assertPortFree(ports.api, HOST, "The API's port (--api-port)");
  const dataDir = path.resolve(flags["data-dir"]!);
  if (flags.fresh) {
    await rm(dataDir, { recursive: true, force: true });
    step(`Deleted ${dataDir} (--fresh)`);
  }

  step("Starting the local chain…");
  const chain = await startLocalChain({ port: ports.chain, host: HOST });
  running.push({ name: "chain", stop: chain.stop });
  step(`Local chain at ${chain.url}`);

  step("Deploying the router and the test tokens…");
  process.env.LOCAL_RPC_URL = chain.url;
  const { default: hre } = await import("hardhat");
  const { deployGateway } = await import("./deploy/deploy-gateway.js");
  const { fundDevAccounts, fundSweeper } = await import("./deploy/fund-dev-accounts.js");
  const connection = await hre.network.create({ network: "localhost", chainType: "l1" });
  const { record } = await deployGateway(hre, connection);
  const wallets = await connection.viem.getWalletClients();
  const payers = wallets.slice(1, 5).map((wallet) => getAddress(wallet.account.address));
  await fundDevAccounts(connection, record, payers);
  // The sweeper forwards plain transfers from deposit addresses; a new key each run (the chain is new too), unless set.
  const sweeperVariable = `SWEEPER_PRIVATE_KEY_${record.chainId}`;
  const sweeperKey = (process.env[sweeperVariable] as Hex | undefined) || generatePrivateKey();
  const sweeper = privateKeyToAccount(sweeperKey.startsWith("0x") ? sweeperKey : `0x${sweeperKey}`).address;
  await fundSweeper(connection, sweeper);
  await connection.close();
  step(`Router ${record.router}; ${record.tokens.map((t) => t.symbol).join(", ")} deployed; dev accounts funded; sweeper ${sweeper} funded`);

  // The indexer and the API start side by side: neither needs the other to be up (the confirmer polls).
  step("Starting the indexer and the API…");
  const [indexer, { api, demo }] = await Promise.all([
    (async () => {
      const { startIndexer } = await import("./stack/indexer-process.js");
      const { rpcUrlVariable } = await import("../indexer/config/chains.js");
      const indexer = await startIndexer({
        port: ports.indexer,
        hostname: HOST,
        // The chain is new, so last run's rows are stale: the indexer starts from an empty database every time.
        fresh: true,
        env: {
          [rpcUrlVariable(record.chainId)]: chain.url,
          INDEXER_DATA_DIR: path.join(dataDir, "indexer"),
          INDEXER_CHAIN_IDS: String(record.chainId),
          DATABASE_URL: undefined,
        },
      });
      running.push({ name: "indexer", stop: indexer.stop });
      step(`Indexer at ${indexer.url}`);
      return indexer;
    })(),
    (async () => {
      const { parseConfig } = await import("../api/config.js");
      const { openDatabase } = await import("../api/db/client.js");
      const { migrate } = await import("../api/db/migrate.js");
      const { ChainCatalog } = await import("../api/chains/catalog.js");
      const { startApi } = await import("../api/main.js");
      const { forgetDevChainProgress, prepareDemoMerchant } = await import("./stack/demo-merchant.js");
      const config = parseConfig({
        ...process.env,
        // Embedded defaults: npm start never uses a DATABASE_URL from the environment.
        DATABASE_URL: undefined,
        API_HOST: HOST,
        API_PORT: String(ports.api),
        API_DATA_DIR: path.join(dataDir, "api"),
        INDEXER_URL: `http://${HOST}:${ports.indexer}`,
        // Wallets that add the local chain get the port it really runs on.
        [`WALLET_RPC_URL_${record.chainId}`]: chain.url,
        // The chain's RPC: refunds recorded by transaction hash are verified on it, and the sweeper sends forwards
        // through it, paying gas from the account funded above.
        [`RPC_URL_${record.chainId}`]: chain.url,
        [sweeperVariable]: sweeperKey,
        // The demo receiver listens on 127.0.0.1, which deliveries refuse unless the operator allows it.
        WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
      });
      const db = await openDatabase(config.database);
      let demo: Awaited<ReturnType<typeof prepareDemoMerchant>>;
      try {
        await migrate(db.db);
        await forgetDevChainProgress(db.db, record.chainId);
        const chains = await ChainCatalog.load({ dir: config.deploymentsDir, confirmations: config.confirmations });
        demo = await prepareDemoMerchant(db.db, chains, { chainId: record.chainId, payoutAddress: DEMO_MERCHANT_WALLET });
      } finally {
        await db.close();
      }
      const api = await startApi(config, { log: (...args) => console.error("  api:", ...args) });
      running.push({ name: "API", stop: api.stop });
      step(`API at ${api.url}`);
      return { api, demo };
    })(),
  ]);

  step("Registering the demo merchant's webhook receiver…");
  const { startDemoReceiver } = await import("./stack/demo-receiver.js");
  const receiver = await startDemoReceiver({
    apiUrl: api.url,
    apiKey: demo.apiKey,
    log: (line) => console.log(`  receiver: ${line}`),
  });
  running.push({ name: "webhook receiver", stop: receiver.stop });

  const sample = await createSampleOrder(api.url, demo.apiKey, record.chainId);
  // `npm run pay` defaults to the default ports: name ours when they differ, so the printed command pays here.
  const payFlags = [
    api.url === "http://127.0.0.1:3000" ? "" : ` --api ${api.url}`,
    chain.url === "http://127.0.0.1:8545" ? "" : ` --rpc ${chain.url}`,
  ].join("");
  step("Ready.");
  console.log(`
  API            ${api.url}
  API reference  ${api.url}/docs   (OpenAPI: ${api.url}/openapi.json)
  Indexer        ${indexer.url}   (GraphQL: ${indexer.url}/graphql)
  Chain          ${chain.url}   (chain id ${record.chainId}; router ${record.router})
  Tokens         ${record.tokens.map((t) => `${t.symbol} ${t.address}`).join("\n                 ")}

  Demo merchant  ${demo.merchantId}, payout wallet ${DEMO_MERCHANT_WALLET}
  Demo API key   ${demo.apiKey}
                 (new every run and shown only here; stored hashed)
  Console        ${api.url}/console   (sign in as ${demo.console.email} / ${demo.console.password};
                 new password every run; set up two-factor sign-in with any authenticator app the first time)
  Webhooks       ${receiver.url} (endpoint ${receiver.endpointId}): verified deliveries are logged below

  Create an order:
    curl -s ${api.url}/v1/orders \\
      -H "Authorization: Bearer ${demo.apiKey}" \\
      -H "Content-Type: application/json" \\
      -d '{"chainId": ${record.chainId}, "symbol": "USDT", "amount": "12.50", "merchantOrderId": "order-'$(date +%s)'"}'

  Sample order   ${sample.id} (12.50 USDT)
  Checkout       ${sample.cashierUrl}
  Pay it         npm run pay -- ${sample.cashierUrl}${payFlags}
  Watch it       curl -s "${api.url}/v1/contract-payment?orderId=${sample.id}" -H "Authorization: Bearer ${demo.apiKey}"

  Dev wallets (100,000 of each token; Hardhat's public test keys, never use them elsewhere):
    ${payers.join("\n    ")}

Press Ctrl-C to stop.`);
} catch (error) {
  console.error(`\nStart-up failed: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
}

async function createSampleOrder(apiUrl: string, apiKey: string, chainId: number): Promise<{ id: string; cashierUrl: string }> {
  const response = await fetch(`${apiUrl}/v1/orders`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      chainId,
      symbol: "USDT",
      amount: "12.50",
      merchantOrderId: `sample-${Date.now()}`,
      description: "Sample order made by npm start",
    }),
  });
  const body = (await response.json()) as { id: string; cashierUrl: string };
  if (!response.ok) throw new Error(`Creating the sample order failed: ${JSON.stringify(body)}`);
  return body;
}
