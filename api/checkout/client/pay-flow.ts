/**
 * Paying one order from a browser wallet, step by step: connect, the right network, enough tokens and gas, then
 * either EIP-2612 permit + `payWithPermit` (one signature, one transaction) or approve + `pay`, with USDT's rule
 * that a non-zero allowance must be set to zero before it is changed. Each step tells the page what the wallet is
 * about to ask and why. Nothing here decides the order is paid: the server's status does.
 */
import { type Address, decodeFunctionResult, encodeFunctionData, erc20Abi, formatUnits, type Hex, numberToHex, parseSignature } from "viem";
import { paymentRouterAbi } from "../../../contracts/abi/PaymentRouter.js";
import { permitUSDAbi } from "../../../contracts/abi/PermitUSD.js";
import { permitTypes } from "../../../contracts/eip2612.js";
import { UNRECOGNIZED_CHAIN, USER_REJECTED, type Wallet, WalletError } from "./wallet.js";
import { BaseError } from "../../lib/base-error.js";

export type CheckoutOrder = {
  /** What is still due (the whole amount, or the rest of an underpaid order): the only amount the flow pays. */
  amountDue: string;
  amountDueUnits: string;
  token: { symbol: string; address: Address; decimals: number; permit: boolean };
  chain: { id: number; name: string; rpcUrls: string[]; nativeCurrency: { name: string; symbol: string; decimals: number } };
  toAddress: Address;
  payoutAddress: Address;
  orderRef: Hex;
};

export type Step = { id: string; text: string };

export type FlowUi = {
  /** A step starts: `text` says what the wallet will ask and why. */
  step(step: Step): void;
  /** The step is done. */
  done(id: string): void;
};

/** A reason the payment cannot go ahead that the customer can fix (not a wallet error). */
export class PaymentBlocked extends BaseError {
  override name = "PaymentBlocked";
}

const PERMIT_VALIDITY_SECONDS = 20 * 60;

export async function ensureChain(wallet: Wallet, order: Pick<CheckoutOrder, "chain">, ui: FlowUi): Promise<void> {
  if ((await wallet.chainId()) === order.chain.id) return;
  ui.step({
    id: "network",
    text: `Your wallet is on another network. It will ask to switch to ${order.chain.name} (chain id ${order.chain.id}), where this order is paid.`,
  });
  const chainId = numberToHex(order.chain.id);
  try {
    await wallet.request("wallet_switchEthereumChain", [{ chainId }]);
  } catch (error) {
    if (error instanceof WalletError && error.code === USER_REJECTED) {
      throw new PaymentBlocked(`Wrong network: this order is paid on ${order.chain.name} (chain id ${order.chain.id}) and the switch was declined. Switch in your wallet, or try again.`);
    }
    if (!(error instanceof WalletError) || error.code !== UNRECOGNIZED_CHAIN) throw error;
    if (order.chain.rpcUrls.length === 0) {
      throw new PaymentBlocked(`Add ${order.chain.name} (chain id ${order.chain.id}) to your wallet, then try again.`);
    }
    ui.step({ id: "network", text: `Your wallet does not know ${order.chain.name} yet. It will ask to add it, then to switch to it.` });
    await wallet.request("wallet_addEthereumChain", [
      { chainId, chainName: order.chain.name, rpcUrls: order.chain.rpcUrls, nativeCurrency: order.chain.nativeCurrency },
    ]);
  }
  if ((await wallet.chainId()) !== order.chain.id) {
    throw new PaymentBlocked(`Your wallet is still on another network. Switch to ${order.chain.name} (chain id ${order.chain.id}) and try again.`);
  }
  ui.done("network");
}

async function readUint(wallet: Wallet, to: Address, data: Hex): Promise<bigint> {
  return BigInt(await wallet.call(to, data));
}

export async function payOrder(wallet: Wallet, account: Address, order: CheckoutOrder, ui: FlowUi): Promise<Hex> {
  await ensureChain(wallet, order, ui);
  await ensureFunds(wallet, account, order, ui);
  return order.token.permit ? payWithPermit(wallet, account, order, ui) : approveAndPay(wallet, account, order, ui);
}

/** Enough of the token for what is due, and some native currency for gas. */
async function ensureFunds(wallet: Wallet, account: Address, order: CheckoutOrder, ui: FlowUi): Promise<void> {
  const amount = BigInt(order.amountDueUnits);
  ui.step({ id: "balance", text: `Checking your ${order.token.symbol} balance.` });
  const balance = await readUint(wallet, order.token.address, encodeFunctionData({ abi: erc20Abi, functionName: "balanceOf", args: [account] }));
  if (balance < amount) {
    throw new PaymentBlocked(
      `Insufficient balance: this wallet holds ${formatUnits(balance, order.token.decimals)} ${order.token.symbol}; the order needs ${order.amountDue}.`,
    );
  }
  if ((await wallet.nativeBalance(account)) === 0n) {
    throw new PaymentBlocked(`This wallet has no ${order.chain.nativeCurrency.symbol} to pay the network fee (gas). Add some and try again.`);
  }
  ui.done("balance");
}

