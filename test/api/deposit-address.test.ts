/**
 * `api/orders/deposit-address.ts` against a real `DepositFactory` on a Hardhat/EDR node: the address the API shows
 * for an order (through the deployment record and the chain catalog) is the one the factory derives on-chain, and
 * the one CREATE2 puts the clone at; a chain without a factory has none; a corrupt stored row fails by name.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Address, createPublicClient, createWalletClient, getAddress, type Hex, http, keccak256, toHex, zeroAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { depositFactoryAbi } from "../../contracts/abi/DepositFactory.js";
import { writeDeploymentRecord } from "../../contracts/deployments/record.js";
import { ChainCatalog } from "../../api/chains/catalog.js";
import { orderDepositAddress } from "../../api/orders/deposit-address.js";
import { type DevChain, startDevChain } from "../support/chain.js";
import { DEPLOYER_KEY } from "../support/deploy.js";

const root = path.resolve(import.meta.dirname, "../..");
let chain: DevChain;
let dir: string;
let factory: Address;
let catalog: ChainCatalog;
let client: ReturnType<typeof createPublicClient>;
let wallet: ReturnType<typeof createWalletClient>;

beforeAll(async () => {
  chain = await startDevChain();
  dir = await mkdtemp(path.join(os.tmpdir(), "deposit-address-"));
  client = createPublicClient({ transport: http(chain.url) });
  wallet = createWalletClient({ account: privateKeyToAccount(DEPLOYER_KEY), transport: http(chain.url) });
  const artifact = path.join(root, "artifacts/contracts/DepositFactory.sol/DepositFactory.json");
  const { bytecode } = JSON.parse(await readFile(artifact, "utf8")) as { bytecode: Hex };
  const hash = await wallet.deployContract({ abi: depositFactoryAbi, bytecode, chain: null, account: wallet.account! });
  factory = getAddress((await client.waitForTransactionReceipt({ hash })).contractAddress!);
  const token = { symbol: "USDT", name: "Tether USD", address: factory, decimals: 6, permit: false };
  await writeDeploymentRecord({ chainId: 31337, chainName: "Local", router: factory, depositFactory: factory, deployBlock: 0, tokens: [token] }, dir);
  await writeDeploymentRecord({ chainId: 1337, chainName: "Old record", router: factory, deployBlock: 0, tokens: [token] }, dir);
  catalog = await ChainCatalog.load({ dir });
});

afterAll(async () => {
  await chain?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const onChain = async (payout: Address, orderRef: Hex) =>
  await client.readContract({ address: factory, abi: depositFactoryAbi, functionName: "depositAddress", args: [payout, orderRef] });

describe("orderDepositAddress", () => {
  it("is the factory's own depositAddress for the order's payout and reference, through the deployment record", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), async (p, r) => {
        const payout = getAddress(toHex(p));
        fc.pre(payout !== zeroAddress);
        // Stored rows keep whatever case the merchant typed; the address comes back checksummed all the same.
        const order = { payoutAddress: payout.toLowerCase(), orderRef: toHex(r) };
        expect(orderDepositAddress(catalog.chain(31337), order)).toBe(await onChain(payout, order.orderRef));
      }),
      { numRuns: 25 },
    );
  });

  it("is where the factory deploys the order's clone", async () => {
    const payout = privateKeyToAccount(keccak256(toHex("merchant"))).address;
    const order = { payoutAddress: payout, orderRef: keccak256(toHex("ord_deposit")) };
    const expected = orderDepositAddress(catalog.chain(31337), order)!;
    expect(await client.getCode({ address: expected })).toBeUndefined();
    const hash = await wallet.writeContract({
      address: factory,
      abi: depositFactoryAbi,
      functionName: "deploy",
      args: [payout, order.orderRef as Hex],
      chain: null,
      account: wallet.account!,
    });
    expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
    // The clone's code is the 33-byte proxy to the factory: the payout is bound by the address, not stored.
    const code = (await client.getCode({ address: expected }))!;
    expect(code).toHaveLength(2 + 33 * 2);
    expect(code).toContain(factory.slice(2).toLowerCase());
  });

  it("is null on a chain whose record has no DepositFactory, and on a chain the catalog does not know", () => {
    const order = { payoutAddress: getAddress(toHex(7, { size: 20 })), orderRef: keccak256(toHex("x")) };
    expect(orderDepositAddress(catalog.chain(1337), order)).toBeNull();
    expect(orderDepositAddress(catalog.chain(5), order)).toBeNull();
  });

  it("refuses a corrupt stored payout or reference by name", () => {
    const good = { payoutAddress: getAddress(toHex(7, { size: 20 })), orderRef: keccak256(toHex("x")) };
    expect(() => orderDepositAddress(catalog.chain(31337), { ...good, payoutAddress: "0x12" })).toThrow(/payout: must be a non-zero address/);
    expect(() => orderDepositAddress(catalog.chain(31337), { ...good, orderRef: "0xabcd" })).toThrow(/orderRef: must be 32 bytes/);
  });
});
