/**
 * `npm run bench:gas`: gas used by a payment through the router against a plain token transfer between the same two
 * holders in the same state (both already hold the token; the router's allowance is set beforehand); the customer's
 * plain transfer to a deposit address against one to an ordinary address; the operator's deploy-and-forward of
 * deposit addresses, one alone and ten in a batch; a refund through the RefundRouter against a plain transfer.
 * Writes scripts/bench/results/gas.json.
 */
import hre from "hardhat";
import { type Address, getAddress, type Hex, hexToSignature, keccak256, maxUint256, parseUnits, toHex } from "viem";
import { depositAddress } from "../../contracts/deposit-address.js";
import { permitTypes } from "../../contracts/eip2612.js";
import { writeBenchResult } from "./results.js";

const { viem, networkHelpers } = await hre.network.create({ network: "hardhat", chainType: "l1" });
type WalletClient = Awaited<ReturnType<typeof viem.getWalletClients>>[number];
const publicClient = await viem.getPublicClient();
const [owner, payer, merchant] = (await viem.getWalletClients()) as [WalletClient, WalletClient, WalletClient];
const amount = parseUnits("125.50", 6);
const orderRef = `0x${"ab".repeat(32)}` as Hex;

const router = await viem.deployContract("PaymentRouter");
const usdt = await viem.deployContract("TetherUSD", [parseUnits("1000000", 6), "Tether USD", "USDT", 6]);
const usdc = await viem.deployContract("PermitUSD", [parseUnits("1000000", 6)]);

const gasOf = async (hash: Hex) => (await publicClient.waitForTransactionReceipt({ hash })).gasUsed;

// Both holders start non-empty, as a returning customer paying a merchant who has been paid before.
for (const [holder, balance] of [
  [payer, parseUnits("10000", 6)],
  [merchant, parseUnits("1", 6)],
] as const) {
  await usdt.write.transfer([holder.account.address, balance], { account: owner.account });
  await usdc.write.transfer([holder.account.address, balance], { account: owner.account });
}

/** Gas of `action` from the state as it is now, leaving that state untouched for the next measurement. */
async function measure(action: () => Promise<Hex>): Promise<bigint> {
  const snapshot = await networkHelpers.takeSnapshot();
  const gas = await gasOf(await action());
  await snapshot.restore();
  return gas;
}

// Tether-faithful USDT: exact allowance (the checkout's approve-then-pay flow), then a standing larger allowance.
await usdt.write.approve([router.address, amount], { account: payer.account });
const transfer = await measure(() => usdt.write.transfer([merchant.account.address, amount], { account: payer.account }));
const pay = await measure(() =>
  router.write.pay([usdt.address, amount, merchant.account.address, orderRef], { account: payer.account }),
);
await usdt.write.approve([router.address, 0n], { account: payer.account });
await usdt.write.approve([router.address, amount * 100n], { account: payer.account });
const payStandingAllowance = await measure(() =>
  router.write.pay([usdt.address, amount, merchant.account.address, orderRef], { account: payer.account }),
);
// The same standing allowance given to an ordinary spender: what the router adds on top of a bare transferFrom.
await usdt.write.approve([owner.account.address, amount * 100n], { account: payer.account });
const transferFrom = await measure(() =>
  usdt.write.transferFrom([payer.account.address, merchant.account.address, amount], { account: owner.account }),
);

// Permit token: plain transfer against pay-with-permit (permit + pay in one transaction).
const permitTransfer = await measure(() => usdc.write.transfer([merchant.account.address, amount], { account: payer.account }));
const deadline = BigInt((await publicClient.getBlock()).timestamp) + 3600n;
const signature = await payer.signTypedData({
  domain: { name: "Permit USD", version: "1", chainId: await publicClient.getChainId(), verifyingContract: usdc.address },
  types: permitTypes,
  primaryType: "Permit",
  message: { owner: payer.account.address, spender: router.address, value: amount, nonce: 0n, deadline },
});
const { v, r, s } = hexToSignature(signature);
const payWithPermit = await measure(() =>
  router.write.payWithPermit([usdc.address, amount, merchant.account.address, orderRef, deadline, Number(v), r, s], {
    account: payer.account,
  }),
);

// Deposit addresses (USDT). Each order's address and a fresh ordinary address both start with no USDT at all.
const factory = await viem.deployContract("DepositFactory");
const [, , , customer, ...others] = (await viem.getWalletClients()) as WalletClient[];
await usdt.write.transfer([customer!.account.address, parseUnits("10000", 6)], { account: owner.account });
const orderRefOf = (i: number) => keccak256(toHex(`bench-order-${i}`));
const depositOf = (payout: Address, i: number) => depositAddress({ factory: factory.address, payout, orderRef: orderRefOf(i) });
// An ordinary address that looks like a deposit address to calldata pricing (no zero bytes) and holds nothing.
const freshAddress = getAddress("0x5ec0ffee5ec0ffee5ec0ffee5ec0ffee5ec0ffee");
const customerTransfer = await measure(() => usdt.write.transfer([freshAddress, amount], { account: customer!.account }));
const customerDepositTransfer = await measure(() =>
  usdt.write.transfer([depositOf(merchant.account.address, 0), amount], { account: customer!.account }),
);