/** `pay`'s arguments, which `payWithPermit` extends with the permit. */
function payArgs(order: CheckoutOrder) {
  return [order.token.address, BigInt(order.amountDueUnits), order.payoutAddress, order.orderRef] as const;
}

/** One EIP-2612 permit signature (no fee), then one `payWithPermit` transaction. */
async function payWithPermit(wallet: Wallet, account: Address, order: CheckoutOrder, ui: FlowUi): Promise<Hex> {
  const deadline = BigInt(Math.floor(Date.now() / 1000) + PERMIT_VALIDITY_SECONDS);
  const { r, s, v, yParity } = await signPermit(wallet, account, order, deadline, ui);
  ui.step({
    id: "pay",
    text: `Your wallet will ask you to confirm one transaction: the payment router sends ${order.amountDue} ${order.token.symbol} from your wallet to the merchant. You pay the network fee.`,
  });
  const hash = await wallet.sendTransaction(
    account,
    order.toAddress,
    encodeFunctionData({
      abi: paymentRouterAbi,
      functionName: "payWithPermit",
      args: [...payArgs(order), deadline, Number(v ?? BigInt(yParity + 27)), r, s],
    }),
  );
  await wallet.waitForReceipt(hash);
  ui.done("pay");
  return hash;
}

/** Asks the wallet for an `eth_signTypedData_v4` permit letting the router move exactly what is due, once. */
async function signPermit(wallet: Wallet, account: Address, order: CheckoutOrder, deadline: bigint, ui: FlowUi) {
  const token = order.token.address;
  const nonce = await readUint(wallet, token, encodeFunctionData({ abi: permitUSDAbi, functionName: "nonces", args: [account] }));
  const domainRaw = await wallet.call(token, encodeFunctionData({ abi: permitUSDAbi, functionName: "eip712Domain" }));
  const [, name, version] = decodeFunctionResult({ abi: permitUSDAbi, functionName: "eip712Domain", data: domainRaw });
  ui.step({
    id: "permit",
    text: `Your wallet will ask you to sign a permit (no fee): it lets the payment router move exactly ${order.amountDue} ${order.token.symbol} once, for this order.`,
  });
  const typedData = {
    types: {
      EIP712Domain: [
        { name: "name", type: "string" },
        { name: "version", type: "string" },
        { name: "chainId", type: "uint256" },
        { name: "verifyingContract", type: "address" },
      ],
      ...permitTypes,
    },
    primaryType: "Permit",
    domain: { name, version, chainId: order.chain.id, verifyingContract: token },
    message: { owner: account, spender: order.toAddress, value: BigInt(order.amountDueUnits).toString(), nonce: nonce.toString(), deadline: deadline.toString() },
  };
  const signature = await wallet.request<Hex>("eth_signTypedData_v4", [account, JSON.stringify(typedData)]);
  const parsed = parseSignature(signature);
  ui.done("permit");
  return parsed;
}

/** Approve (reset to zero first when an allowance is already set, as USDT demands) if it is short, then `pay`. */
async function approveAndPay(wallet: Wallet, account: Address, order: CheckoutOrder, ui: FlowUi): Promise<Hex> {
  await ensureAllowance(wallet, account, order, ui);
  ui.step({
    id: "pay",
    text: `Your wallet will ask you to confirm the payment: the router sends ${order.amountDue} ${order.token.symbol} from your wallet straight to the merchant, tagged with this order.`,
  });
  const hash = await wallet.sendTransaction(account, order.toAddress, encodeFunctionData({ abi: paymentRouterAbi, functionName: "pay", args: payArgs(order) }));
  await wallet.waitForReceipt(hash);
  ui.done("pay");
  return hash;
}

async function ensureAllowance(wallet: Wallet, account: Address, order: CheckoutOrder, ui: FlowUi): Promise<void> {
  const amount = BigInt(order.amountDueUnits);
  const token = order.token.address;
  const allowance = await readUint(
    wallet,
    token,
    encodeFunctionData({ abi: erc20Abi, functionName: "allowance", args: [account, order.toAddress] }),
  );
  if (allowance >= amount) return;
  if (allowance > 0n) {
    // Tether's rule: an allowance can only be changed from zero, so it is reset first.
    ui.step({
      id: "reset",
      text: `Your wallet will ask you to confirm a transaction resetting the router's ${order.token.symbol} allowance to 0: ${order.token.symbol} only lets an allowance change from zero.`,
    });
    const reset = await wallet.sendTransaction(account, token, encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [order.toAddress, 0n] }));
    await wallet.waitForReceipt(reset);
    ui.done("reset");
  }
  ui.step({
    id: "approve",
    text: `Your wallet will ask you to approve ${order.amountDue} ${order.token.symbol}: this lets the payment router move that amount to the merchant when you pay.`,
  });
  const approve = await wallet.sendTransaction(account, token, encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [order.toAddress, amount] }));
  await wallet.waitForReceipt(approve);
  ui.done("approve");
}
