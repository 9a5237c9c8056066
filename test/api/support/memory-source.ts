/**
 * A `PaymentSource` the test controls: synthetic indexed payment rows and a head per chain, with helpers that
 * behave like the indexer (a reorg removes the rows of the blocks it drops).
 */
import { randomBytes } from "node:crypto";
import type { Address, Hex } from "viem";
import type { IndexedPayment, PaymentSource } from "../../../api/confirmer/payment-source.js";

const hex32 = (): Hex => `0x${randomBytes(32).toString("hex")}`;

export class MemoryPaymentSource implements PaymentSource {
  readonly rows: IndexedPayment[] = [];
  readonly heads = new Map<number, bigint>();
  /** Set to make the next calls fail, like an unreachable indexer. */
  failing = false;

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
  }): IndexedPayment {
    const payment: IndexedPayment = {
      chainId: row.chainId,
      router: row.router,
      txHash: row.txHash ?? hex32(),
      logIndex: row.logIndex ?? 0,
      blockNumber: row.blockNumber,
      blockHash: hex32(),
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

  /** A reorg back to `ancestor`: every row above it disappears and the head drops to it. */
  reorg(chainId: number, ancestor: bigint) {
    for (let i = this.rows.length - 1; i >= 0; i--) {
      const row = this.rows[i]!;
      if (row.chainId === chainId && row.blockNumber > ancestor) this.rows.splice(i, 1);
    }
    this.heads.set(chainId, ancestor);
  }
}
