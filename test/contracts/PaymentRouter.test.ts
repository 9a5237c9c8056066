/**
 * PaymentRouter through viem on Hardhat's in-process chain: what the Solidity suite (`PaymentRouter.t.sol`,
 * `PaymentRouter.invariant.t.sol`) cannot show. The deployed artifact's ABI surface; a payment as the gateway makes
 * it (viem's `simulate` return value, the transaction, the receipt's `PaymentReceived` decoded by viem); a permit
 * signed with viem's EIP-712 `signTypedData` (so the domain the app signs matches the token's); a custom error with
 * its arguments decoded by viem against the node's real block timestamp. Every other case (each token, each error,
 * fees, blacklist, pause, re-entry, front-run permits) lives in the Solidity suite.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import {
  type Abi,
  type Address,
  type Hash,
  type Hex,
  getContract,
  parseEventLogs,
  parseSignature,
  parseUnits,
  stringToHex,
} from "viem";
import { binancePegUSDAbi } from "../../contracts/abi/BinancePegUSD.js";
import { paymentRouterAbi } from "../../contracts/abi/PaymentRouter.js";
import { permitUSDAbi } from "../../contracts/abi/PermitUSD.js";
import { tetherUSDAbi } from "../../contracts/abi/TetherUSD.js";
import { permitTypes } from "../../contracts/eip2612.js";

const { viem, networkHelpers } = await network.create();

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

const usdt = (amount: string) => parseUnits(amount, 6);
const usdt18 = (amount: string) => parseUnits(amount, 18);
const orderRef = (label: string): Hex => stringToHex(label, { size: 32 });
/** A permit deadline a day after the chain's latest block. */
const farDeadline = async () => BigInt(await networkHelpers.time.latest()) + 24n * 3600n;

/** Anything with `balanceOf(address)` we can read. */
type BalanceReader = { read: { balanceOf: (args: readonly [Address]) => Promise<bigint> } };

async function balancesOf(token: BalanceReader, accounts: readonly Address[]): Promise<bigint[]> {
  return Promise.all(accounts.map((account) => token.read.balanceOf([account])));
}

/**
 * Deploys `name` through Hardhat and binds it to `abi` (the `as const` ABI the app itself uses), so calls are typed
 * whether or not Hardhat's generated artifact typings are visible to the compiler.
 */
async function deploy<const TAbi extends Abi>(abi: TAbi, name: string, args: readonly unknown[] = []) {
  const { address } = await viem.deployContract(name, [...args]);
  const [deployer] = await viem.getWalletClients();
  assert.ok(deployer);
  return getContract({ abi, address, client: { public: await viem.getPublicClient(), wallet: deployer } });
}

async function deployFixture() {
  const [owner, payer, merchant] = await viem.getWalletClients();
  assert.ok(owner && payer && merchant, "three funded accounts");
  const publicClient = await viem.getPublicClient();

  const router = await deploy(paymentRouterAbi, "PaymentRouter");
  const tether = await deploy(tetherUSDAbi, "TetherUSD", [usdt("1000000"), "Tether USD", "USDT", 6]);
  const permitUsd = await deploy(permitUSDAbi, "PermitUSD", [usdt("1000000")]);
  const bscUsd = await deploy(binancePegUSDAbi, "BinancePegUSD", [usdt18("1000000")]);

  // The payer holds 100,000 of each token; nothing is approved yet.
  await tether.write.transfer([payer.account.address, usdt("100000")]);
  await permitUsd.write.transfer([payer.account.address, usdt("100000")]);
  await bscUsd.write.transfer([payer.account.address, usdt18("100000")]);

  return { publicClient, router, tether, permitUsd, bscUsd, owner, payer, merchant };
}


type Fixture = Awaited<ReturnType<typeof deployFixture>>;

/** The PaymentReceived events the router (and only the router) emitted in a transaction. */
async function paymentEvents(f: Fixture, hash: Hash) {
  const receipt = await f.publicClient.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, "success");
  const ownLogs = receipt.logs.filter((log) => log.address.toLowerCase() === f.router.address.toLowerCase());
  return parseEventLogs({ abi: f.router.abi, eventName: "PaymentReceived", logs: ownLogs });
}

