/**
 * Deploys the gateway's contracts on one chain through Ignition and writes that chain's deployment record.
 * The router, the deposit-address factory and the refund router go through the create2 strategy (CreateX), so each
 * has the same address on every chain; chains with official stablecoins accept those, the others (local chains,
 * testnets) get the test tokens.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";
import {
  type Address,
  encodeAbiParameters,
  getAddress,
  getContractAddress,
  type Hex,
  keccak256,
  type PublicClient,
} from "viem";
import {
  DEFAULT_DEPLOYMENTS_DIR,
  type AcceptedToken,
  type DeploymentRecord,
  readDeploymentRecords,
  writeDeploymentRecord,
} from "../../contracts/deployments/record.js";
import DepositFactoryModule from "../ignition/modules/DepositFactory.js";
import PaymentRouterModule from "../ignition/modules/PaymentRouter.js";
import RefundRouterModule from "../ignition/modules/RefundRouter.js";
import TestTokensModule from "../ignition/modules/TestTokens.js";
import { BaseError } from "../../api/lib/base-error.js";
import { OFFICIAL_TOKENS } from "./official-tokens.js";

/**
 * CreateX salt: no sender prefix and no cross-chain guard byte, so each contract's address is the same everywhere.
 * The gateway's contracts share it (their bytecodes differ, and with them their addresses).
 */
export const ROUTER_SALT = "0x00000000000000000000000000000000000000000053746162656c6761746531";
export const CREATEX_ADDRESS = "0xba5Ed099633D3B313e4D5F7bdc1305d3c28ba5Ed";

/**
 * Where CreateX puts a contract deployed with `ROUTER_SALT`: depends only on the salt and the bytecode, not on the
 * deployer or its nonce. Holds for the router, the deposit factory and the refund router (none takes arguments).
 */
export function routerCreate2Address(bytecode: Hex): Address {
  // CreateX hashes a salt with neither sender nor chain guard once more before CREATE2.
  const guardedSalt = keccak256(encodeAbiParameters([{ type: "bytes32" }], [ROUTER_SALT]));
  return getContractAddress({ opcode: "CREATE2", from: CREATEX_ADDRESS, salt: guardedSalt, bytecode });
}

const LOCAL_CHAIN_IDS = new Set([31337, 1337]);
const TEST_CHAIN_NAMES: Record<number, string> = {
  31337: "Local dev chain",
  1337: "Local dev chain",
  11155111: "Sepolia",
  97: "BNB Smart Chain Testnet",
  80002: "Polygon Amoy",
  421614: "Arbitrum Sepolia",
  84532: "Base Sepolia",
};

export interface DeployGatewayOptions {
  /** Where the record is written; defaults to `contracts/deployments`. */
  deploymentsDir?: string;
  /** Point the record at new contracts even where the ones it names are live on the chain (see `ContractsReplacedError`). */
  replaceContracts?: boolean;
  /** Print Ignition's progress. */
  displayUi?: boolean;
}

export interface DeployGatewayResult {
  record: DeploymentRecord;
  recordPath: string;
}

export async function deployGateway(
  hre: HardhatRuntimeEnvironment,
  connection: NetworkConnection<"l1">,
  { deploymentsDir = DEFAULT_DEPLOYMENTS_DIR, displayUi = false, replaceContracts = false }: DeployGatewayOptions = {},
): Promise<DeployGatewayResult> {
  const publicClient = await connection.viem.getPublicClient();
  const chainId = await publicClient.getChainId();
  const local = LOCAL_CHAIN_IDS.has(chainId);
  // A local chain starts empty every time, so its Ignition journal is thrown away after the run.
  const deploymentId = local ? `chain-${chainId}-local-${process.pid}` : undefined;
  const startBlock = await publicClient.getBlockNumber();
  const previous = (await readDeploymentRecords(deploymentsDir)).find((r) => r.chainId === chainId);
  const hasCode = async (address: Address) => ((await publicClient.getCode({ address })) ?? "0x") !== "0x";
  if (previous !== undefined && !replaceContracts) await refuseToReplaceLiveContracts(hre, previous, hasCode, deploymentsDir);

  try {
    const options = { strategy: "create2", strategyConfig: { salt: ROUTER_SALT }, deploymentId, displayUi } as const;
    const routerAddress = await deployAtCreate2Address(hre, connection, "PaymentRouter", async () =>
      (await connection.ignition.deploy(PaymentRouterModule, options)).router.address,
    );
    const depositFactory = await deployAtCreate2Address(hre, connection, "DepositFactory", async () =>
      (await connection.ignition.deploy(DepositFactoryModule, options)).depositFactory.address,
    );
    const refundRouter = await deployAtCreate2Address(hre, connection, "RefundRouter", async () =>
      (await connection.ignition.deploy(RefundRouterModule, options)).refundRouter.address,
    );

    let tokens: AcceptedToken[];
    const official = OFFICIAL_TOKENS[chainId];
    if (official !== undefined) {
      tokens = official.tokens;
    } else if (previous !== undefined && (await Promise.all(previous.tokens.map((t) => hasCode(t.address)))).every(Boolean)) {
      tokens = previous.tokens;
    } else {
      const { usdt, usdc, usdt18 } = await connection.ignition.deploy(TestTokensModule, { deploymentId, displayUi });
      tokens = [
        { symbol: "USDT", name: "Tether USD (test)", address: usdt.address, decimals: 6, permit: false },
        { symbol: "USDC", name: "Permit USD (test)", address: usdc.address, decimals: 6, permit: true },
        { symbol: "USDT18", name: "Tether USD 18 decimals (test)", address: usdt18.address, decimals: 18, permit: false },
      ];
    }

    const deployBlock = await findDeployBlock(publicClient, routerAddress, startBlock, previous);
    const record: DeploymentRecord = {
      chainId,
      chainName: official?.chainName ?? TEST_CHAIN_NAMES[chainId] ?? `Chain ${chainId}`,
      router: routerAddress,
      depositFactory,
      refundRouter,
      deployBlock,
      tokens,
    };
    const recordPath = await writeDeploymentRecord(record, deploymentsDir);
    return { record, recordPath };
  } finally {
    if (deploymentId !== undefined) {
      await rm(path.join(hre.config.paths.ignition, "deployments", deploymentId), { recursive: true, force: true });
    }
  }
}

