/**
 * The refund confirmer step: moves open refunds `pending` → `submitted` (seen) → `succeeded` (the order's
 * confirmations), a `submitted` one back to `pending` when a reorg removes its transaction, and a recorded one to
 * `failed` when its transaction, mined again, no longer pays it. Two ways a refund is seen:
 * - indexed: the indexer's `RefundSent` log carrying the refund's `refundRef`, from the chain's RefundRouter, moving
 *   the order's token from the order's payout address to the refund's destination, of the refund's amount (or less,
 *   for a fee-on-transfer token, when the transaction's receipt shows the full amount left the payout wallet:
 *   verify-tx.ts);
 * - recorded (`POST /v1/refunds/{id}/transaction`): its transaction's receipt from the chain's RPC, checked again each
 *   pass (verify-tx.ts), confirmations counted against the RPC's head.
 * Every write is one transaction under the order's row lock that starts with the leader lease's fence, so an
 * instance that lost the lead writes nothing. Succeeding writes `refund.succeeded` and the order's `amountRefunded`
 * (the sum of its succeeded refunds, recomputed, so nothing is ever counted twice); failing writes `refund.failed`.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Address, Hex } from "viem";
import type { Database, Transaction } from "../db/client.js";
import { orders, refunds, type RefundStatus } from "../db/schema.js";
import type { AcceptedChain, ChainCatalog } from "../chains/catalog.js";
import type { ChainReader } from "../chains/rpc.js";
import { notifyOutbox } from "../webhooks/outbox-signal.js";
import { confirmationsOf, type OrderRow } from "../orders/views.js";
import { writeRefundEvent } from "./events.js";
import type { IndexedRefund, RefundSource } from "./source.js";
import { checkRefundTx, refundTerms } from "./verify-tx.js";
import type { RefundRow } from "./views.js";

export type RefundConfirmerDeps = {
  db: Database;
  source: RefundSource;
  chains: ChainCatalog;
  publicBaseUrl: string;
  now: () => Date;
  /** The first statement of each write (the leader lease, confirmer/leader.ts); none: the caller guarantees one confirmer. */
  fence?: ((tx: Transaction) => Promise<void>) | undefined;
  /** The chains' RPC: recorded transactions, and what left the wallet for a fee-on-transfer token. */
  reader?: ChainReader | undefined;
};

/** The transaction (and log) a refund rests on. */
export type RefundLog = Pick<IndexedRefund, "txHash" | "blockNumber" | "blockHash"> & { logIndex: number | null; delivered?: bigint | undefined };

/** What a refund becomes: its status and the log it rests on (null: none). */
export type RefundTransition = {
  status: Extract<RefundStatus, "pending" | "submitted" | "succeeded" | "failed">;
  log: RefundLog | null;
  failureReason?: string;
};

type OpenRefund = { refund: RefundRow; order: OrderRow };

const same = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/** Whether `log` is this refund, sent through `refundRouter`, in everything but the amount. */
function sentFor(log: IndexedRefund, refund: RefundRow, order: OrderRow, refundRouter: Address): boolean {
  return (
    same(log.refundRef, refund.refundRef) &&
    log.chainId === order.chainId &&
    same(log.router, refundRouter) &&
    same(log.token, order.tokenAddress) &&
    same(log.from, order.payoutAddress) &&
    same(log.to, refund.destination)
  );
}

/** Whether `log` is this refund, sent as asked through `refundRouter`, the customer receiving the whole amount. */
export function attributes(log: IndexedRefund, refund: RefundRow, order: OrderRow, refundRouter: Address): boolean {
  return sentFor(log, refund, order, refundRouter) && log.amount === refund.amount;
}

/** The next state of an open refund given its log (if any) and the head; null when nothing changes. */
export function nextRefundState(refund: RefundRow, order: OrderRow, log: RefundLog | undefined, head: bigint | undefined): RefundTransition | null {
  if (!log) return refund.status === "submitted" ? { status: "pending", log: null } : null;
  const enough = head !== undefined && head >= log.blockNumber && confirmationsOf(log.blockNumber, head) >= order.confirmations;
  const status = enough ? "succeeded" : "submitted";
  if (status === refund.status && refund.txHash === log.txHash && refund.blockHash === log.blockHash && refund.logIndex === log.logIndex) return null;
  return { status, log };
}

/** One pass over every chain with a RefundRouter or an RPC; returns how many refunds changed. */
export async function confirmRefunds(deps: RefundConfirmerDeps): Promise<number> {
  let changed = 0;
  for (const chain of deps.chains.list()) changed += await confirmChain(deps, chain);
  if (changed > 0) notifyOutbox();
  return changed;
}

async function confirmChain(deps: RefundConfirmerDeps, chain: AcceptedChain): Promise<number> {
  const open = await deps.db
    .select({ refund: refunds, order: orders })
    .from(refunds)
    .innerJoin(orders, eq(orders.id, refunds.orderId))
    .where(and(eq(orders.chainId, chain.chainId), inArray(refunds.status, ["pending", "submitted"])));
  if (open.length === 0) return 0;
  const recorded = open.filter((row) => row.refund.recordedTxHash !== null);
  const indexed = open.filter((row) => row.refund.recordedTxHash === null);
  return (await confirmIndexed(deps, chain, indexed)) + (await confirmRecorded(deps, chain, recorded));
}

