/**
 * The refund confirmer step: attributes the indexer's `RefundSent` logs to open refunds and moves them
 * `pending` → `submitted` (seen) → `succeeded` (the order's confirmations), and a `submitted` one back to `pending`
 * when a reorg removes its log. A log counts only if it carries the refund's `refundRef`, came from the chain's
 * RefundRouter, moved the order's token from the order's payout address to the refund's destination, and is of
 * the refund's amount. Succeeding writes `refund.succeeded` and the order's `amountRefunded` (the sum of its
 * succeeded refunds, recomputed, so nothing is ever counted twice) under the order's row lock.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Address, Hex } from "viem";
import type { Database } from "../db/client.js";
import { orders, refunds, type RefundStatus } from "../db/schema.js";
import type { AcceptedChain, ChainCatalog } from "../chains/catalog.js";
import { notifyOutbox } from "../webhooks/outbox-signal.js";
import { confirmationsOf, type OrderRow } from "../orders/views.js";
import { writeRefundEvent } from "./events.js";
import type { IndexedRefund, RefundSource } from "./source.js";
import type { RefundRow } from "./views.js";

export type RefundConfirmerDeps = { db: Database; source: RefundSource; chains: ChainCatalog; publicBaseUrl: string; now: () => Date };

/** What a refund becomes: its status and the log it rests on (null: none). */
export type RefundTransition = {
  status: Extract<RefundStatus, "pending" | "submitted" | "succeeded">;
  log: Pick<IndexedRefund, "txHash" | "logIndex" | "blockNumber" | "blockHash"> | null;
};

const same = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/** Whether `log` is this refund, sent as asked through `refundRouter`. */
export function attributes(log: IndexedRefund, refund: RefundRow, order: OrderRow, refundRouter: Address): boolean {
  return (
    same(log.refundRef, refund.refundRef) &&
    log.chainId === order.chainId &&
    same(log.router, refundRouter) &&
    same(log.token, order.tokenAddress) &&
    same(log.from, order.payoutAddress) &&
    same(log.to, refund.destination) &&
    log.amount === refund.amount
  );
}

/** The next state of an open refund given its log (if any) and the indexed head; null when nothing changes. */
export function nextRefundState(refund: RefundRow, order: OrderRow, log: IndexedRefund | undefined, head: bigint | undefined): RefundTransition | null {
  if (!log) return refund.status === "submitted" ? { status: "pending", log: null } : null;
  const enough = head !== undefined && head >= log.blockNumber && confirmationsOf(log.blockNumber, head) >= order.confirmations;
  const status = enough ? "succeeded" : "submitted";
  if (status === refund.status && refund.txHash === log.txHash && refund.blockHash === log.blockHash && refund.logIndex === log.logIndex) return null;
  return { status, log: { txHash: log.txHash, logIndex: log.logIndex, blockNumber: log.blockNumber, blockHash: log.blockHash } };
}

/** One pass over every chain with a RefundRouter; returns how many refunds changed. */
export async function confirmRefunds(deps: RefundConfirmerDeps): Promise<number> {
  let changed = 0;
  for (const chain of deps.chains.list()) if (chain.refundRouter) changed += await confirmChain(deps, chain, chain.refundRouter);
  if (changed > 0) notifyOutbox();
  return changed;
}

async function confirmChain(deps: RefundConfirmerDeps, chain: AcceptedChain, refundRouter: Address): Promise<number> {
  const open = await deps.db
    .select({ refund: refunds, order: orders })
    .from(refunds)
    .innerJoin(orders, eq(orders.id, refunds.orderId))
    .where(and(eq(orders.chainId, chain.chainId), inArray(refunds.status, ["pending", "submitted"])));
  if (open.length === 0) return 0;
  const head = await deps.source.indexedHead(chain.chainId);
  const logs = await deps.source.refunds({ chainId: chain.chainId, refundRefs: open.map((row) => row.refund.refundRef.toLowerCase() as Hex) });
  logs.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
  let changed = 0;
  for (const { refund, order } of open) {
    const log = logs.find((candidate) => attributes(candidate, refund, order, refundRouter));
    const next = nextRefundState(refund, order, log, head);
    if (next && (await applyTransition(deps, refund.id, next))) changed += 1;
  }
  return changed;
}

/** Writes the transition if the refund is still open (a cancel may have come first); true when it did. */
async function applyTransition(deps: RefundConfirmerDeps, refundId: string, next: RefundTransition): Promise<boolean> {
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const [{ orderId } = { orderId: "" }] = await tx.select({ orderId: refunds.orderId }).from(refunds).where(eq(refunds.id, refundId));
    const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for("update");
    const [current] = await tx.select().from(refunds).where(eq(refunds.id, refundId));
    if (!order || !current || (current.status !== "pending" && current.status !== "submitted")) return false;
    const [updated] = await tx
      .update(refunds)
      .set({
        status: next.status,
        txHash: next.log?.txHash ?? null,
        logIndex: next.log?.logIndex ?? null,
        blockNumber: next.log?.blockNumber ?? null,
        blockHash: next.log?.blockHash ?? null,
        submittedAt: next.log ? (current.submittedAt ?? now) : null,
        succeededAt: next.status === "succeeded" ? now : null,
        updatedAt: now,
      })
      .where(eq(refunds.id, refundId))
      .returning();
    if (next.status !== "succeeded") return true;
    const [sum] = await tx
      .select({ total: sql<string>`coalesce(sum(${refunds.amount}), 0)::text` })
      .from(refunds)
      .where(and(eq(refunds.orderId, order.id), eq(refunds.status, "succeeded")));
    const [refreshed] = await tx.update(orders).set({ amountRefunded: BigInt(sum?.total ?? "0"), updatedAt: now }).where(eq(orders.id, order.id)).returning();
    const ctx = { publicBaseUrl: deps.publicBaseUrl, heads: new Map<number, bigint>(), chains: deps.chains };
    await writeRefundEvent(tx, "refund.succeeded", { refund: updated!, order: refreshed!, ctx, now });
    return true;
  });
}
