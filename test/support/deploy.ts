/**
 * Deploys the gateway to a test chain the way an operator does (`hardhat run scripts/deploy.ts --network custom`),
 * which writes the chain's deployment record into `deploymentsDir` for the indexer and the API to read.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import type { Hex } from "viem";
import { type DeploymentRecord, readDeploymentRecords } from "../../contracts/deployments/record.js";
import { CREATEX_ADDRESS } from "../../scripts/deploy/deploy-gateway.js";
import { rpc } from "../../scripts/stack/local-chain.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

/** Hardhat's dev account #0: the deployer, so it holds every test token's supply. Never use it anywhere real. */
export const DEPLOYER_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export async function deployGatewayTo(chainUrl: string, deploymentsDir: string): Promise<DeploymentRecord> {
  const chainId = Number(await rpc<string>(chainUrl, "eth_chainId"));
  const env = { ...process.env, RPC_URL: chainUrl, DEPLOYER_PRIVATE_KEY: DEPLOYER_KEY, DEPLOYMENTS_DIR: deploymentsDir };
  try {
    await run(path.join(root, "node_modules/.bin/hardhat"), ["run", "scripts/deploy.ts", "--network", "custom"], {
      cwd: root,
      env,
    });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`Deploying to chain ${chainId} failed:\n${`${stdout}\n${stderr}`.trim().slice(-2000)}`);
  }
  const record = (await readDeploymentRecords(deploymentsDir)).find((r) => r.chainId === chainId);
  if (!record) throw new Error(`The deploy script wrote no record for chain ${chainId} in ${deploymentsDir}`);
  return record;
}

/**
 * Ignition installs CreateX (which puts the router at its CREATE2 address) by itself only on chain 31337. Another dev
 * chain gets CreateX's runtime code copied from one that has it, which is what CreateX's keyless deployment leaves.
 */
export async function copyCreateX(fromUrl: string, toUrl: string): Promise<void> {
  const code = await rpc<Hex>(fromUrl, "eth_getCode", [CREATEX_ADDRESS, "latest"]);
  if (code === "0x") throw new Error(`CreateX is not deployed on ${fromUrl}: deploy the gateway there first`);
  await rpc(toUrl, "hardhat_setCode", [CREATEX_ADDRESS, code]);
}
