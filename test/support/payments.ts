/**
 * Paying through the router on a test chain, as customers' wallets do, and reading back what the chain says was paid
 * (the truth the indexer's rows are compared with). Accounts are the node's unlocked Hardhat dev accounts.
 */
import {
  type Address,
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  erc20Abi,
  type Hash,
  type Hex,
  http,
  maxUint256,
  parseEventLogs,
  toHex,
} from "viem";
import { paymentRouterAbi } from "../../contracts/abi/PaymentRouter.js";
import type { AcceptedToken, DeploymentRecord } from "../../contracts/deployments/record.js";

/** Hardhat dev accounts: #0 deployed the test tokens and holds their supply; #1–#4 pay; #9 is the merchant. */
export const DEV_ACCOUNTS = {
  deployer: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  payers: [
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
  ],
  merchant: "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
} as const satisfies Record<string, Address | readonly Address[]>;

/** Enough for any router call with the test tokens; explicit so batched sends skip estimation. */
const PAY_GAS = 150_000n;

export interface Payment {
  token: Address;
  amount: bigint;
  orderRef: Hex;
  payer?: Address;
  merchant?: Address;
}

/** A payment as the chain recorded it: the fields every payment row must carry. */
export interface PaymentLog {
  chainId: number;
  router: Address;
  txHash: Hash;
  logIndex: number;
  blockNumber: bigint;
  blockHash: Hash;
  orderRef: Hex;
  merchant: Address;
  payer: Address;
  token: Address;
  amount: bigint;
}

export const randomOrderRef = (): Hex => toHex(crypto.getRandomValues(new Uint8Array(32)));

export function tokenBySymbol(record: DeploymentRecord, symbol: string): AcceptedToken {
  const token = record.tokens.find((t) => t.symbol === symbol);
  if (!token) throw new Error(`Chain ${record.chainId} has no ${symbol}`);
  return token;
}

const clients = (url: string) => ({
  public: createPublicClient({ transport: http(url) }),
  wallet: createWalletClient({ transport: http(url) }),
});

/** Gives `payer` every test token and lets the router spend it (TetherUSD's approve-from-zero rule holds: first approve). */
export async function fundPayer(url: string, record: DeploymentRecord, payer: Address, wholeTokens = 1_000_000n): Promise<void> {
  const { public: publicClient, wallet } = clients(url);
  for (const token of record.tokens) {
    const calls = [
      { account: DEV_ACCOUNTS.deployer, functionName: "transfer", args: [payer, wholeTokens * 10n ** BigInt(token.decimals)] },
      { account: payer, functionName: "approve", args: [record.router, maxUint256] },
    ] as const;
    for (const call of calls) {
      // erc20Abi's transfer/approve encode the call; TetherUSD returns nothing, so success is read from the receipt.
      const hash = await wallet.writeContract({ ...call, address: token.address, abi: erc20Abi, chain: null });
      const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      if (receipt.status !== "success") throw new Error(`${call.functionName} of ${token.symbol} failed (tx ${hash})`);
    }
  }
}

function payRequest(record: DeploymentRecord, { token, amount, orderRef, payer = DEV_ACCOUNTS.payers[0], merchant = DEV_ACCOUNTS.merchant }: Payment) {
  return {
    from: payer,
    to: record.router,
    gas: toHex(PAY_GAS),
    data: encodeFunctionData({ abi: paymentRouterAbi, functionName: "pay", args: [token, amount, merchant, orderRef] }),
  };
}

/** Sends payments in one JSON-RPC batch without waiting: with automine off they share blocks. */
export async function sendPayments(url: string, record: DeploymentRecord, payments: readonly Payment[]): Promise<Hash[]> {
  if (payments.length === 0) return [];
  const body = payments.map((payment, id) => ({ jsonrpc: "2.0", id, method: "eth_sendTransaction", params: [payRequest(record, payment)] }));
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const results = (await response.json()) as { id: number; result?: Hash; error?: { message: string } }[];
  return results
    .sort((a, b) => a.id - b.id)
    .map(({ id, result, error }) => {
      if (!result) throw new Error(`Payment ${id} was refused: ${error?.message}`);
      return result;
    });
}

/** Pays and waits for the block (automine on): returns the payment as the chain recorded it. */
export async function pay(url: string, record: DeploymentRecord, payment: Payment): Promise<PaymentLog> {
  const [hash] = await sendPayments(url, record, [payment]);
  const [log] = await paymentLogsOf(url, record, [hash!]);
  return log!;
}

/** The PaymentReceived logs of mined transactions, in order; a reverted or missing transaction is an error. */
export async function paymentLogsOf(url: string, record: DeploymentRecord, hashes: readonly Hash[]): Promise<PaymentLog[]> {
  const { public: publicClient } = clients(url);
  const logs: PaymentLog[] = [];
  for (const hash of hashes) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== "success") throw new Error(`Payment transaction ${hash} reverted`);
    logs.push(...toPaymentLogs(record, parseEventLogs({ abi: paymentRouterAbi, eventName: "PaymentReceived", logs: receipt.logs })));
  }
  return logs;
}

/** Every PaymentReceived log the router has emitted: what the indexer must hold. */
export async function allPaymentLogs(url: string, record: DeploymentRecord): Promise<PaymentLog[]> {
  const logs = await clients(url).public.getContractEvents({
    address: record.router,
    abi: paymentRouterAbi,
    eventName: "PaymentReceived",
    fromBlock: BigInt(record.deployBlock),
    toBlock: "latest",
    strict: true,
  });
  return toPaymentLogs(record, logs);
}

type PaymentReceivedLog = ReturnType<typeof parseEventLogs<typeof paymentRouterAbi, true, "PaymentReceived">>[number];

function toPaymentLogs(record: DeploymentRecord, logs: readonly PaymentReceivedLog[]): PaymentLog[] {
  return logs.map((log) => ({
    chainId: record.chainId,
    router: log.address,
    txHash: log.transactionHash,
    logIndex: log.logIndex,
    blockNumber: log.blockNumber,
    blockHash: log.blockHash,
    ...log.args,
  }));
}
