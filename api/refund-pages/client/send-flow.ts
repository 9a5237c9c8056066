/**
 * Sending one refund from the merchant's payout wallet: that wallet only, the right network, enough tokens and gas,
 * then approve the RefundRouter (through zero when an allowance is left, as USDT demands) and send the exact
 * RefundRouter transaction the server built. Nothing here decides the refund is done: the server's status does.
 */
import { type Address, encodeFunctionData, erc20Abi, formatUnits, type Hex } from "viem";
import { ensureChain, type FlowUi, PaymentBlocked } from "../../checkout/client/pay-flow.js";
import type { Wallet } from "../../checkout/client/wallet.js";

export type SendableRefund = {
  amount: string;
  amountUnits: string;
  from: Address;
  token: { symbol: string; address: Address; decimals: number };
  chain: { id: number; name: string; rpcUrls: string[]; nativeCurrency: { name: string; symbol: string; decimals: number } };
  transaction: { to: Address; value: string; data: Hex } | null;
};

/** Whether the connected account is the payout wallet, the only sender whose refund counts. */
export const isPayoutWallet = (account: Address, refund: Pick<SendableRefund, "from">) => account.toLowerCase() === refund.from.toLowerCase();

export async function sendRefund(wallet: Wallet, account: Address, refund: SendableRefund, ui: FlowUi): Promise<Hex> {
  const tx = refund.transaction;
  if (!tx) throw new PaymentBlocked("This refund has no destination yet, so there is nothing to send.");
  if (!isPayoutWallet(account, refund)) {
    throw new PaymentBlocked(`This wallet (${account}) is not the payout wallet ${refund.from}. Switch to it in your wallet: only its refund counts.`);
  }
  await ensureChain(wallet, refund, ui);
  await ensureFunds(wallet, account, refund, ui);
  await ensureAllowance(wallet, account, refund, tx.to, ui);
  ui.step({ id: "send", text: `Your wallet will ask you to confirm the refund: the RefundRouter sends ${refund.amount} ${refund.token.symbol} from your wallet to the customer, tagged with this refund.` });
  const hash = await wallet.sendTransaction(account, tx.to, tx.data);
  await wallet.waitForReceipt(hash);
  ui.done("send");
  return hash;
}

const readUint = async (wallet: Wallet, to: Address, data: Hex) => BigInt(await wallet.call(to, data));

async function ensureFunds(wallet: Wallet, account: Address, refund: SendableRefund, ui: FlowUi): Promise<void> {
  ui.step({ id: "balance", text: `Checking your ${refund.token.symbol} balance.` });
  const balance = await readUint(wallet, refund.token.address, encodeFunctionData({ abi: erc20Abi, functionName: "balanceOf", args: [account] }));
  if (balance < BigInt(refund.amountUnits)) {
    throw new PaymentBlocked(`Insufficient balance: the payout wallet holds ${formatUnits(balance, refund.token.decimals)} ${refund.token.symbol}; the refund is ${refund.amount}.`);
  }
  if ((await wallet.nativeBalance(account)) === 0n) {
    throw new PaymentBlocked(`The payout wallet has no ${refund.chain.nativeCurrency.symbol} to pay the network fee (gas). Add some and try again.`);
  }
  ui.done("balance");
}

async function ensureAllowance(wallet: Wallet, account: Address, refund: SendableRefund, router: Address, ui: FlowUi): Promise<void> {
  const amount = BigInt(refund.amountUnits);
  const token = refund.token.address;
  const allowance = await readUint(wallet, token, encodeFunctionData({ abi: erc20Abi, functionName: "allowance", args: [account, router] }));
  if (allowance >= amount) return;
  if (allowance > 0n) {
    ui.step({ id: "reset", text: `Your wallet will ask you to reset the RefundRouter's ${refund.token.symbol} allowance to 0: ${refund.token.symbol} only lets an allowance change from zero.` });
    const reset = await wallet.sendTransaction(account, token, encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [router, 0n] }));
    await wallet.waitForReceipt(reset);
    ui.done("reset");
  }
  ui.step({ id: "approve", text: `Your wallet will ask you to approve ${refund.amount} ${refund.token.symbol}: this lets the RefundRouter move that amount to the customer when you send.` });
  const approve = await wallet.sendTransaction(account, token, encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [router, amount] }));
  await wallet.waitForReceipt(approve);
  ui.done("approve");
}
