/**
 * PaymentRouter through viem on Hardhat's in-process chain: payments with USDT-shaped (no return value, fee,
 * blacklist, pause), EIP-2612 and 18-decimal tokens, every custom error with its arguments, and the invariants the
 * gateway relies on (the router never holds a token, a failed payment emits nothing, no second move by re-entry).
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
  parseAbi,
  parseEventLogs,
  parseSignature,
  parseUnits,
  stringToHex,
  zeroAddress,
} from "viem";
import { binancePegUSDAbi } from "../../contracts/abi/BinancePegUSD.js";
import { paymentRouterAbi } from "../../contracts/abi/PaymentRouter.js";
import { permitUSDAbi } from "../../contracts/abi/PermitUSD.js";
import { tetherUSDAbi } from "../../contracts/abi/TetherUSD.js";

const { viem, networkHelpers } = await network.create();

/** The parts of contracts/mocks/ReentrantToken.sol the tests call (it has no generated ABI module). */
const reentrantTokenAbi = parseAbi([
  "function mint(address to, uint256 amount)",
  "function approve(address spender, uint256 value) returns (bool)",
  "function arm(address target)",
  "function balanceOf(address account) view returns (uint256)",
  "function reentryAttempted() view returns (bool)",
]);

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
  const [owner, payer, merchant, stranger, wrongSigner] = await viem.getWalletClients();
  assert.ok(owner && payer && merchant && stranger && wrongSigner, "five funded accounts");
  const publicClient = await viem.getPublicClient();

  const router = await deploy(paymentRouterAbi, "PaymentRouter");
  const tether = await deploy(tetherUSDAbi, "TetherUSD", [usdt("1000000"), "Tether USD", "USDT", 6]);
  const permitUsd = await deploy(permitUSDAbi, "PermitUSD", [usdt("1000000")]);
  const bscUsd = await deploy(binancePegUSDAbi, "BinancePegUSD", [usdt18("1000000")]);

  // The payer holds 100,000 of each token; nothing is approved yet.
  await tether.write.transfer([payer.account.address, usdt("100000")]);
  await permitUsd.write.transfer([payer.account.address, usdt("100000")]);
  await bscUsd.write.transfer([payer.account.address, usdt18("100000")]);

  return { publicClient, router, tether, permitUsd, bscUsd, owner, payer, merchant, stranger, wrongSigner };
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