// The operator's forward: the customer's transfer has landed; the merchant has been paid before (non-zero balance).
const fund = async (payout: Address, i: number) =>
  await usdt.write.transfer([depositOf(payout, i), amount], { account: customer!.account });
const deploySnapshot = await networkHelpers.takeSnapshot();
for (let i = 0; i < 10; i++) await fund(merchant.account.address, i);
const deployAndForward = await measure(() =>
  factory.write.deployAndForward([usdt.address, merchant.account.address, orderRefOf(0)], { account: owner.account }),
);
const batchOf = (payouts: Address[]) => payouts.map((payout, i) => ({ token: usdt.address, payout, orderRef: orderRefOf(i) }));
const batch10 = await measure(() =>
  factory.write.deployAndForwardMany([batchOf(Array(10).fill(merchant.account.address))], { account: owner.account }),
);
// Late second transfers to the ten addresses, deployed and forwarded once: `forwardMany` (no deployment tried).
await factory.write.deployAndForwardMany([batchOf(Array(10).fill(merchant.account.address))], { account: owner.account });
for (let i = 0; i < 10; i++) await fund(merchant.account.address, i);
const forwardDeployed = await measure(() =>
  factory.write.forward([usdt.address, merchant.account.address, orderRefOf(0)], { account: owner.account }),
);
const forwardMany10 = await measure(() =>
  factory.write.forwardMany([batchOf(Array(10).fill(merchant.account.address))], { account: owner.account }),
);
await deploySnapshot.restore();
// The same two forwards with the USDC-like token (OpenZeppelin ERC-20: fewer storage reads than Tether's transfer).
await usdc.write.transfer([customer!.account.address, parseUnits("10000", 6)], { account: owner.account });
for (let i = 0; i < 10; i++) await usdc.write.transfer([depositOf(merchant.account.address, i), amount], { account: customer!.account });
const deployAndForwardUsdcLike = await measure(() =>
  factory.write.deployAndForward([usdc.address, merchant.account.address, orderRefOf(0)], { account: owner.account }),
);
const batch10UsdcLike = await measure(() =>
  factory.write.deployAndForwardMany(
    [batchOf(Array(10).fill(merchant.account.address)).map((item) => ({ ...item, token: usdc.address }))],
    { account: owner.account },
  ),
);
await deploySnapshot.restore();
// Ten different merchants (each paid before): every payout balance slot is cold.
const payouts = others.slice(0, 10).map((w) => w.account.address);
for (const payout of payouts) await usdt.write.transfer([payout, parseUnits("1", 6)], { account: owner.account });
for (const [i, payout] of payouts.entries()) await fund(payout, i);
const batch10Merchants = await measure(() => factory.write.deployAndForwardMany([batchOf(payouts)], { account: owner.account }));
await deploySnapshot.restore();

// Refunds (USDT): the merchant sends part of a payment back to the customer, who holds USDT already.
const refundRouter = await viem.deployContract("RefundRouter");
await usdt.write.transfer([merchant.account.address, parseUnits("1000", 6)], { account: owner.account });
const refundRef = keccak256(toHex("bench-refund"));
const refundTransfer = await measure(() => usdt.write.transfer([payer.account.address, amount / 2n], { account: merchant.account }));
await usdt.write.approve([refundRouter.address, amount / 2n], { account: merchant.account });
const refund = await measure(() =>
  refundRouter.write.refund([usdt.address, payer.account.address, amount / 2n, refundRef, orderRef], { account: merchant.account }),
);
await usdt.write.approve([refundRouter.address, 0n], { account: merchant.account });
await usdt.write.approve([refundRouter.address, maxUint256], { account: merchant.account });
const refundStandingAllowance = await measure(() =>
  refundRouter.write.refund([usdt.address, payer.account.address, amount / 2n, refundRef, orderRef], { account: merchant.account }),
);
// USDC-like refund in one transaction: the merchant's EIP-2612 signature instead of an approve.
await usdc.write.transfer([merchant.account.address, parseUnits("1000", 6)], { account: owner.account });
const permitRefundTransfer = await measure(() =>
  usdc.write.transfer([payer.account.address, amount / 2n], { account: merchant.account }),
);
const refundDeadline = BigInt((await publicClient.getBlock()).timestamp) + 3600n;
const refundSignature = hexToSignature(
  await merchant.signTypedData({
    domain: { name: "Permit USD", version: "1", chainId: await publicClient.getChainId(), verifyingContract: usdc.address },
    types: permitTypes,
    primaryType: "Permit",
    message: { owner: merchant.account.address, spender: refundRouter.address, value: amount / 2n, nonce: 0n, deadline: refundDeadline },
  }),
);
const refundWithPermit = await measure(() =>
  refundRouter.write.refundWithPermit(
    [usdc.address, payer.account.address, amount / 2n, refundRef, orderRef, refundDeadline, Number(refundSignature.v), refundSignature.r, refundSignature.s],
    { account: merchant.account },
  ),
);

