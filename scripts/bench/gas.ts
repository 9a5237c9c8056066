/**
 * `npm run bench:gas`: gas used by a payment through the router against a plain token transfer between the same two
 * holders in the same state (both already hold the token; the router's allowance is set beforehand).
 * Writes scripts/bench/results/gas.json.
 */
import hre from "hardhat";
import { type Hex, hexToSignature, parseUnits } from "viem";
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
};
console.table({
  "USDT transfer": { gas: result.transfer },
  "USDT pay (exact allowance)": { gas: result.pay, ratio: result.ratios.payOverTransfer },
  "USDT pay (standing allowance)": { gas: result.payStandingAllowance, ratio: result.ratios.payStandingAllowanceOverTransfer },
  "USDT transferFrom": { gas: result.transferFrom },
  "USDC-like transfer": { gas: result.permitTransfer },
  "USDC-like payWithPermit": { gas: result.payWithPermit, ratio: result.ratios.payWithPermitOverPermitTransfer },
});
console.log(`Written to ${await writeBenchResult("gas", result)}`);