/** An EIP-2612 permit for PermitUSD, signed by `signer` on behalf of `owner` (the payer unless forging). */
async function signPermit(
  f: Fixture,
  opts: { owner: Address; signer: Fixture["payer"]; spender: Address; value: bigint; deadline: bigint },
) {
  const nonce = await f.permitUsd.read.nonces([opts.owner]);
  const signature = await opts.signer.signTypedData({
    account: opts.signer.account,
    domain: {
      name: "Permit USD",
      version: "1",
      chainId: await f.publicClient.getChainId(),
      verifyingContract: f.permitUsd.address,
    },
    types: {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "Permit",
    message: { owner: opts.owner, spender: opts.spender, value: opts.value, nonce, deadline: opts.deadline },
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

      const [payerAfter, merchantAfter] = await balancesOf(tether, [payer.account.address, merchant.account.address]);
      assert.equal(merchantAfter! - merchantBefore!, amount);
      assert.equal(payerBefore! - payerAfter!, amount);
      await assertRouterHoldsNothing(f);
      assert.equal(await tether.read.allowance([payer.account.address, router.address]), 0n, "allowance used up");
      await assertOnePayment(f, hash, {
        orderRef: ref,
        merchant: merchant.account.address,
        payer: payer.account.address,
        token: tether.address,
        amount,
      });
    });

    it("pays PermitUSD (6 decimals, returns bool) after a plain approve", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, permitUsd, payer, merchant } = f;
      const amount = usdt("42");
      const ref = orderRef("order-usdc");
      await permitUsd.write.approve([router.address, amount], { account: payer.account });
      const [merchantBefore] = await balancesOf(permitUsd, [merchant.account.address]);

      const hash = await router.write.pay([permitUsd.address, amount, merchant.account.address, ref], {
        account: payer.account,
      });

      const [merchantAfter] = await balancesOf(permitUsd, [merchant.account.address]);
      assert.equal(merchantAfter! - merchantBefore!, amount);
      await assertRouterHoldsNothing(f);
      await assertOnePayment(f, hash, {
        orderRef: ref,
        merchant: merchant.account.address,
        payer: payer.account.address,
        token: permitUsd.address,
        amount,
      });
    });

    it("pays BinancePegUSD (18 decimals) with the full 18-decimal amount", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, bscUsd, payer, merchant } = f;
      const amount = usdt18("19.999999999999999999");
      const ref = orderRef("order-bsc");
      await bscUsd.write.approve([router.address, amount], { account: payer.account });
      const [merchantBefore] = await balancesOf(bscUsd, [merchant.account.address]);

      const { result } = await router.simulate.pay([bscUsd.address, amount, merchant.account.address, ref], {
        account: payer.account.address,
      });
      assert.equal(result, amount);
      const hash = await router.write.pay([bscUsd.address, amount, merchant.account.address, ref], {
        account: payer.account,
      });

      const [merchantAfter] = await balancesOf(bscUsd, [merchant.account.address]);
      assert.equal(merchantAfter! - merchantBefore!, amount);
      await assertRouterHoldsNothing(f);
      await assertOnePayment(f, hash, {
        orderRef: ref,
        merchant: merchant.account.address,
        payer: payer.account.address,
        token: bscUsd.address,
        amount,
      });
    });

    it("emits PaymentReceived with the same fields through hardhat-viem-assertions", async () => {
      const { router, bscUsd, payer, merchant } = await networkHelpers.loadFixture(deployFixture);
      const amount = usdt18("1");
      const ref = orderRef("order-assertions");
      await bscUsd.write.approve([router.address, amount], { account: payer.account });

      await viem.assertions.emitWithArgs(
        router.write.pay([bscUsd.address, amount, merchant.account.address, ref], { account: payer.account }),
        router,
        "PaymentReceived",
        [ref, merchant.account.address, payer.account.address, bscUsd.address, amount],
      );
    });

    it("reverts with ZeroAmount for a zero amount", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, tether, payer, merchant } = f;
      await tether.write.approve([router.address, usdt("10")], { account: payer.account });

      await assertRevertsWithoutEffect(f, merchant.account.address, () =>
        viem.assertions.revertWithCustomError(
          router.write.pay([tether.address, 0n, merchant.account.address, orderRef("zero")], {
            account: payer.account,
          }),
          router,
          "ZeroAmount",
        ),
      );
    });

    it("reverts with InvalidMerchant(0x0) for the zero address as merchant", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, tether, payer } = f;
      await tether.write.approve([router.address, usdt("10")], { account: payer.account });

      await assertRevertsWithoutEffect(f, zeroAddress, () =>
        viem.assertions.revertWithCustomErrorWithArgs(
          router.write.pay([tether.address, usdt("10"), zeroAddress, orderRef("no-merchant")], {
            account: payer.account,
          }),
          router,
          "InvalidMerchant",
          [zeroAddress],
        ),
      );
    });

    it("reverts with InvalidMerchant(router) when the merchant is the router itself", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, tether, payer } = f;
      await tether.write.approve([router.address, usdt("10")], { account: payer.account });

      await assertRevertsWithoutEffect(f, router.address, () =>
        viem.assertions.revertWithCustomErrorWithArgs(
          router.write.pay([tether.address, usdt("10"), router.address, orderRef("self")], {
            account: payer.account,
          }),
          router,
          "InvalidMerchant",
          [(merchant: Address) => merchant.toLowerCase() === router.address.toLowerCase()],
        ),
      );
    });

    it("reverts with InvalidToken for a token address that has no code", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, payer, merchant, stranger, publicClient } = f;
      const noCode = stranger.account.address;
      assert.equal((await publicClient.getCode({ address: noCode })) ?? "0x", "0x");

      await assertRevertsWithoutEffect(f, merchant.account.address, () =>
        viem.assertions.revertWithCustomErrorWithArgs(
          router.write.pay([noCode, usdt("10"), merchant.account.address, orderRef("eoa-token")], {
            account: payer.account,
          }),
          router,
          "InvalidToken",
          [(token: Address) => token.toLowerCase() === noCode.toLowerCase()],
        ),
      );
    });

    it("reverts with InvalidToken for a contract that does not answer balanceOf", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, payer, merchant } = f;

      // The router itself has code but no balanceOf and no fallback: the static call fails.
      await assertRevertsWithoutEffect(f, merchant.account.address, () =>
        viem.assertions.revertWithCustomErrorWithArgs(
          router.write.pay([router.address, usdt("10"), merchant.account.address, orderRef("not-a-token")], {
            account: payer.account,
          }),
          router,
          "InvalidToken",
          [(token: Address) => token.toLowerCase() === router.address.toLowerCase()],
        ),
      );
    });

    it("reverts with NothingReceived when the payer pays itself (the merchant's balance does not grow)", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, permitUsd, payer } = f;
      await permitUsd.write.approve([router.address, usdt("10")], { account: payer.account });

      await assertRevertsWithoutEffect(f, payer.account.address, () =>
        viem.assertions.revertWithCustomErrorWithArgs(
          router.write.pay([permitUsd.address, usdt("10"), payer.account.address, orderRef("self-pay")], {
            account: payer.account,
          }),
          router,
          "NothingReceived",
          [
            (token: Address) => token.toLowerCase() === permitUsd.address.toLowerCase(),
            (merchant: Address) => merchant.toLowerCase() === payer.account.address.toLowerCase(),
          ],
        ),
      );
    });

    it("reverts, moving nothing, when the payer is blacklisted by TetherUSD", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, tether, payer, merchant } = f;
      await tether.write.approve([router.address, usdt("10")], { account: payer.account });
      await tether.write.addBlackList([payer.account.address]);

      await assertRevertsWithoutEffect(f, merchant.account.address, () =>
        viem.assertions.revertWith(
          router.write.pay([tether.address, usdt("10"), merchant.account.address, orderRef("bl-payer")], {
            account: payer.account,
          }),
          "blacklisted",
        ),
      );
    });

    it("reverts, moving nothing, when the merchant is blacklisted by TetherUSD", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, tether, payer, merchant } = f;
      await tether.write.approve([router.address, usdt("10")], { account: payer.account });
      await tether.write.addBlackList([merchant.account.address]);

      await assertRevertsWithoutEffect(f, merchant.account.address, () =>
        viem.assertions.revertWith(
          router.write.pay([tether.address, usdt("10"), merchant.account.address, orderRef("bl-merchant")], {
            account: payer.account,
          }),
          "blacklisted",
        ),
      );
    });

    it("reverts, moving nothing, when TetherUSD is paused", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, tether, payer, merchant } = f;
      await tether.write.approve([router.address, usdt("10")], { account: payer.account });
      await tether.write.pause();

      await assertRevertsWithoutEffect(f, merchant.account.address, () =>
        viem.assertions.revertWith(
          router.write.pay([tether.address, usdt("10"), merchant.account.address, orderRef("paused")], {
            account: payer.account,
          }),
          "paused",
        ),
      );
    });

    it("reverts, moving nothing, when the TetherUSD allowance is below the amount", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, tether, payer, merchant } = f;
      await tether.write.approve([router.address, usdt("9.999999")], { account: payer.account });

      await assertRevertsWithoutEffect(f, merchant.account.address, () =>
        viem.assertions.revertWith(
          router.write.pay([tether.address, usdt("10"), merchant.account.address, orderRef("short-allowance")], {
            account: payer.account,
          }),
          "allowance",
        ),
      );
    });

    it("reverts with the token's ERC20InsufficientAllowance when an OpenZeppelin token's allowance is short", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, bscUsd, payer, merchant } = f;
      const amount = usdt18("10");
      await bscUsd.write.approve([router.address, amount - 1n], { account: payer.account });

      await assertRevertsWithoutEffect(f, merchant.account.address, () =>
        viem.assertions.revertWithCustomErrorWithArgs(
          router.write.pay([bscUsd.address, amount, merchant.account.address, orderRef("short-allowance-18")], {
            account: payer.account,
          }),
          bscUsd,
          "ERC20InsufficientAllowance",
          [(spender: Address) => spender.toLowerCase() === router.address.toLowerCase(), amount - 1n, amount],
        ),
      );
    });

    it("TetherUSD approve rule: non-zero to non-zero reverts, going through zero first then pays", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, tether, payer, merchant } = f;
      await tether.write.approve([router.address, usdt("5")], { account: payer.account });

      await viem.assertions.revertWith(
        tether.write.approve([router.address, usdt("7")], { account: payer.account }),
        "approve from non-zero",
      );
      assert.equal(await tether.read.allowance([payer.account.address, router.address]), usdt("5"));

      await tether.write.approve([router.address, 0n], { account: payer.account });
      await tether.write.approve([router.address, usdt("7")], { account: payer.account });
      assert.equal(await tether.read.allowance([payer.account.address, router.address]), usdt("7"));

      const [merchantBefore] = await balancesOf(tether, [merchant.account.address]);
      const hash = await router.write.pay([tether.address, usdt("7"), merchant.account.address, orderRef("rezero")], {
        account: payer.account,
      });
      const [merchantAfter] = await balancesOf(tether, [merchant.account.address]);
      assert.equal(merchantAfter! - merchantBefore!, usdt("7"));
      await assertOnePayment(f, hash, {
        orderRef: orderRef("rezero"),
        merchant: merchant.account.address,
        payer: payer.account.address,
        token: tether.address,
        amount: usdt("7"),
      });
      await assertRouterHoldsNothing(f);
    });

    it("TetherUSD fee on: event and return value report the net amount the merchant received", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, tether, owner, payer, merchant } = f;
      await tether.write.setParams([10n, 5n]); // 0.10%, capped at 5 USDT
      const amount = usdt("100");
      const fee = (amount * 10n) / 10_000n; // 0.1 USDT, under the cap
      const net = amount - fee;
      await tether.write.approve([router.address, amount], { account: payer.account });
      const accounts = [payer.account.address, merchant.account.address, owner.account.address] as const;
      const [payerBefore, merchantBefore, ownerBefore] = await balancesOf(tether, accounts);

      const { result } = await router.simulate.pay([tether.address, amount, merchant.account.address, orderRef("fee")], {
        account: payer.account.address,
      });
      assert.equal(result, net, "returns the net amount");
      const hash = await router.write.pay([tether.address, amount, merchant.account.address, orderRef("fee")], {
        account: payer.account,
      });

      const [payerAfter, merchantAfter, ownerAfter] = await balancesOf(tether, accounts);
      assert.equal(payerBefore! - payerAfter!, amount, "payer debited the gross amount");
      assert.equal(merchantAfter! - merchantBefore!, net, "merchant credited the net amount");
      assert.equal(ownerAfter! - ownerBefore!, fee, "Tether's owner got the fee");
      await assertOnePayment(f, hash, {
        orderRef: orderRef("fee"),
        merchant: merchant.account.address,
        payer: payer.account.address,
        token: tether.address,
        amount: net,
      });
      await assertRouterHoldsNothing(f);
    });

    it("TetherUSD fee on and capped by maximumFee: event and return value report amount minus the cap", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, tether, owner, payer, merchant } = f;
      await tether.write.setParams([19n, 1n]); // 0.19%, capped at 1 USDT
      assert.equal(await tether.read.maximumFee(), usdt("1"));
      const amount = usdt("10000"); // 0.19% would be 19 USDT
      const net = amount - usdt("1");
      await tether.write.approve([router.address, amount], { account: payer.account });
      const accounts = [merchant.account.address, owner.account.address] as const;
      const [merchantBefore, ownerBefore] = await balancesOf(tether, accounts);

      const { result } = await router.simulate.pay([tether.address, amount, merchant.account.address, orderRef("cap")], {
        account: payer.account.address,
      });
      assert.equal(result, net);
      const hash = await router.write.pay([tether.address, amount, merchant.account.address, orderRef("cap")], {
        account: payer.account,
      });

      const [merchantAfter, ownerAfter] = await balancesOf(tether, accounts);
      assert.equal(merchantAfter! - merchantBefore!, net);
      assert.equal(ownerAfter! - ownerBefore!, usdt("1"), "fee is the cap");
      await assertOnePayment(f, hash, {
        orderRef: orderRef("cap"),
        merchant: merchant.account.address,
        payer: payer.account.address,
        token: tether.address,
        amount: net,
      });
      await assertRouterHoldsNothing(f);
    });

    it("a re-entrant token cannot make the router move twice: ReentrancyGuardReentrantCall, merchant unchanged", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, payer, merchant } = f;
      const hostile = await deploy(reentrantTokenAbi, "ReentrantToken");
      const amount = 1_000n;
      await hostile.write.mint([payer.account.address, 10n * amount]);
      await hostile.write.approve([router.address, 10n * amount], { account: payer.account });
      await hostile.write.arm([router.address]);
      const [payerBefore, merchantBefore] = await balancesOf(hostile, [payer.account.address, merchant.account.address]);
      const fromBlock = (await f.publicClient.getBlockNumber()) + 1n;

      await viem.assertions.revertWithCustomError(
        router.write.pay([hostile.address, amount, merchant.account.address, orderRef("reenter")], {
          account: payer.account,
        }),
        router,
        "ReentrancyGuardReentrantCall",
      );

      const [payerAfter, merchantAfter, routerAfter] = await balancesOf(hostile, [
        payer.account.address,
        merchant.account.address,
        router.address,
      ]);
      assert.equal(merchantAfter, merchantBefore, "merchant balance unchanged");
      assert.equal(payerAfter, payerBefore, "payer balance unchanged");
      assert.equal(routerAfter, 0n, "router holds none of the hostile token");
      assert.equal(await hostile.read.reentryAttempted(), false, "the attempt was rolled back with the call");
      const logs = await f.publicClient.getContractEvents({
        address: router.address,
        abi: router.abi,
        eventName: "PaymentReceived",
        fromBlock,
      });
      assert.equal(logs.length, 0, "no PaymentReceived");
    });

    it("the guard is released after a blocked re-entry: the same token, disarmed, pays exactly once", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, payer, merchant } = f;
      const hostile = await deploy(reentrantTokenAbi, "ReentrantToken");
      const amount = 1_000n;
      await hostile.write.mint([payer.account.address, amount]);
      await hostile.write.approve([router.address, amount], { account: payer.account });
      await hostile.write.arm([router.address]);
      await viem.assertions.revertWithCustomError(
        router.write.pay([hostile.address, amount, merchant.account.address, orderRef("reenter")], {
          account: payer.account,
        }),
        router,
        "ReentrancyGuardReentrantCall",
      );
      await hostile.write.arm([zeroAddress]);

      const hash = await router.write.pay([hostile.address, amount, merchant.account.address, orderRef("disarmed")], {
        account: payer.account,
      });

      assert.deepEqual(await balancesOf(hostile, [payer.account.address, merchant.account.address, router.address]), [
        0n,
        amount,
        0n,
      ]);
      await assertOnePayment(f, hash, {
        orderRef: orderRef("disarmed"),
        merchant: merchant.account.address,
        payer: payer.account.address,
        token: hostile.address,
        amount,
      });
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
      const { v, r, s } = await signPermit(f, {
        owner: payer.account.address,
        signer: payer,
        spender: router.address,
        value: amount,
        deadline,
      });
      const [payerBefore, merchantBefore] = await balancesOf(permitUsd, [payer.account.address, merchant.account.address]);

      const args = [permitUsd.address, amount, merchant.account.address, ref, deadline, v, r, s] as const;
      const { result } = await router.simulate.payWithPermit(args, { account: payer.account.address });
      assert.equal(result, amount);
      const hash = await router.write.payWithPermit(args, { account: payer.account });

      const [payerAfter, merchantAfter] = await balancesOf(permitUsd, [payer.account.address, merchant.account.address]);
      assert.equal(merchantAfter! - merchantBefore!, amount);
      assert.equal(payerBefore! - payerAfter!, amount);
      await assertRouterHoldsNothing(f);
      assert.equal(await permitUsd.read.nonces([payer.account.address]), 1n, "permit consumed");
      assert.equal(await permitUsd.read.allowance([payer.account.address, router.address]), 0n, "allowance used up");
      await assertOnePayment(f, hash, {
        orderRef: ref,
        merchant: merchant.account.address,
        payer: payer.account.address,
        token: permitUsd.address,
        amount,
      });
    });

    it("still pays when the permit was front-run (someone else submitted token.permit first)", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, permitUsd, payer, merchant, stranger } = f;
      const amount = usdt("80");
      const deadline = await farDeadline();
      const ref = orderRef("front-run");
      const { v, r, s } = await signPermit(f, {
        owner: payer.account.address,
        signer: payer,
        spender: router.address,
        value: amount,
        deadline,
      });
      // The front-runner copies the signature from the mempool and uses it first.
      await permitUsd.write.permit([payer.account.address, router.address, amount, deadline, v, r, s], {
        account: stranger.account,
      });
      assert.equal(await permitUsd.read.allowance([payer.account.address, router.address]), amount);
      const [merchantBefore] = await balancesOf(permitUsd, [merchant.account.address]);

      const hash = await router.write.payWithPermit(
        [permitUsd.address, amount, merchant.account.address, ref, deadline, v, r, s],
        { account: payer.account },
      );

      const [merchantAfter] = await balancesOf(permitUsd, [merchant.account.address]);
      assert.equal(merchantAfter! - merchantBefore!, amount);
      await assertRouterHoldsNothing(f);
      await assertOnePayment(f, hash, {
        orderRef: ref,
        merchant: merchant.account.address,
        payer: payer.account.address,
        token: permitUsd.address,
        amount,
      });
    });

    it("accepts a deadline equal to the block's timestamp", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, permitUsd, payer, merchant } = f;
      const amount = usdt("3");
      const deadline = BigInt(await networkHelpers.time.latest()) + 100n;
      const { v, r, s } = await signPermit(f, {
        owner: payer.account.address,
        signer: payer,
        spender: router.address,
        value: amount,
        deadline,
      });
      await networkHelpers.time.setNextBlockTimestamp(deadline);

      const hash = await router.write.payWithPermit(
        [permitUsd.address, amount, merchant.account.address, orderRef("edge"), deadline, v, r, s],
        { account: payer.account },
      );

      const block = await f.publicClient.getBlock();
      assert.equal(block.timestamp, deadline);
      assert.equal((await paymentEvents(f, hash)).length, 1);
    });

    it("reverts with PermitExpired(deadline, timestamp) once the deadline has passed", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, permitUsd, payer, merchant } = f;
      const amount = usdt("3");
      const deadline = BigInt(await networkHelpers.time.latest()) + 100n;
      const { v, r, s } = await signPermit(f, {
        owner: payer.account.address,
        signer: payer,
        spender: router.address,
        value: amount,
        deadline,
      });
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

    it("reverts with InvalidToken for a token address that has no code, before trying the permit", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, payer, merchant, stranger } = f;
      const noCode = stranger.account.address;
      const zero32: Hex = `0x${"00".repeat(32)}`;

      await assertRevertsWithoutEffect(f, merchant.account.address, async () =>
        viem.assertions.revertWithCustomErrorWithArgs(
          router.write.payWithPermit(
            [noCode, usdt("1"), merchant.account.address, orderRef("eoa-permit"), await farDeadline(), 27, zero32, zero32],
            { account: payer.account },
          ),
          router,
          "InvalidToken",
          [(token: Address) => token.toLowerCase() === noCode.toLowerCase()],
        ),
      );
    });

    it("a re-entrant token cannot make payWithPermit move twice either: ReentrancyGuardReentrantCall", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, payer, merchant } = f;
      const hostile = await deploy(reentrantTokenAbi, "ReentrantToken");
      const amount = 1_000n;
      const zero32: Hex = `0x${"00".repeat(32)}`;
      await hostile.write.mint([payer.account.address, 10n * amount]);
      // The token has no permit: the router falls back to this allowance, then re-entry happens in transferFrom.
      await hostile.write.approve([router.address, 10n * amount], { account: payer.account });
      await hostile.write.arm([router.address]);
      const accounts = [payer.account.address, merchant.account.address, router.address] as const;
      const before = await balancesOf(hostile, accounts);

      await assertRevertsWithoutEffect(f, merchant.account.address, async () =>
        viem.assertions.revertWithCustomError(
          router.write.payWithPermit(
            [hostile.address, amount, merchant.account.address, orderRef("reenter"), await farDeadline(), 27, zero32, zero32],
            { account: payer.account },
          ),
          router,
          "ReentrancyGuardReentrantCall",
        ),
      );

      assert.deepEqual(await balancesOf(hostile, accounts), before, "no hostile-token balance moved");
    });

    it("reverts with PermitFailed(token, payer, amount) for a permit signed by the wrong key", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, permitUsd, payer, merchant, wrongSigner } = f;
      const amount = usdt("12");
      const deadline = await farDeadline();
      const { v, r, s } = await signPermit(f, {
        owner: payer.account.address, // claims to be the payer ...
        signer: wrongSigner, // ... but is signed by another key
        spender: router.address,
        value: amount,
        deadline,
      });

      await assertRevertsWithoutEffect(f, merchant.account.address, () =>
        viem.assertions.revertWithCustomErrorWithArgs(
          router.write.payWithPermit(
            [permitUsd.address, amount, merchant.account.address, orderRef("forged"), deadline, v, r, s],
            { account: payer.account },
          ),
          router,
          "PermitFailed",
          [
            (token: Address) => token.toLowerCase() === permitUsd.address.toLowerCase(),
            (who: Address) => who.toLowerCase() === payer.account.address.toLowerCase(),
            amount,
          ],
        ),
      );
      assert.equal(await permitUsd.read.allowance([payer.account.address, router.address]), 0n);
    });

    it("reverts with PermitFailed when the front-run permit's allowance was already spent elsewhere", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, permitUsd, payer, merchant, stranger } = f;
      const amount = usdt("20");
      const deadline = await farDeadline();
      const { v, r, s } = await signPermit(f, {
        owner: payer.account.address,
        signer: payer,
        spender: router.address,
        value: amount,
        deadline,
      });
      await permitUsd.write.permit([payer.account.address, router.address, amount, deadline, v, r, s], {
        account: stranger.account,
      });
      // The payer lowers the allowance the permit granted before paying.
      await permitUsd.write.approve([router.address, amount - 1n], { account: payer.account });

      await assertRevertsWithoutEffect(f, merchant.account.address, () =>
        viem.assertions.revertWithCustomErrorWithArgs(
          router.write.payWithPermit(
            [permitUsd.address, amount, merchant.account.address, orderRef("spent"), deadline, v, r, s],
            { account: payer.account },
          ),
          router,
          "PermitFailed",
          [
            (token: Address) => token.toLowerCase() === permitUsd.address.toLowerCase(),
            (who: Address) => who.toLowerCase() === payer.account.address.toLowerCase(),
            amount,
          ],
        ),
      );
    });

    it("pays a token without permit (TetherUSD) when the payer approved beforehand", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, tether, payer, merchant } = f;
      const amount = usdt("15");
      await tether.write.approve([router.address, amount], { account: payer.account });
      const [merchantBefore] = await balancesOf(tether, [merchant.account.address]);
      const zero32: Hex = `0x${"00".repeat(32)}`;

      const hash = await router.write.payWithPermit(
        [tether.address, amount, merchant.account.address, orderRef("no-permit"), await farDeadline(), 27, zero32, zero32],
        { account: payer.account },
      );

      const [merchantAfter] = await balancesOf(tether, [merchant.account.address]);
      assert.equal(merchantAfter! - merchantBefore!, amount);
      await assertOnePayment(f, hash, {
        orderRef: orderRef("no-permit"),
        merchant: merchant.account.address,
        payer: payer.account.address,
        token: tether.address,
        amount,
      });
      await assertRouterHoldsNothing(f);
    });

    it("applies pay's checks after a valid permit: ZeroAmount and InvalidMerchant", async () => {
      const f = await networkHelpers.loadFixture(deployFixture);
      const { router, permitUsd, payer, merchant } = f;
      const deadline = await farDeadline();
      const zeroPermit = await signPermit(f, {
        owner: payer.account.address,
        signer: payer,
        spender: router.address,
        value: 0n,
        deadline,
      });

      await assertRevertsWithoutEffect(f, merchant.account.address, () =>
        viem.assertions.revertWithCustomError(
          router.write.payWithPermit(
            [
              permitUsd.address,
              0n,
              merchant.account.address,
              orderRef("zero-permit"),
              deadline,
              zeroPermit.v,
              zeroPermit.r,
              zeroPermit.s,
            ],
            { account: payer.account },
          ),
          router,
          "ZeroAmount",
        ),
      );

      const amount = usdt("1");
      const permit = await signPermit(f, {
        owner: payer.account.address,
        signer: payer,
        spender: router.address,
        value: amount,
        deadline,
      });
      await assertRevertsWithoutEffect(f, zeroAddress, () =>
        viem.assertions.revertWithCustomErrorWithArgs(
          router.write.payWithPermit(
            [permitUsd.address, amount, zeroAddress, orderRef("no-merchant"), deadline, permit.v, permit.r, permit.s],
            { account: payer.account },
          ),
          router,
          "InvalidMerchant",
          [zeroAddress],
        ),
      );
      // The reverted calls also rolled the permits back.
      assert.equal(await permitUsd.read.nonces([payer.account.address]), 0n);
    });
  });
});