/** Asserts a transaction emitted exactly one PaymentReceived with these fields. */
async function assertOnePayment(
  f: Fixture,
  hash: Hash,
  expected: { orderRef: Hex; merchant: Address; payer: Address; token: Address; amount: bigint },
) {
  const events = await paymentEvents(f, hash);
  assert.equal(events.length, 1, "exactly one PaymentReceived");
  const { args } = events[0]!;
  assert.equal(args.orderRef, expected.orderRef);
  assert.equal(args.merchant.toLowerCase(), expected.merchant.toLowerCase());
  assert.equal(args.payer.toLowerCase(), expected.payer.toLowerCase());
  assert.equal(args.token.toLowerCase(), expected.token.toLowerCase());
  assert.equal(args.amount, expected.amount);
}

/** A token the fixture's payer paid with: its balances and the router's allowance can be read. */
type PaidToken = BalanceReader & {
  address: Address;
  read: { allowance: (args: readonly [Address, Address]) => Promise<bigint> };
};

/**
 * Asserts the payer paid the merchant `amount` of `token` in transaction `hash`: both balances moved by exactly that,
 * nothing is left approved or at the router, and the transaction emitted exactly one matching PaymentReceived.
 */
async function assertPaid(
  f: Fixture,
  token: PaidToken,
  hash: Hash,
  expected: { orderRef: Hex; amount: bigint; payerBefore: bigint; merchantBefore: bigint },
) {
  const [payer, merchant] = [f.payer.account.address, f.merchant.account.address];
  const [payerAfter, merchantAfter] = await balancesOf(token, [payer, merchant]);
  assert.equal(merchantAfter! - expected.merchantBefore, expected.amount);
  assert.equal(expected.payerBefore - payerAfter!, expected.amount);
  await assertRouterHoldsNothing(f);
  assert.equal(await token.read.allowance([payer, f.router.address]), 0n, "allowance used up");
  await assertOnePayment(f, hash, { orderRef: expected.orderRef, merchant, payer, token: token.address, amount: expected.amount });
}

/** Balances of every token the fixture knows, for the given accounts plus the router. */
async function snapshotBalances(f: Fixture, accounts: readonly Address[]) {
  const all = [...accounts, f.router.address];
  return {
    tether: await balancesOf(f.tether, all),
    permitUsd: await balancesOf(f.permitUsd, all),
    bscUsd: await balancesOf(f.bscUsd, all),
  };
}

/**
 * Runs `expectRevert` (an assertion on a failing router call) and checks the failure left no trace: no
 * PaymentReceived was logged by the router and no balance of payer, merchant or router moved.
 */
async function assertRevertsWithoutEffect(f: Fixture, merchant: Address, expectRevert: () => Promise<void>) {
  const accounts = [f.payer.account.address, merchant];
  const before = await snapshotBalances(f, accounts);
  const fromBlock = (await f.publicClient.getBlockNumber()) + 1n;

  await expectRevert();

  assert.deepEqual(await snapshotBalances(f, accounts), before, "no balance moved");
  const logs = await f.publicClient.getContractEvents({
    address: f.router.address,
    abi: f.router.abi,
    eventName: "PaymentReceived",
    fromBlock,
  });
  assert.equal(logs.length, 0, "no PaymentReceived");
  await assertRouterHoldsNothing(f);
}

async function assertRouterHoldsNothing(f: Fixture) {
  assert.deepEqual(
    [
      await f.tether.read.balanceOf([f.router.address]),
      await f.permitUsd.read.balanceOf([f.router.address]),
      await f.bscUsd.read.balanceOf([f.router.address]),
    ],
    [0n, 0n, 0n],
    "router holds no tokens",
  );
}

