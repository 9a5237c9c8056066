/**
 * Recording a refund sent some other way (a plain token transfer from the payout wallet, a Safe) by its transaction
 * hash. The receipt is read from the chain's RPC and must pay the refund (verify-tx.ts) before anything is written;
 * the refund is then `submitted` on that transaction and the confirmer takes it from there (confirmations, reorgs).
 * A transaction the payout wallet sent that reverted makes the refund `failed` (`refund.failed`): it no longer
 * counts against what the order can refund. Any other mismatch changes nothing and names the reason.
 * One transaction pays one refund: a hash already recorded, or already carrying another refund, is refused.
 */
import { and, eq, ne, or, sql } from "drizzle-orm";
import type { Hex } from "viem";
import type { Database } from "../db/client.js";
import { orders, refunds } from "../db/schema.js";
import type { ChainReader, ChainReceipt } from "../chains/rpc.js";
import { notifyOutbox } from "../webhooks/outbox-signal.js";
import type { OrderRow } from "../orders/views.js";
import { RefundChainUnavailableError, RefundNotFoundError, RefundNotRecordableError, RefundTxAlreadyUsedError, RefundTxMismatchError } from "./errors.js";
import { writeRefundEvent, type RefundContext } from "./events.js";
import { checkRefundTx, refundTerms, type RefundTxCheck } from "./verify-tx.js";
import type { RefundRow } from "./views.js";

type Recording = { merchantId: string; refundId: string; txHash: string; now: Date; ctx: RefundContext };

export async function recordRefundTransaction(db: Database, reader: ChainReader, input: Recording): Promise<{ refund: RefundRow; order: OrderRow }> {
  const { merchantId, refundId, ctx } = input;
  const txHash = input.txHash.toLowerCase() as Hex;
  const [found] = await db
    .select({ refund: refunds, order: orders })
    .from(refunds)
    .innerJoin(orders, eq(orders.id, refunds.orderId))
    .where(and(eq(refunds.id, refundId), eq(refunds.merchantId, merchantId)));
  if (!found) throw new RefundNotFoundError();
  // The same recording again (a retry without Idempotency-Key) answers as the first did.
  if (found.refund.recordedTxHash === txHash) return found;
  assertRecordable(found.refund);
  const { chainId } = found.order;
  const receipt = await readReceipt(reader, chainId, txHash);
  const check = checkRefundTx(receipt, refundTerms(found.refund, found.order, ctx.chains.chain(chainId)?.refundRouter));
  const revertedByPayout = !check.ok && check.reason === "tx_reverted" && receipt?.from.toLowerCase() === found.order.payoutAddress.toLowerCase();
  if (!check.ok && !revertedByPayout) throw new RefundTxMismatchError(check.reason, check.message);
  const result = await write(db, { ...input, txHash }, receipt!, check);
  notifyOutbox();
  return result;
}

function assertRecordable(refund: RefundRow) {
  if (refund.status !== "pending") throw new RefundNotRecordableError(`this one is ${refund.status}`);
  if (refund.recordedTxHash) throw new RefundNotRecordableError(`this one is already recorded with transaction ${refund.recordedTxHash}`);
  if (!refund.destination) throw new RefundNotRecordableError("this one has no destination yet");
}

async function readReceipt(reader: ChainReader, chainId: number, txHash: Hex): Promise<ChainReceipt | null> {
  if (!reader.has(chainId)) throw new RefundChainUnavailableError(chainId, `this API has no RPC_URL_${chainId}`);
  try {
    return await reader.receipt(chainId, txHash);
  } catch (error) {
    throw new RefundChainUnavailableError(chainId, "its RPC did not answer; try again", error);
  }
}

/** Under the order's lock: still recordable, the hash used nowhere else, then submitted (or failed). */
async function write(db: Database, { refundId, txHash, now, ctx }: Recording, receipt: ChainReceipt, check: RefundTxCheck) {
  try {
    return await db.transaction(async (tx) => {
      const [{ orderId } = { orderId: "" }] = await tx.select({ orderId: refunds.orderId }).from(refunds).where(eq(refunds.id, refundId));
      const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for("update");
      const [current] = await tx.select().from(refunds).where(eq(refunds.id, refundId));
      assertRecordable(current!);
      const [other] = await tx
        .select({ id: refunds.id })
        .from(refunds)
        .where(and(ne(refunds.id, refundId), or(eq(refunds.recordedTxHash, txHash), sql`lower(${refunds.txHash}) = ${txHash}`)))
        .limit(1);
      if (other) throw new RefundTxAlreadyUsedError();
      const placed = { recordedTxHash: txHash, txHash, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash, updatedAt: now };
      const columns = check.ok
        ? { ...placed, status: "submitted" as const, logIndex: check.logIndex, amountDelivered: check.delivered, submittedAt: now }
        : { ...placed, status: "failed" as const, failureReason: check.message, failedAt: now };
      const [updated] = await tx.update(refunds).set(columns).where(eq(refunds.id, refundId)).returning();
      if (!check.ok) await writeRefundEvent(tx, "refund.failed", { refund: updated!, order: order!, ctx, now });
      return { refund: updated!, order: order! };
    });
  } catch (error) {
    // Two recordings of one hash at once: the unique index lets one through.
    const { code, cause } = (error ?? {}) as { code?: string; cause?: { code?: string } };
    if (code === "23505" || cause?.code === "23505") throw new RefundTxAlreadyUsedError();
    throw error;
  }
}
