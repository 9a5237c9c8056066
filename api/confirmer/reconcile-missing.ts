/**
 * Payments the indexer no longer shows. A row can be missing because a reorg removed its block, or because the
 * indexer is recovering from a crash (Ponder deletes its unfinalized rows, then indexes them again) or has not
 * reached that height on a new branch. Only the first is a reorg, so a payment counts as gone only when the indexer's
 * chain has another block at its height; otherwise the confirmer waits. A gone payment is `reverted`, with its
 * reason: before its confirmations (the order goes back) or after them (an incident: the reorg was deeper than the
 * confirmations), and `payment.reverted` tells the merchant either way. If the transaction is mined again, the
 * payment counts again (record-payment.ts).
 */
import { and, between, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Hex } from "viem";
import type { Queryable, Transaction } from "../db/client.js";
import { type PaymentState, payments, unmatchedPayments } from "../db/schema.js";
import type { OrderBatch } from "../orders/order-batch.js";
import { paymentKey } from "./payment-identity.js";

export type MissingScan = {
  chainId: number;
  /** Heights the pass read from the indexer: only there does a missing row mean anything. */
  fromBlock: bigint;
  head: bigint;
  /** Identities (`paymentKey`) of the logs the indexer showed. */
  present: ReadonlySet<string>;
};

const counted: PaymentState[] = ["confirming", "confirmed"];

/** The heights of credited or unmatched payments in the scanned range that the indexer's rows lack. */
export async function missingHeights(db: Queryable, { chainId, fromBlock, head, present }: MissingScan): Promise<bigint[]> {
  const [credited, unmatched] = await Promise.all([
    db
      .select({ txHash: payments.txHash, logOrdinal: payments.logOrdinal, blockNumber: payments.blockNumber })
      .from(payments)
      .where(and(eq(payments.chainId, chainId), inArray(payments.state, counted), between(payments.blockNumber, fromBlock, head))),
    db
      .select({ txHash: unmatchedPayments.txHash, logOrdinal: unmatchedPayments.logOrdinal, blockNumber: unmatchedPayments.blockNumber })
      .from(unmatchedPayments)
      .where(and(eq(unmatchedPayments.chainId, chainId), isNull(unmatchedPayments.revertedAt), between(unmatchedPayments.blockNumber, fromBlock, head))),
  ]);
  const rows = [...credited, ...unmatched];
  const heights = rows.filter((row) => !present.has(paymentKey(chainId, row.txHash, row.logOrdinal))).map((row) => row.blockNumber);
  return [...new Set(heights)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Reverts every missing payment whose block the indexer's chain has replaced (`canonical`: the hash at each height,
 * as the indexer reported it), in one UPDATE a table; each reverted payment's order gets its `payment.reverted` in
 * `batch`, in turn. Returns how many credited payments were reverted, and how many of them had been confirmed.
 */
export async function revertReplaced(
  tx: Transaction,
  scan: MissingScan & { canonical: ReadonlyMap<bigint, Hex | null> },
  { now, batch }: { now: Date; batch: OrderBatch },
): Promise<{ reverted: number; afterConfirmation: number }> {
  const { chainId, fromBlock, head, present, canonical } = scan;
  const replaced = (row: { txHash: string; logOrdinal: number; blockNumber: bigint; blockHash: string }) => {
    if (present.has(paymentKey(chainId, row.txHash, row.logOrdinal))) return false;
    const hash = canonical.get(row.blockNumber);
    return hash !== undefined && hash !== null && hash.toLowerCase() !== row.blockHash;
  };

  const candidates = await tx
    .select()
    .from(payments)
    .where(and(eq(payments.chainId, chainId), inArray(payments.state, counted), between(payments.blockNumber, fromBlock, head)))
    .for("update");
  const gone = candidates.filter(replaced);
  const result = { reverted: gone.length, afterConfirmation: gone.filter((p) => p.state === "confirmed").length };
  if (gone.length > 0) {
    await batch.hold(tx, { ids: gone.map((p) => p.orderId) });
    const rows = await tx
      .update(payments)
      .set({
        state: "reverted",
        revertedAt: now,
        revertReason: sql`case when ${payments.state} = 'confirmed' then 'reorged_after_confirmation' else 'reorged_before_confirmation' end`,
      })
      .where(inArray(payments.id, gone.map((p) => p.id)))
      .returning();
    const byId = new Map(rows.map((row) => [row.id, row] as const));
    for (const payment of gone) {
      const reverted = byId.get(payment.id)!;
      batch.putPayment(reverted);
      batch.update(payment.orderId, { reverted });
    }
  }

  const unmatched = await tx
    .select({ id: unmatchedPayments.id, txHash: unmatchedPayments.txHash, logOrdinal: unmatchedPayments.logOrdinal, blockNumber: unmatchedPayments.blockNumber, blockHash: unmatchedPayments.blockHash })
    .from(unmatchedPayments)
    .where(and(eq(unmatchedPayments.chainId, chainId), isNull(unmatchedPayments.revertedAt), between(unmatchedPayments.blockNumber, fromBlock, head)));
  const goneUnmatched = unmatched.filter(replaced).map((row) => row.id);
  if (goneUnmatched.length > 0) await tx.update(unmatchedPayments).set({ revertedAt: now }).where(inArray(unmatchedPayments.id, goneUnmatched));
  return result;
}