async function confirmIndexed(deps: RefundConfirmerDeps, chain: AcceptedChain, open: OpenRefund[]): Promise<number> {
  const refundRouter = chain.refundRouter;
  if (!refundRouter || open.length === 0) return 0;
  const head = await deps.source.indexedHead(chain.chainId);
  const logs = await deps.source.refunds({ chainId: chain.chainId, refundRefs: open.map((row) => row.refund.refundRef.toLowerCase() as Hex) });
  logs.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
  let changed = 0;
  for (const { refund, order } of open) {
    const exact = logs.find((candidate) => attributes(candidate, refund, order, refundRouter));
    const log = exact ?? (await shortButPaid(deps, chain, logs, { refund, order }));
    const next = nextRefundState(refund, order, log && { ...log, delivered: log.amount }, head);
    if (next && (await applyTransition(deps, refund.id, next, null))) changed += 1;
  }
  return changed;
}

/**
 * A fee-on-transfer token: RefundSent reports what the customer received, less than the amount. It is this refund
 * when the receipt shows the whole amount left the payout wallet in that refund call (needs the chain's RPC).
 */
async function shortButPaid(deps: RefundConfirmerDeps, chain: AcceptedChain, logs: IndexedRefund[], { refund, order }: OpenRefund) {
  const short = logs.find((log) => sentFor(log, refund, order, chain.refundRouter!) && log.amount < refund.amount);
  if (!short || !deps.reader?.has(chain.chainId)) return undefined;
  const check = checkRefundTx(await deps.reader.receipt(chain.chainId, short.txHash), refundTerms(refund, order, chain.refundRouter));
  return check.ok && check.logIndex === short.logIndex && same(check.blockHash, short.blockHash) ? short : undefined;
}

/** Refunds recorded by transaction hash: each one's receipt, checked again, against the RPC's head. */
async function confirmRecorded(deps: RefundConfirmerDeps, chain: AcceptedChain, open: OpenRefund[]): Promise<number> {
  const reader = deps.reader;
  if (open.length === 0 || !reader?.has(chain.chainId)) return 0;
  const head = await reader.head(chain.chainId);
  let changed = 0;
  for (const { refund, order } of open) {
    const receipt = await reader.receipt(chain.chainId, refund.recordedTxHash as Hex);
    const check = checkRefundTx(receipt, refundTerms(refund, order, chain.refundRouter));
    let next: RefundTransition | null;
    if (!receipt) next = nextRefundState(refund, order, undefined, head);
    else if (check.ok) next = nextRefundState(refund, order, { txHash: receipt.txHash, ...check }, head);
    else next = { status: "failed", log: { txHash: receipt.txHash, logIndex: null, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash }, failureReason: check.message };
    if (next && (await applyTransition(deps, refund.id, next, refund.recordedTxHash))) changed += 1;
  }
  return changed;
}

/** The refund's columns after `next`. */
function transitionColumns(current: RefundRow, next: RefundTransition, now: Date) {
  const failed = next.status === "failed";
  return {
    status: next.status,
    txHash: next.log?.txHash ?? null,
    logIndex: next.log?.logIndex ?? null,
    blockNumber: next.log?.blockNumber ?? null,
    blockHash: next.log?.blockHash ?? null,
    amountDelivered: failed ? null : (next.log?.delivered ?? null),
    submittedAt: next.log && !failed ? (current.submittedAt ?? now) : failed ? current.submittedAt : null,
    succeededAt: next.status === "succeeded" ? now : null,
    failedAt: failed ? now : null,
    failureReason: failed ? (next.failureReason ?? null) : current.failureReason,
    updatedAt: now,
  };
}

/**
 * Writes the transition if the refund is still open and still rests on what the pass read (`recordedTxHash`: a
 * refund recorded meanwhile is the recorded path's); true when it did.
 */
async function applyTransition(deps: RefundConfirmerDeps, refundId: string, next: RefundTransition, recordedTxHash: string | null): Promise<boolean> {
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    await deps.fence?.(tx);
    const [{ orderId } = { orderId: "" }] = await tx.select({ orderId: refunds.orderId }).from(refunds).where(eq(refunds.id, refundId));
    const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for("update");
    const [current] = await tx.select().from(refunds).where(eq(refunds.id, refundId));
    if (!order || !current || (current.status !== "pending" && current.status !== "submitted")) return false;
    if (current.recordedTxHash !== recordedTxHash) return false;
    const [updated] = await tx.update(refunds).set(transitionColumns(current, next, now)).where(eq(refunds.id, refundId)).returning();
    const ctx = { publicBaseUrl: deps.publicBaseUrl, heads: new Map<number, bigint>(), chains: deps.chains };
    if (next.status === "failed") await writeRefundEvent(tx, "refund.failed", { refund: updated!, order, ctx, now });
    if (next.status !== "succeeded") return true;
    const refreshed = await recomputeRefunded(tx, order, now);
    await writeRefundEvent(tx, "refund.succeeded", { refund: updated!, order: refreshed, ctx, now });
    return true;
  });
}

/** The order's `amountRefunded`: the sum of its succeeded refunds, recomputed. */
async function recomputeRefunded(tx: Transaction, order: OrderRow, now: Date): Promise<OrderRow> {
  const [sum] = await tx
    .select({ total: sql<string>`coalesce(sum(${refunds.amount}), 0)::text` })
    .from(refunds)
    .where(and(eq(refunds.orderId, order.id), eq(refunds.status, "succeeded")));
  const [refreshed] = await tx.update(orders).set({ amountRefunded: BigInt(sum?.total ?? "0"), updatedAt: now }).where(eq(orders.id, order.id)).returning();
  return refreshed!;
}
