/**
 * `RefundSent` rows a test controls, as the indexer would have them: a refund "sent" in a block, reorged away; heads are
 * the payment source's (one indexer for both). Used with the in-process harness (its test chain and addresses).
 */
import { randomBytes } from "node:crypto";
import { getAddress, type Hex } from "viem";
import type { IndexedRefund, RefundSource } from "../../api/refunds/source.js";
import type { RefundView } from "../../api/refunds/views.js";
import { hexOf } from "./api-client.js";
import { LOCAL, PAYOUT, REFUND_ROUTER, TOKENS } from "./harness.js";
import type { MemoryPaymentSource } from "./memory-source.js";

const hex32 = (): Hex => `0x${randomBytes(32).toString("hex")}`;

/** The refund source; `send` records the refund paid in full (or as `overrides` say) in `blockNumber`. */
export class MemoryRefundSource implements RefundSource {
  readonly rows: IndexedRefund[] = [];
  constructor(readonly payments: MemoryPaymentSource) {}
  indexedHead(chainId: number) {
    return this.payments.indexedHead(chainId);
  }
  async refunds({ chainId, refundRefs }: { chainId: number; refundRefs: Hex[] }) {
    return this.rows.filter((r) => r.chainId === chainId && refundRefs.includes(r.refundRef)).map((r) => ({ ...r }));
  }
  send(refund: RefundView, blockNumber: bigint, overrides: Partial<IndexedRefund> = {}): IndexedRefund {
    const row: IndexedRefund = {
      chainId: LOCAL,
      router: getAddress(REFUND_ROUTER),
      txHash: hex32(),
      logIndex: 0,
      blockNumber,
      blockHash: hex32(),
      blockTimestamp: 1n,
      refundRef: hexOf(refund.refundRef),
      orderRef: hexOf(refund.orderRef),
      from: getAddress(PAYOUT),
      to: getAddress(refund.destination!),
      token: getAddress(TOKENS.USDT),
      amount: BigInt(Math.round(Number(refund.amount) * 1e6)),
      ...overrides,
    };
    this.rows.push(row);
    if ((this.payments.heads.get(LOCAL) ?? -1n) < blockNumber) this.payments.setHead(LOCAL, blockNumber);
    return row;
  }
  reorg(ancestor: bigint) {
    for (let i = this.rows.length - 1; i >= 0; i--) if (this.rows[i]!.blockNumber > ancestor) this.rows.splice(i, 1);
    this.payments.reorg(LOCAL, ancestor);
  }
}
