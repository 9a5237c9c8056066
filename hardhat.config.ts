import { createRequire } from "node:module";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";
import { configVariable, defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

// No compiler download on these machines: Hardhat runs the npm `solc` package's soljson.js as solcjs.
const SOLC_VERSION = "0.8.30";
const SOLC_PATH = require.resolve("solc/soljson.js");
const SOLC_SETTINGS = { optimizer: { enabled: true, runs: 1_000_000 }, evmVersion: "cancun" };

/** Networks an operator deploys to; each reads its RPC URL from the named configuration variable. */
const PUBLIC_CHAINS = {
  sepolia: { chainId: 11155111, urlVariable: "SEPOLIA_RPC_URL" },
  mainnet: { chainId: 1, urlVariable: "MAINNET_RPC_URL" },
  bsc: { chainId: 56, urlVariable: "BSC_RPC_URL" },
  polygon: { chainId: 137, urlVariable: "POLYGON_RPC_URL" },
  arbitrum: { chainId: 42161, urlVariable: "ARBITRUM_RPC_URL" },
  base: { chainId: 8453, urlVariable: "BASE_RPC_URL" },
} as const;

export default defineConfig({
  plugins: [hardhatToolboxViem],
  solidity: {
    profiles: {
      default: {
        compilers: [{ version: SOLC_VERSION, path: SOLC_PATH, settings: SOLC_SETTINGS }],
        // Through the IR pipeline: the deposit factory (the operator pays its forwards on every order) and the two
        // routers, whose shared permit step (contracts/libraries/TokenPull.sol) it inlines (see README).
        overrides: Object.fromEntries(
          [
            "contracts/DepositFactory.sol",
            "contracts/PaymentRouter.sol",
            "contracts/RefundRouter.sol",
            // The Solidity tests that deploy them: a test compiles what it imports with its own settings.
            "test/contracts/DepositFactory.t.sol",
            "test/contracts/DepositFactory.invariant.t.sol",
            "test/contracts/PaymentRouter.t.sol",
            "test/contracts/PaymentRouter.invariant.t.sol",
            "test/contracts/RefundRouter.t.sol",
          ].map((file) => [
            file,
            { version: SOLC_VERSION, path: SOLC_PATH, settings: { ...SOLC_SETTINGS, viaIR: true } },
          ]),
        ),
      },
    },
  },
  paths: {
    tests: { solidity: "test/contracts", nodejs: "test/contracts" },
    ignition: "scripts/ignition",
  },
  test: {
    solidity: {
      fuzz: { runs: 512 },
      invariant: { runs: 64, depth: 32, failOnRevert: true },
    },
  },
  networks: {
    // The in-process EDR chain used by tests; `npm start` serves the same kind of chain over HTTP.
    hardhat: { type: "edr-simulated", chainType: "l1", chainId: 31337 },
    // `npm start`'s chain (or any local node): accounts are the node's unlocked dev accounts.
    localhost: { type: "http", chainType: "l1", url: configVariable("LOCAL_RPC_URL") },
    // Any other chain: RPC URL and key from `RPC_URL` / `DEPLOYER_PRIVATE_KEY` (environment or keystore).
    custom: {
      type: "http",
      chainType: "l1",
      url: configVariable("RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
    ...Object.fromEntries(
      Object.entries(PUBLIC_CHAINS).map(([name, { chainId, urlVariable }]) => [
        name,
        {
          type: "http" as const,
          chainType: "l1" as const,
          chainId,
          url: configVariable(urlVariable),
          accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
        },
      ]),
    ),
  },
  verify: {
    etherscan: { apiKey: configVariable("ETHERSCAN_API_KEY") },
  },
});
