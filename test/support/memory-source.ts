/**
 * A `PaymentSource` the test controls: synthetic indexed payment rows, a head and a block hash per height per chain,
 * with helpers that behave like the indexer (a reorg removes the rows of the blocks it drops and gives those heights
 * new blocks; a crash recovery hides unfinalized rows for a while, blocks unchanged).
 */
import { randomBytes } from "node:crypto";
import type { Address, Hex } from "viem";
import type { IndexedPayment, PaymentSource } from "../../api/confirmer/payment-source.js";
import type { OrderView } from "../../api/orders/views.js";

const hex32 = (): Hex => `0x${randomBytes(32).toString("hex")}`;

export class MemoryPaymentSource implements PaymentSource {
  readonly rows: IndexedPayment[] = [];
  readonly heads = new Map<number, bigint>();
  /** Set to make the next calls fail, like an unreachable indexer. */
  failing = false;
  /** `/ready`: false while the indexer backfills or recovers from a crash. */
  ready = true;
  /** The chain's block hash at each height, per chain; a height without one gets a new block when first asked. */
  readonly blocks = new Map<number, Map<bigint, Hex>>();
  /** Rows Ponder's crash recovery deleted and has not indexed again yet. */
  #recovering: IndexedPayment[] = [];

  async isReady() {
    if (this.failing) throw new Error("indexer unreachable");
    return this.ready;
  }

  async blockHashes({ chainId, blockNumbers }: { chainId: number; blockNumbers: readonly bigint[] }) {
    if (this.failing) throw new Error("indexer unreachable");
    const head = this.heads.get(chainId) ?? -1n;
    return new Map(blockNumbers.map((n) => [n, n > head ? null : this.blockHash(chainId, n)] as const));
  }

  /** The hash of the block at `blockNumber` on the chain as it is now. */
  blockHash(chainId: number, blockNumber: bigint): Hex {
    let chain = this.blocks.get(chainId);
    if (!chain) this.blocks.set(chainId, (chain = new Map()));
    let hash = chain.get(blockNumber);
    if (!hash) chain.set(blockNumber, (hash = hex32()));
    return hash;
  }

  async indexedHead(chainId: number) {
    if (this.failing) throw new Error("indexer unreachable");
    return this.heads.get(chainId);
  }

  async payments({ chainId, fromBlock, toBlock }: { chainId: number; fromBlock: bigint; toBlock: bigint }) {
    if (this.failing) throw new Error("indexer unreachable");
    return this.rows.filter((r) => r.chainId === chainId && r.blockNumber >= fromBlock && r.blockNumber <= toBlock).map((r) => ({ ...r }));
  }

  setHead(chainId: number, head: bigint) {
    this.heads.set(chainId, head);
  }

  /**
   * Adds a payment log in block `blockNumber` (the head moves up to it if lower) and returns it.
   * `blockTimestamp` defaults to the test clock's now.
   */
  pay(row: {
    chainId: number;
    router: Address;
    orderRef: Hex;
    merchant: Address;
    token: Address;
    amount: bigint;
    blockNumber: bigint;
    blockTimestamp: Date;
    payer?: Address;
    txHash?: Hex;
    logIndex?: number;
    blockHash?: Hex;
  }): IndexedPayment {
    const payment: IndexedPayment = {
      chainId: row.chainId,
      router: row.router,
      txHash: row.txHash ?? hex32(),
      logIndex: row.logIndex ?? 0,
      blockNumber: row.blockNumber,
      blockHash: row.blockHash ?? this.blockHash(row.chainId, row.blockNumber),
      blockTimestamp: BigInt(Math.floor(row.blockTimestamp.getTime() / 1000)),
      orderRef: row.orderRef,
      merchant: row.merchant,
      payer: row.payer ?? "0x000000000000000000000000000000000000fa11",
      token: row.token,
      amount: row.amount,
    };
    this.rows.push(payment);
    if ((this.heads.get(row.chainId) ?? -1n) < row.blockNumber) this.heads.set(row.chainId, row.blockNumber);
    return payment;
  }

  /** `pay`, addressed the way the order's view says (its router, reference, payout address and token). */
  payOrder(
    order: Pick<OrderView, "chainId" | "toAddress" | "orderRef" | "payoutAddress" | "token">,
    row: { amount: bigint; blockNumber: bigint; blockTimestamp: Date } & Partial<Parameters<MemoryPaymentSource["pay"]>[0]>,
  ): IndexedPayment {
    return this.pay({
      chainId: order.chainId,
      router: order.toAddress as Address,
      orderRef: order.orderRef as Hex,
      merchant: order.payoutAddress as Address,
      token: order.token.address as Address,
      ...row,
    });
  }

  /** A reorg back to `ancestor`: every row above it disappears, the head drops to it, the heights above get new blocks. */
  reorg(chainId: number, ancestor: bigint) {
    this.#take(chainId, ancestor);
    for (const height of this.blocks.get(chainId)?.keys() ?? []) {
      if (height > ancestor) this.blocks.get(chainId)!.delete(height);
    }
    this.heads.set(chainId, ancestor);
  }

  /**
   * What Ponder does after a kill -9: not ready, the rows above its finalized block deleted (to be indexed again), the
   * head as it was, the blocks unchanged. `finishRecovery` puts the rows back and is ready again.
   */
  crashRecovery(chainId: number, finalized: bigint) {
    this.ready = false;
    this.#recovering.push(...this.#take(chainId, finalized));
  }

  finishRecovery() {
    this.rows.push(...this.#recovering.splice(0));
    this.ready = true;
  }

  #take(chainId: number, above: bigint): IndexedPayment[] {
    const taken: IndexedPayment[] = [];
    for (let i = this.rows.length - 1; i >= 0; i--) {
      const row = this.rows[i]!;
      if (row.chainId === chainId && row.blockNumber > above) taken.unshift(...this.rows.splice(i, 1));
    }
    return taken;
  }
}