/**
 * A contract's address follows its bytecode: a version whose router changed would deploy a new one, and the record
 * (which the indexer and the API follow) would name it while open orders still name the old one, whose payments would
 * then go unseen. Refused while the record's contracts are live on the chain, unless the operator says so.
 */
export class ContractsReplacedError extends BaseError {
  override name = "ContractsReplacedError";
  constructor(readonly replaced: readonly string[], recordsDir: string) {
    super(
      `The deployment record in ${recordsDir} names contracts live on this chain that this version would replace: ` +
        `${replaced.join("; ")}. Open orders and refunds name the old addresses, and their payments would not be ` +
        "indexed once the record names the new ones. Deploy this version once none is open, with " +
        "DEPLOY_REPLACE_CONTRACTS=true; or keep the version that built the live contracts.",
      { details: { replaced } },
    );
  }
}

async function refuseToReplaceLiveContracts(
  hre: HardhatRuntimeEnvironment,
  previous: DeploymentRecord,
  hasCode: (address: Address) => Promise<boolean>,
  recordsDir: string,
): Promise<void> {
  const named = { PaymentRouter: previous.router, DepositFactory: previous.depositFactory, RefundRouter: previous.refundRouter };
  const replaced: string[] = [];
  for (const [contractName, address] of Object.entries(named)) {
    if (address === undefined) continue;
    const next = routerCreate2Address((await hre.artifacts.readArtifact(contractName)).bytecode as Hex);
    // Not live here (a dev chain started afresh, a record from another chain's run): nothing is replaced.
    if (getAddress(next) !== getAddress(address) && (await hasCode(address))) replaced.push(`${contractName} ${address} -> ${next}`);
  }
  if (replaced.length > 0) throw new ContractsReplacedError(replaced, recordsDir);
}

/** Runs `deploy` (an Ignition create2 deployment) unless the same bytecode is already at its CREATE2 address. */
async function deployAtCreate2Address(
  hre: HardhatRuntimeEnvironment,
  connection: NetworkConnection<"l1">,
  contractName: string,
  deploy: () => Promise<string>,
): Promise<Address> {
  const publicClient = await connection.viem.getPublicClient();
  // The same bytecode at the same CREATE2 address is the same contract, whoever deployed it: reuse it.
  const { bytecode } = await hre.artifacts.readArtifact(contractName);
  const expected = routerCreate2Address(bytecode as Hex);
  if (((await publicClient.getCode({ address: expected })) ?? "0x") !== "0x") return expected;
  const deployed = getAddress(await deploy());
  if (deployed !== expected) throw new Error(`${contractName} landed at ${deployed}, not at its CREATE2 address ${expected}`);
  return deployed;
}

/**
 * The first block with the router's code, searched only among blocks this run could have mined (recent state every
 * node keeps). If the router was already there, the earlier record's block stands, or the search covers the chain.
 */
async function findDeployBlock(
  client: PublicClient,
  router: Address,
  startBlock: bigint,
  previous: DeploymentRecord | undefined,
): Promise<number> {
  const hasCode = async (blockNumber: bigint) =>
    ((await client.getCode({ address: router, blockNumber }).catch(() => undefined)) ?? "0x") !== "0x";

  if (await hasCode(startBlock)) {
    if (previous !== undefined && previous.router === router) return previous.deployBlock;
    startBlock = 0n;
  }
  let low = startBlock;
  let high = await client.getBlockNumber();
  while (low < high) {
    const mid = (low + high) / 2n;
    if (await hasCode(mid)) high = mid;
    else low = mid + 1n;
  }
  return Number(low);
}
