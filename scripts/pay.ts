/**
 * `npm run pay -- <checkout URL | checkout token> [--amount 12.5] [--token USDT] [--from 0x… | 1..4] [--api URL] [--rpc URL]`
 *
 * The test-mode payment: pays an order on the local chain from a funded dev account, the way a customer's wallet
 * would (approve, going through zero as USDT demands, then `pay`; or one permit signature and `payWithPermit`), and
 * prints the transaction hashes. --amount and --token pay something other than what the order asks, to exercise
 * underpaid, overpaid and unmatched payments. Only the confirmer decides what the payment did to the order.
 */
import { parseArgs } from "node:util";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  erc20Abi,
  getAddress,
  type Hex,
  hexToSignature,
  http,
  isAddress,
  parseUnits,
} from "viem";
import { paymentRouterAbi } from "../contracts/abi/PaymentRouter.js";
import { permitUSDAbi } from "../contracts/abi/PermitUSD.js";
import { permitTypes } from "../contracts/eip2612.js";
import { readDeploymentRecords } from "../contracts/deployments/record.js";
import type { PublicOrder } from "../api/checkout/public-order.js";

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    amount: { type: "string" },
    token: { type: "string" },
    from: { type: "string", default: "1" },
    api: { type: "string", default: process.env.API_URL ?? "http://127.0.0.1:3000" },
    rpc: { type: "string", default: process.env.LOCAL_RPC_URL ?? "http://127.0.0.1:8545" },
  },
});

type PayToken = { address: Address; decimals: number; symbol: string; permit: boolean };
type PublicClient = ReturnType<typeof createPublicClient>;
type WalletClient = ReturnType<typeof createWalletClient>;
type Payment = { from: Address; token: PayToken; amount: bigint; router: Address; merchant: Address; orderRef: Hex; chainId: number };
type Send = (label: string, hash: Hex) => Promise<void>;

async function main(): Promise<void> {
  const target = positionals[0];
  if (!target) throw new Error("usage: npm run pay -- <checkout URL | checkout token> [--amount 12.5] [--token USDT] [--from 1..4 | 0x…]");
  const { apiUrl, checkoutToken } = parseTarget(target, flags.api!);
  const order = await fetchOrder(apiUrl, checkoutToken);

  const publicClient = createPublicClient({ transport: http(flags.rpc) });
  const chainId = await publicClient.getChainId();
  if (chainId !== order.chain.id) throw new Error(`The order is on chain ${order.chain.id}, but ${flags.rpc} is chain ${chainId}`);
  const wallet = createWalletClient({ transport: http(flags.rpc) });
  const from = resolvePayer(flags.from!, await wallet.getAddresses());

  const token = await chooseToken(order, chainId);
  const amount = flags.amount !== undefined ? parseDecimal(flags.amount, token.decimals) : BigInt(order.amountDueUnits);
  const payment: Payment = {
    from,
    token,
    amount,
    router: getAddress(order.toAddress),
    merchant: getAddress(order.payoutAddress),
    orderRef: order.orderRef as Hex,
    chainId,
  };

  const balance = await publicClient.readContract({ address: token.address, abi: erc20Abi, functionName: "balanceOf", args: [from] });
  if (balance < amount) throw new Error(`${from} holds ${balance} base units of ${token.symbol}, less than ${amount}`);
  console.log(`Paying ${flags.amount ?? order.amountDue} ${token.symbol} for order ${order.id} from ${from}`);

  const send: Send = async (label, hash) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${label} reverted (tx ${hash})`);
    console.log(`  ${label.padEnd(15)} ${hash} (block ${receipt.blockNumber})`);
  };

  if (token.permit) await payWithPermit(publicClient, wallet, payment, send);
  else await approveAndPay(publicClient, wallet, payment, send);
  console.log(`Watch the order: ${apiUrl}/pay/${checkoutToken}`);
}

async function fetchOrder(apiUrl: string, checkoutToken: string): Promise<PublicOrder> {
  const response = await fetch(`${apiUrl}/pay/${checkoutToken}/status`).catch((error: unknown) => {
    throw new Error(`The API at ${apiUrl} did not answer (is \`npm start\` running?): ${String(error)}`);
  });
  if (response.status === 404) throw new Error(`No checkout ${checkoutToken} at ${apiUrl} (pass the order's cashierUrl, not its id)`);
  if (!response.ok) throw new Error(`The API answered ${response.status} for checkout ${checkoutToken}`);
  return (await response.json()) as PublicOrder;
}

