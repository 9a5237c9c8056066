/**
 * The operator's deploy path, end to end: `hardhat run scripts/deploy.ts --network custom` against a separate local
 * node reached over HTTP, with the RPC URL and the deployer key supplied as configuration variables (environment),
 * exactly as for Sepolia or a mainnet.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { createPublicClient, type Hex, http, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { depositFactoryAbi } from "../../contracts/abi/DepositFactory.js";
import { readDeploymentRecords, writeDeploymentRecord } from "../../contracts/deployments/record.js";
import { depositAddress } from "../../contracts/deposit-address.js";
import { routerCreate2Address } from "../../scripts/deploy/deploy-gateway.js";
import { type LocalChain, startLocalChain } from "../../scripts/stack/local-chain.js";
import { freePort } from "../../scripts/stack/ports.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
// Hardhat's well-known dev account #7: a deployer that is not the default account.
const DEPLOYER_KEY: Hex = "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356";

describe("scripts/deploy.ts over HTTP", () => {
  let chain: LocalChain;
  let recordsDir: string;

  before(async () => {
    chain = await startLocalChain({ port: await freePort() });
    recordsDir = await mkdtemp(path.join(tmpdir(), "stablegate-deploy-"));
  });

  after(async () => {
    await chain?.stop();
    await rm(recordsDir, { recursive: true, force: true });
  });

  it("deploys the router, deposit factory and refund router at their CREATE2 addresses and writes a record the indexer and API can read", async () => {
    const env = { ...process.env, RPC_URL: chain.url, DEPLOYER_PRIVATE_KEY: DEPLOYER_KEY, DEPLOYMENTS_DIR: recordsDir };
    const { stdout } = await run(path.join(root, "node_modules/.bin/hardhat"), ["run", "scripts/deploy.ts", "--network", "custom"], {
      cwd: root,
      env,
    });
    assert.match(stdout, /Record written to/);

    const [record] = await readDeploymentRecords(recordsDir);
    assert.ok(record, "a record was written");
    assert.equal(record.chainId, 31337);
    assert.deepEqual(
      record.tokens.map((t) => [t.symbol, t.decimals, t.permit]),
      [
        ["USDT", 6, false],
        ["USDC", 6, true],
        ["USDT18", 18, false],
      ],
    );

    // The router's address depends only on CreateX, the salt and the bytecode: not on the deployer or its nonce.
    const artifact = JSON.parse(
      await readFile(path.join(root, "artifacts/contracts/PaymentRouter.sol/PaymentRouter.json"), "utf8"),
    ) as { bytecode: Hex };
    assert.equal(record.router, routerCreate2Address(artifact.bytecode));

    const client = createPublicClient({ transport: http(chain.url) });
    const code = await client.getCode({ address: record.router });
    assert.ok(code && code.length > 2, "router has code");
    // deployBlock is the first block with the router's code.
    assert.ok(((await client.getCode({ address: record.router, blockNumber: BigInt(record.deployBlock) })) ?? "0x") !== "0x");
    assert.equal(
      (await client.getCode({ address: record.router, blockNumber: BigInt(record.deployBlock - 1) })) ?? "0x",
      "0x",
    );
    // The deposit factory and the refund router: CREATE2 addresses from CreateX, the salt and their bytecode too.
    for (const [name, address] of [
      ["DepositFactory", record.depositFactory],
      ["RefundRouter", record.refundRouter],
    ] as const) {
      const { bytecode } = JSON.parse(await readFile(path.join(root, `artifacts/contracts/${name}.sol/${name}.json`), "utf8")) as {
        bytecode: Hex;
      };
      assert.equal(address, routerCreate2Address(bytecode), `${name} at its CREATE2 address`);
      assert.ok(((await client.getCode({ address: address! })) ?? "0x").length > 2, `${name} has code`);
    }
    // The off-chain helper agrees with the deployed factory.
    const orderRef = keccak256(toHex("deployed-factory-order"));
    const payout = privateKeyToAccount(DEPLOYER_KEY).address;
    assert.equal(
      depositAddress({ factory: record.depositFactory!, payout, orderRef }),
      await client.readContract({ address: record.depositFactory!, abi: depositFactoryAbi, functionName: "depositAddress", args: [payout, orderRef] }),
    );
    // The test tokens were deployed by the operator's key, which therefore holds their supply.
    const deployer = privateKeyToAccount(DEPLOYER_KEY).address;
    for (const token of record.tokens) {
      const balance = await client.readContract({
        address: token.address,
        abi: [{ type: "function", name: "balanceOf", stateMutability: "view", inputs: [{ type: "address" }], outputs: [{ type: "uint256" }] }],
        functionName: "balanceOf",
        args: [deployer],
      });
      assert.ok(balance > 0n, `${token.symbol} supply went to the deployer`);
    }
  });

  it("keeps the record stable when run again (idempotent Ignition deployment)", async () => {
    const env = { ...process.env, RPC_URL: chain.url, DEPLOYER_PRIVATE_KEY: DEPLOYER_KEY, DEPLOYMENTS_DIR: recordsDir };
    const [first] = await readDeploymentRecords(recordsDir);
    await run(path.join(root, "node_modules/.bin/hardhat"), ["run", "scripts/deploy.ts", "--network", "custom"], { cwd: root, env });
    const [second] = await readDeploymentRecords(recordsDir);
    assert.deepEqual(second, first);
  });

  it("refuses to point a record at new contracts while the ones it names are live, unless told to", async () => {
    const env = { ...process.env, RPC_URL: chain.url, DEPLOYER_PRIVATE_KEY: DEPLOYER_KEY, DEPLOYMENTS_DIR: recordsDir };
    const [deployed] = await readDeploymentRecords(recordsDir);
    // As if the live router had come from another version: the record names a contract whose code is not this one's.
    const older = { ...deployed!, router: deployed!.tokens[0]!.address };
    await writeDeploymentRecord(older, recordsDir);
    const deploy = (extra: Record<string, string>) =>
      run(path.join(root, "node_modules/.bin/hardhat"), ["run", "scripts/deploy.ts", "--network", "custom"], { cwd: root, env: { ...env, ...extra } });
    await assert.rejects(deploy({}), (error: Error & { stderr?: string }) => {
      assert.match(error.stderr ?? error.message, /ContractsReplacedError[\s\S]*PaymentRouter 0x[0-9a-fA-F]{40} -> 0x[0-9a-fA-F]{40}[\s\S]*DEPLOY_REPLACE_CONTRACTS=true/);
      return true;
    });
    assert.deepEqual((await readDeploymentRecords(recordsDir))[0], older);
    await deploy({ DEPLOY_REPLACE_CONTRACTS: "true" });
    assert.equal((await readDeploymentRecords(recordsDir))[0]!.router, deployed!.router);
  });
});