/** The payer's EIP-2612 permit of `value` PermitUSD for the router, signed with viem's `signTypedData`. */
async function signPermit(f: Fixture, value: bigint, deadline: bigint) {
  const owner = f.payer.account.address;
  const nonce = await f.permitUsd.read.nonces([owner]);
  const signature = await f.payer.signTypedData({
    account: f.payer.account,
    domain: {
      name: "Permit USD",
      version: "1",
      chainId: await f.publicClient.getChainId(),
      verifyingContract: f.permitUsd.address,
    },
    types: permitTypes,
    primaryType: "Permit",
    message: { owner, spender: f.router.address, value, nonce, deadline },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  return { v: Number(v ?? BigInt(yParity + 27)), r, s };
}

// ---------------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------------

describe("PaymentRouter", () => {
  describe("ABI surface", () => {
    it("has no owner or admin functions: pay and payWithPermit are its only state-changing functions", async () => {
      // The compiled artifact's ABI, not the generated module: what is actually deployed.
      const { abi } = await viem.deployContract("PaymentRouter");
      const stateChanging = (abi as Abi)
        .filter((item) => item.type === "function")
        .filter((fn) => fn.stateMutability !== "view" && fn.stateMutability !== "pure")
        .map((fn) => fn.name)
        .sort();
      assert.deepEqual(stateChanging, ["pay", "payWithPermit"]);
      const entryPoints = (abi as Abi).filter((item) => item.type === "fallback" || item.type === "receive");
      assert.deepEqual(entryPoints, [], "no fallback or receive");
    });
  });

  describe("pay", () => {
    it("pays TetherUSD (6 decimals, no return value): merchant grows by amount, one event, router keeps nothing", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, tether, payer, merchant } = f;
      const amount = usdt("125.5");
      const ref = orderRef("order-usdt");
      await tether.write.approve([router.address, amount], { account: payer.account });
      const [payerBefore, merchantBefore] = await balancesOf(tether, [payer.account.address, merchant.account.address]);

      const { result } = await router.simulate.pay([tether.address, amount, merchant.account.address, ref], {
        account: payer.account.address,
      });
      assert.equal(result, amount, "returns the amount received");
      const hash = await router.write.pay([tether.address, amount, merchant.account.address, ref], {
        account: payer.account,
      });

      await assertPaid(f, tether, hash, { orderRef: ref, amount, payerBefore: payerBefore!, merchantBefore: merchantBefore! });
    });
  });

  describe("payWithPermit", () => {
    it("pays PermitUSD with the payer's EIP-2612 signature and no prior approve", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, permitUsd, payer, merchant } = f;
      const amount = usdt("250");
      const deadline = await farDeadline();
      const ref = orderRef("order-permit");
      assert.equal(await permitUsd.read.allowance([payer.account.address, router.address]), 0n);
      const { v, r, s } = await signPermit(f, amount, deadline);
      const [payerBefore, merchantBefore] = await balancesOf(permitUsd, [payer.account.address, merchant.account.address]);

      const args = [permitUsd.address, amount, merchant.account.address, ref, deadline, v, r, s] as const;
      const { result } = await router.simulate.payWithPermit(args, { account: payer.account.address });
      assert.equal(result, amount);
      const hash = await router.write.payWithPermit(args, { account: payer.account });

      await assertPaid(f, permitUsd, hash, { orderRef: ref, amount, payerBefore: payerBefore!, merchantBefore: merchantBefore! });
      assert.equal(await permitUsd.read.nonces([payer.account.address]), 1n, "permit consumed");
    });

    it("reverts with PermitExpired(deadline, timestamp) once the deadline has passed", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, permitUsd, payer, merchant } = f;
      const amount = usdt("3");
      const deadline = BigInt(await networkHelpers.time.latest()) + 100n;
      const { v, r, s } = await signPermit(f, amount, deadline);
      const late = deadline + 1n;
      await networkHelpers.time.setNextBlockTimestamp(late);

      await assertRevertsWithoutEffect(f, merchant.account.address, () =>
        viem.assertions.revertWithCustomErrorWithArgs(
          router.write.payWithPermit(
            [permitUsd.address, amount, merchant.account.address, orderRef("expired"), deadline, v, r, s],
            { account: payer.account },
          ),
          router,
          "PermitExpired",
          [deadline, late],
        ),
      );
      assert.equal(await permitUsd.read.nonces([payer.account.address]), 0n, "permit not consumed");
    });
  });
});