/** The order's token, or the one --token names from this chain's deployment record. */
async function chooseToken(order: PublicOrder, chainId: number): Promise<PayToken> {
  const token = { address: getAddress(order.token.address), decimals: order.token.decimals, symbol: order.token.symbol, permit: order.token.permit };
  if (!flags.token || flags.token === order.token.symbol) return token;
  const record = (await readDeploymentRecords()).find((r) => r.chainId === chainId);
  const other = record?.tokens.find((t) => t.symbol === flags.token);
  if (!other) throw new Error(`--token ${flags.token} is not deployed on chain ${chainId}`);
  return other;
}

/** One EIP-2612 permit signature, then `payWithPermit`: no approve transaction. */
async function payWithPermit(publicClient: PublicClient, wallet: WalletClient, payment: Payment, send: Send): Promise<void> {
  const { from, token, amount, router, merchant, orderRef, chainId } = payment;
  const deadline = BigInt(Math.floor(Date.now() / 1000) + 1800);
  const nonce = await publicClient.readContract({ address: token.address, abi: permitUSDAbi, functionName: "nonces", args: [from] });
  const [, name, version] = await publicClient.readContract({ address: token.address, abi: permitUSDAbi, functionName: "eip712Domain" });
  const signature = await wallet.signTypedData({
    account: from,
    domain: { name, version, chainId, verifyingContract: token.address },
    types: permitTypes,
    primaryType: "Permit",
    message: { owner: from, spender: router, value: amount, nonce, deadline },
  });
  const { v, r, s } = hexToSignature(signature);
  console.log("  permit signed   (no approve transaction needed)");
  await send(
    "payWithPermit",
    await wallet.writeContract({
      account: from,
      chain: null,
      address: router,
      abi: paymentRouterAbi,
      functionName: "payWithPermit",
      args: [token.address, amount, merchant, orderRef, deadline, Number(v), r, s],
    }),
  );
}

/** `approve` (through zero first, as USDT demands) when the allowance is short, then `pay`. */
async function approveAndPay(publicClient: PublicClient, wallet: WalletClient, payment: Payment, send: Send): Promise<void> {
  const { from, token, amount, router, merchant, orderRef } = payment;
  const allowance = await publicClient.readContract({ address: token.address, abi: erc20Abi, functionName: "allowance", args: [from, router] });
  if (allowance < amount) {
    // USDT refuses to change a non-zero allowance to another non-zero value: reset it first.
    if (allowance > 0n) {
      await send("approve(0)", await wallet.writeContract({ account: from, chain: null, address: token.address, abi: erc20Abi, functionName: "approve", args: [router, 0n] }));
    }
    await send("approve", await wallet.writeContract({ account: from, chain: null, address: token.address, abi: erc20Abi, functionName: "approve", args: [router, amount] }));
  }
  await send(
    "pay",
    await wallet.writeContract({ account: from, chain: null, address: router, abi: paymentRouterAbi, functionName: "pay", args: [token.address, amount, merchant, orderRef] }),
  );
}

function parseTarget(target: string, defaultApi: string): { apiUrl: string; checkoutToken: string } {
  if (/^https?:\/\//.test(target)) {
    const url = new URL(target);
    const match = /\/pay\/([^/?#]+)/.exec(url.pathname);
    if (!match) throw new Error(`${target} is not a checkout URL (…/pay/<checkout token>)`);
    return { apiUrl: url.origin, checkoutToken: match[1]! };
  }
  return { apiUrl: defaultApi.replace(/\/+$/, ""), checkoutToken: target };
}

function resolvePayer(from: string, accounts: Address[]): Address {
  if (isAddress(from, { strict: false })) return getAddress(from);
  const index = Number(from);
  if (!Number.isInteger(index) || index < 0 || index >= accounts.length) {
    throw new Error(`--from must be an address or a dev account number 0..${accounts.length - 1}`);
  }
  return getAddress(accounts[index]!);
}

function parseDecimal(value: string, decimals: number): bigint {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new Error(`--amount must be a plain decimal like 12.5, not "${value}"`);
  const fraction = value.split(".")[1] ?? "";
  if (fraction.length > decimals) throw new Error(`--amount has more than ${decimals} decimals`);
  return parseUnits(value, decimals);
}

try {
  await main();
} catch (error) {
  console.error(`Payment failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
