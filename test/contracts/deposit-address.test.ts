/**
 * `contracts/deposit-address.ts` (the off-chain deposit address) against `DepositFactory` on Hardhat's in-process
 * chain: the helper agrees with the factory's own derivation and with where CREATE2 really puts the clone, a plain
 * transfer to the computed address (before any code is there) is forwarded to the payout address, and bad input is
 * refused by name.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { network } from "hardhat";
import { type Address, getAddress, getContract, type Hex, keccak256, parseEventLogs, parseUnits, size, toHex, zeroAddress } from "viem";
import { depositFactoryAbi } from "../../contracts/abi/DepositFactory.js";
import { tetherUSDAbi } from "../../contracts/abi/TetherUSD.js";
import { depositAddress, depositAddressInitCode } from "../../contracts/deposit-address.js";

const { viem } = await network.create();
const publicClient = await viem.getPublicClient();
const [owner, customer, merchant, stranger] = await viem.getWalletClients();

async function deployed<const TAbi extends readonly unknown[]>(abi: TAbi, name: string, args: readonly unknown[] = []) {
  const { address } = await viem.deployContract(name, [...args]);
  return getContract({ address, abi, client: { public: publicClient, wallet: owner! } });
}

const factory = await deployed(depositFactoryAbi, "DepositFactory");
const usdt = await deployed(tetherUSDAbi, "TetherUSD", [parseUnits("1000000", 6), "Tether USD", "USDT", 6]);
const wait = async (hash: Hex) => await publicClient.waitForTransactionReceipt({ hash });

describe("depositAddress (off-chain)", () => {
  it("equals the factory's depositAddress for any payout and order reference", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), async (p, r) => {
        const payout = getAddress(toHex(p));
        fc.pre(payout !== zeroAddress);
        const orderRef = toHex(r);
        const onChain = await factory.read.depositAddress([payout, orderRef]);
        assert.equal(depositAddress({ factory: factory.address, payout, orderRef }), onChain);
      }),
      { numRuns: 50 },
    );
  });

  it("is where CREATE2 puts the clone: a 33-byte delegating proxy to the factory", async () => {
    const orderRef = keccak256(toHex("order-created"));
    const expected = depositAddress({ factory: factory.address, payout: merchant!.account.address, orderRef });
    assert.equal((await publicClient.getCode({ address: expected })) ?? "0x", "0x", "nothing there before");
    const receipt = await wait(await factory.write.deploy([merchant!.account.address, orderRef]));
    const [event] = parseEventLogs({ abi: depositFactoryAbi, logs: receipt.logs, eventName: "DepositAddressDeployed" });
    assert.equal(event?.args.depositAddress, expected);
    assert.equal(event?.args.orderRef, orderRef);
    // The runtime code is the init code's last 33 bytes (after its 9-byte copier), naming the factory.
    const code = await publicClient.getCode({ address: expected });
    const initCode = depositAddressInitCode(factory.address);
    assert.equal(code, `0x${initCode.slice(2 + 9 * 2)}`.toLowerCase());
    assert.equal(size(code!), 33);
    assert.ok(code!.includes(factory.address.slice(2).toLowerCase()));
  });

  it("receives a plain transfer before it has code, and the forward pays the payout address", async () => {
    const orderRef = keccak256(toHex("order-paid-by-transfer"));
    const target = depositAddress({ factory: factory.address, payout: merchant!.account.address, orderRef });
    const amount = parseUnits("125.5", 6);
    await wait(await usdt.write.transfer([customer!.account.address, amount]));
    await wait(await usdt.write.transfer([target, amount], { account: customer!.account }));
    const before = await usdt.read.balanceOf([merchant!.account.address]);
    // A stranger pays the gas: anyone may trigger the forward, and it can only go to the payout address.
    const receipt = await wait(
      await factory.write.deployAndForward([usdt.address, merchant!.account.address, orderRef], { account: stranger!.account }),
    );
    const [event] = parseEventLogs({ abi: depositFactoryAbi, logs: receipt.logs, eventName: "Forwarded" });
    assert.deepEqual(event?.args, { orderRef, token: getAddress(usdt.address), amount });
    const [moved] = parseEventLogs({ abi: tetherUSDAbi, logs: receipt.logs, eventName: "Transfer" });
    assert.deepEqual([moved?.args.from, moved?.args.to], [target, getAddress(merchant!.account.address)]);
    assert.equal(await usdt.read.balanceOf([merchant!.account.address]), before + amount);
    assert.equal(await usdt.read.balanceOf([target]), 0n);
  });

  it("refuses a zero payout, a short order reference and a non-address by name", () => {
    const orderRef = keccak256(toHex("x"));
    const factoryAddress = factory.address;
    assert.throws(() => depositAddress({ factory: factoryAddress, payout: zeroAddress, orderRef }), /payout: must be a non-zero address/);
    assert.throws(
      () => depositAddress({ factory: factoryAddress, payout: merchant!.account.address, orderRef: "0x1234" }),
      /orderRef: must be 32 bytes/,
    );
    assert.throws(
      () => depositAddress({ factory: "0x1234" as Address, payout: merchant!.account.address, orderRef }),
      /factory: not an address/,
    );
  });
});