const ratio = (a: bigint, b: bigint) => Math.round((Number(a) / Number(b)) * 1000) / 1000;
const result = {
  transfer: Number(transfer),
  pay: Number(pay),
  permitTransfer: Number(permitTransfer),
  payWithPermit: Number(payWithPermit),
  payStandingAllowance: Number(payStandingAllowance),
  transferFrom: Number(transferFrom),
  ratios: {
    payOverTransfer: ratio(pay, transfer),
    payStandingAllowanceOverTransfer: ratio(payStandingAllowance, transfer),
    payOverTransferFrom: ratio(payStandingAllowance, transferFrom),
    payWithPermitOverPermitTransfer: ratio(payWithPermit, permitTransfer),
  },
  goal: "pay <= 1.25 x transfer of the same token",
  deposit: {
    customerTransfer: Number(customerTransfer),
    customerDepositTransfer: Number(customerDepositTransfer),
    deployAndForward: Number(deployAndForward),
    batch10: Number(batch10),
    batch10PerAddress: Number(batch10 / 10n),
    batch10DistinctMerchantsPerAddress: Number(batch10Merchants / 10n),
    forwardDeployed: Number(forwardDeployed),
    forwardMany10PerAddress: Number(forwardMany10 / 10n),
    deployAndForwardUsdcLike: Number(deployAndForwardUsdcLike),
    batch10UsdcLikePerAddress: Number(batch10UsdcLike / 10n),
    ratios: {
      depositTransferOverTransfer: ratio(customerDepositTransfer, customerTransfer),
      deployAndForwardOverGoal: ratio(deployAndForward, 90_000n),
      deployAndForwardOverAnchor: ratio(deployAndForward, 104_940n),
      batch10PerAddressOverGoal: ratio(batch10 / 10n, 60_000n),
      batch10PerAddressOverAnchor: ratio(batch10 / 10n, 76_454n),
    },
    goals: {
      customerTransfer: "deposit transfer = 1.00 x transfer to an address in the same state",
      deployAndForward: "<= 90,000 (anchor 104,940)",
      batch10PerAddress: "<= 60,000 (anchor 76,454)",
    },
  },
  refund: {
    transfer: Number(refundTransfer),
    refund: Number(refund),
    refundStandingAllowance: Number(refundStandingAllowance),
    permitTransfer: Number(permitRefundTransfer),
    refundWithPermit: Number(refundWithPermit),
    ratios: {
      refundWithPermitOverPermitTransfer: ratio(refundWithPermit, permitRefundTransfer),
      refundOverTransfer: ratio(refund, refundTransfer),
      refundStandingAllowanceOverTransfer: ratio(refundStandingAllowance, refundTransfer),
    },
    goal: "refund <= 1.25 x transfer of the same token",
  },
};
console.table({
  "USDT transfer": { gas: result.transfer },
  "USDT pay (exact allowance)": { gas: result.pay, ratio: result.ratios.payOverTransfer },
  "USDT pay (standing allowance)": { gas: result.payStandingAllowance, ratio: result.ratios.payStandingAllowanceOverTransfer },
  "USDT transferFrom": { gas: result.transferFrom },
  "USDC-like transfer": { gas: result.permitTransfer },
  "USDC-like payWithPermit": { gas: result.payWithPermit, ratio: result.ratios.payWithPermitOverPermitTransfer },
  "USDT transfer to a fresh address": { gas: result.deposit.customerTransfer },
  "USDT transfer to a deposit address": { gas: result.deposit.customerDepositTransfer, ratio: result.deposit.ratios.depositTransferOverTransfer },
  "deployAndForward (1 address; ratio: over the goal)": {
    gas: result.deposit.deployAndForward,
    ratio: result.deposit.ratios.deployAndForwardOverGoal,
  },
  "deployAndForwardMany (10, per address; over the goal)": {
    gas: result.deposit.batch10PerAddress,
    ratio: result.deposit.ratios.batch10PerAddressOverGoal,
  },
  "  same, 10 different merchants": { gas: result.deposit.batch10DistinctMerchantsPerAddress },
  "forward (already deployed)": { gas: result.deposit.forwardDeployed },
  "forwardMany (10 deployed, per address)": { gas: result.deposit.forwardMany10PerAddress },
  "USDC-like deployAndForward (1 address)": { gas: result.deposit.deployAndForwardUsdcLike },
  "USDC-like deployAndForwardMany (10, each)": { gas: result.deposit.batch10UsdcLikePerAddress },
  "USDT refund transfer": { gas: result.refund.transfer },
  "refund (exact allowance)": { gas: result.refund.refund, ratio: result.refund.ratios.refundOverTransfer },
  "refund (unlimited allowance)": { gas: result.refund.refundStandingAllowance, ratio: result.refund.ratios.refundStandingAllowanceOverTransfer },
  "USDC-like refund transfer": { gas: result.refund.permitTransfer },
  "USDC-like refundWithPermit": { gas: result.refund.refundWithPermit, ratio: result.refund.ratios.refundWithPermitOverPermitTransfer },
});
console.log(`Written to ${await writeBenchResult("gas", result)}`);
