/**
 * The sweeper of one chain: the operator's account that pays the gas of forwarding transfers from deposit addresses to
 * the merchants' payout addresses (`DepositFactory.deployAndForwardMany`, one transaction for every address due).
 * Anyone may trigger a forward and the tokens can only go to the payout address, so the key only spends gas.
 *
 * Exactly once across crashes: a forward transaction is signed first, written to `sweeper_transactions` with its
 * nonce (and its transfers marked `sent`) in one fenced database transaction, and only then broadcast. After a crash
 * the open row is found mined (settled from its receipt) or not known to the node (the same signed bytes are sent
 * again: same nonce, same hash), never replaced by a second transaction. One forward transaction is in the pool at a
 * time; a mined one stays open until its block has the chain's confirmations, without holding up the next.
 */
import {
  type Account,
  type Address,
  createPublicClient,
  encodeFunctionData,
  formatEther,
  type Hex,
  http,
  keccak256,
  parseEventLogs,
  type PublicClient,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { depositFactoryAbi } from "../../contracts/abi/DepositFactory.js";
import { depositAddress } from "../../contracts/deposit-address.js";
import type { Database, Transaction } from "../db/client.js";
import type { SweeperConfig } from "../config.js";
import {
  dueForwards,
  type ForwardItem,
  type ItemOutcome,
  type OpenTransaction,
  openTransactions,
  recordRefused,
  recordSent,
  settleFailed,
  settleMined,
} from "./forward-rows.js";
import { recordBalance } from "./gauges.js";

export type SweepResult = { settled: number; sent: { txHash: Hex; items: number } | null };

export type ChainSweeperOptions = {
  db: Database;
  chainId: number;
  factory: Address;
  confirmations: number;
  rpcUrl: string;
  privateKey: Hex;
  settings: Pick<SweeperConfig, "policy" | "batchSize" | "batchMaxWaitMs" | "retryMs" | "lowBalance">;
  fence?: (tx: Transaction) => Promise<void>;
  log: (message: string) => void;
  now?: () => Date;
};

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export class ChainSweeper {
  readonly account: Account;
  readonly #o: ChainSweeperOptions;
  readonly #client: PublicClient;
  readonly #now: () => Date;
  #low = false;

  constructor(options: ChainSweeperOptions) {
    this.#o = options;
    this.account = privateKeyToAccount(options.privateKey);
    this.#client = createPublicClient({ transport: http(options.rpcUrl) });
    this.#now = options.now ?? (() => new Date());
  }

  get chainId() {
    return this.#o.chainId;
  }

  /**
   * One pass: settle the open forward transactions, then (policy permitting, or `force`) send the next. One is in the
   * pool at a time; mined ones wait for their confirmations without holding up the next.
   */
  async sweep({ force = false }: { force?: boolean } = {}): Promise<SweepResult> {
    await this.#checkBalance();
    const open = await openTransactions(this.#o.db, this.#o.chainId);
    let settled = 0;
    let unmined = 0;
    for (const row of open) {
      const state = await this.#settle(row);
      if (state === "settled") settled += 1;
      if (state === "unmined") unmined += 1;
    }
    if (unmined > 0) return { settled, sent: null };
    if (this.#o.settings.policy === "manual" && !force) return { settled, sent: null };
    const now = this.#now();
    const due = await dueForwards(this.#o.db, { chainId: this.#o.chainId, confirmations: this.#o.confirmations, now });
    if (due.items.length === 0 || (!force && !this.#batchReady(due.items.length, due.oldestDueAt, now))) return { settled, sent: null };
    const items = (await this.#ours(due.items, now)).slice(0, this.#o.settings.policy === "batch" ? this.#o.settings.batchSize : 200);
    if (items.length === 0) return { settled, sent: null };
    return { settled, sent: { txHash: await this.#send(items), items: items.length } };
  }

  /**
   * The items whose deposit address is this factory's for their payout and order reference. One made by another
   * factory (the deployment record changed since the order was made) would find nothing here: it is failed, saying
   * so, and retried later, never shown forwarded while its funds wait at the old address.
   */
  async #ours(items: ForwardItem[], now: Date): Promise<ForwardItem[]> {
    const factory = this.#o.factory;
    const foreign = items.filter((item) => !same(depositAddress({ factory, payout: item.payout, orderRef: item.orderRef }), item.depositAddress));
    if (foreign.length === 0) return items;
    const error = `the deposit address was not made by this chain's DepositFactory ${factory}: forward it through the factory that made it`;
    const retryAt = new Date(now.getTime() + this.#o.settings.retryMs);
    await this.#o.db.transaction(async (tx) => {
      await this.#o.fence?.(tx);
      await recordRefused(tx, { chainId: this.#o.chainId, items: foreign, error, retryAt });
    });
    for (const item of foreign) this.#o.log(`sweeper: chain ${this.#o.chainId}: not forwarding ${item.depositAddress}: ${error}`);
    return items.filter((item) => !foreign.includes(item));
  }

  #batchReady(count: number, oldestDueAt: Date | undefined, now: Date): boolean {
    const { policy, batchSize, batchMaxWaitMs } = this.#o.settings;
    if (policy !== "batch") return true;
    return count >= batchSize || (oldestDueAt !== undefined && now.getTime() - oldestDueAt.getTime() >= batchMaxWaitMs);
  }

  async #send(items: ForwardItem[]): Promise<Hex> {
    const { chainId, factory } = this.#o;
    const codes = await Promise.all(items.map((item) => this.#client.getCode({ address: item.depositAddress })));
    // New addresses only: deployAndForwardMany (cheapest); any already deployed (a late or second transfer): forwardMany.
    const functionName = codes.every((code) => code === undefined || code === "0x") ? "deployAndForwardMany" : "forwardMany";
    const data = encodeFunctionData({
      abi: depositFactoryAbi,
      functionName,
      args: [items.map(({ token, payout, orderRef }) => ({ token, payout, orderRef }))],
    });
    const nonce = await this.#client.getTransactionCount({ address: this.account.address, blockTag: "pending" });
    const gas = ((await this.#client.estimateGas({ account: this.account, to: factory, data })) * 13n) / 10n;
    const fees = await this.#client.estimateFeesPerGas();
    const rawTx = await this.account.signTransaction!({
      chainId,
      type: "eip1559",
      to: factory,
      data,
      nonce,
      gas,
      maxFeePerGas: fees.maxFeePerGas!,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas!,
    });
    const txHash = keccak256(rawTx);
    await this.#o.db.transaction(async (tx) => {
      await this.#o.fence?.(tx);
      await recordSent(tx, { chainId, sweeper: this.account.address, nonce, txHash, rawTx, items, now: this.#now() });
    });
    this.#o.log(`sweeper: chain ${chainId}: forwarding ${items.length} deposit address(es) in ${txHash} (nonce ${nonce})`);
    await this.#broadcast(rawTx);
    return txHash;
  }

  /** Sends signed bytes; a node that already has them (a retry after a crash) is not an error. */
  async #broadcast(rawTx: Hex) {
    try {
      await this.#client.sendRawTransaction({ serializedTransaction: rawTx });
    } catch (error) {
      const message = (error as Error).message;
      if (/already known|known transaction|nonce too low|already imported/i.test(message)) return;
      this.#o.log(`sweeper: chain ${this.#o.chainId}: broadcast failed (will retry): ${message.split("\n")[0]}`);
    }
  }

  /**
   * True when the open transaction is settled (mined and final, reverted or dropped); false while it is pending or its
   * block has fewer than the chain's confirmations. Until then a reorg can take the forward out again (the funds back
   * at the deposit addresses): the row stays `sent`, and if the node forgot the transaction its same bytes go again.
   */
  async #settle(row: OpenTransaction): Promise<"settled" | "mined" | "unmined"> {
    const txHash = row.txHash as Hex;
    const found = await this.#receiptOrNonce(row);
    if (found === "unmined") return "unmined";
    const receipt = found === "replaced" ? null : found;
    if (receipt && !(await this.#final(receipt.blockNumber))) return "mined";
    const now = this.#now();
    const retryAt = new Date(now.getTime() + this.#o.settings.retryMs);
    const write = (work: (tx: Transaction) => Promise<void>) =>
      this.#o.db.transaction(async (tx) => {
        await this.#o.fence?.(tx);
        await work(tx);
      });
    if (receipt) {
      if (receipt.status === "success") {
        const outcomes = this.#outcomes(row, receipt);
        await write((tx) => settleMined(tx, { chainId: row.chainId, txHash, outcomes, now, retryAt }));
        const failed = outcomes.filter((o) => o.kind === "failed").length;
        this.#o.log(`sweeper: chain ${row.chainId}: ${txHash} mined: ${outcomes.length - failed} forwarded, ${failed} failed (retried later)`);
      } else {
        await write((tx) => settleFailed(tx, { chainId: row.chainId, txHash, error: "the forward transaction reverted", now, retryAt }));
        this.#o.log(`sweeper: chain ${row.chainId}: ${txHash} reverted; its forwards are retried later`);
      }
      return "settled";
    }
    await write((tx) => settleFailed(tx, { chainId: row.chainId, txHash, error: "the forward transaction was dropped", now, retryAt }));
    this.#o.log(`sweeper: chain ${row.chainId}: ${txHash} was dropped (nonce ${row.nonce} used); its forwards are retried later`);
    return "settled";
  }

  /**
   * The open transaction's receipt; else "replaced" when its nonce was used by another transaction of this account;
   * else "unmined" (its same bytes sent again if the node forgot them). The receipt is read again after the nonce:
   * a block mined between the two reads (with this very transaction) uses the nonce too, and must not read as a
   * replacement, which would fail a forward that happened and send a second one.
   */
  async #receiptOrNonce(row: OpenTransaction): Promise<TransactionReceipt | "replaced" | "unmined"> {
    const txHash = row.txHash as Hex;
    const receipt = await this.#receipt(txHash);
    if (receipt) return receipt;
    const latest = await this.#client.getTransactionCount({ address: this.account.address, blockTag: "latest" });
    if (latest > row.nonce) return (await this.#receipt(txHash)) ?? "replaced";
    const known = await this.#client.getTransaction({ hash: txHash }).catch(() => null);
    if (!known) await this.#broadcast(row.rawTx as Hex);
    return "unmined";
  }

  /** The receipt, or null when the node has none; any other failure (the RPC down) is thrown, never read as "dropped". */
  async #receipt(hash: Hex): Promise<TransactionReceipt | null> {
    try {
      return await this.#client.getTransactionReceipt({ hash });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError) return null;
      throw error;
    }
  }

  /** Whether a block has the chain's confirmations (at least its own: a chain that needs none settles on inclusion). */
  async #final(blockNumber: bigint): Promise<boolean> {
    const head = await this.#client.getBlockNumber({ cacheTime: 0 });
    return head - blockNumber + 1n >= BigInt(Math.max(this.#o.confirmations, 1));
  }

  #outcomes(row: OpenTransaction, receipt: TransactionReceipt): ItemOutcome[] {
    const logs = parseEventLogs({ abi: depositFactoryAbi, logs: receipt.logs.filter((log) => same(log.address, this.#o.factory)) });
    return row.items.map((stored): ItemOutcome => {
      const item = stored as ForwardItem;
      // Forwarded names the order reference and the token; the deposit address follows from them (and the payout).
      const matches = (args: { orderRef: Hex; token: Address }) => same(args.orderRef, item.orderRef) && same(args.token, item.token);
      const forwarded = logs.find((log) => log.eventName === "Forwarded" && matches(log.args as never));
      if (forwarded) return { item, kind: "forwarded", blockNumber: receipt.blockNumber, logIndex: forwarded.logIndex };
      const failed = logs.find((log) => log.eventName === "ForwardFailed" && matches(log.args as never));
      if (failed) return { item, kind: "failed", error: "the token refused the transfer to the payout address (blacklisted or paused?); the funds stay at the deposit address" };
      return { item, kind: "empty" };
    });
  }

  async #checkBalance() {
    const balance = await this.#client.getBalance({ address: this.account.address });
    const low = balance < this.#o.settings.lowBalance;
    recordBalance(this.#o.chainId, this.account.address, balance, low);
    if (low && !this.#low) {
      this.#o.log(
        `warning: sweeper ${this.account.address} on chain ${this.#o.chainId} has ${formatEther(balance)} native coin left ` +
          `(below SWEEPER_LOW_BALANCE ${formatEther(this.#o.settings.lowBalance)}): fund it, or forwards will stop`,
      );
    }
    if (!low && this.#low) this.#o.log(`sweeper ${this.account.address} on chain ${this.#o.chainId} is funded again (${formatEther(balance)})`);
    this.#low = low;
  }
}
