/**
 * Recording indexed payment logs, by their identity (payment-identity.ts), many at once: a new log is credited to its
 * order or kept as unmatched; a known one is the same payment, whatever block or log index it shows now. A
 * re-included transaction therefore updates its row (and a payment a reorg had reverted counts again), never credits
 * twice. Set-based: the known rows, the orders and the writes are a few statements for the whole run of logs, and the
 * orders' status changes follow in the logs' chain order, as if each log were recorded alone (orders/order-batch.ts).
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Transaction } from "../db/client.js";
import { payments, unmatchedPayments } from "../db/schema.js";
import type { AcceptedChain } from "../chains/catalog.js";
import { newId } from "../lib/ids.js";
import type { OrderBatch } from "../orders/order-batch.js";
import type { OrderRow, PaymentRow } from "../orders/views.js";
import { type IdentifiedPayment, paymentKey } from "./payment-identity.js";

export type UnmatchedReason =
  | "unknown_order_ref"
  | "wrong_chain"
  | "wrong_router"
  | "wrong_token"
  | "wrong_payout_address"
  | "wrong_deposit_address";

export type RecordCounts = { credited: number; unmatched: number; moved: number };

type Scope = { tx: Transaction; chain: AcceptedChain; now: Date; batch: OrderBatch };
type UnmatchedRow = typeof unmatchedPayments.$inferSelect;

/** What a log is to what was recorded before: each kind is written in one statement. */
type Plan = {
  /** New logs, in chain order. */
  fresh: IdentifiedPayment[];
  /** Known payments a reorg had reverted, mined again: they count again, from their new block. */
  reincluded: { known: PaymentRow; log: IdentifiedPayment }[];
  /** Known payments in another block or at another index: their facts follow, their amount is not counted again. */
  moved: { known: PaymentRow; log: IdentifiedPayment }[];
  /** Known unmatched logs placed elsewhere or back after a reorg (`wasLive`: it had not been reverted). */
  unmatchedMoved: { known: UnmatchedRow; log: IdentifiedPayment; wasLive: boolean }[];
  /** Every log's turn, in chain order, for the status updates. */
  turns: { key: string; log: IdentifiedPayment }[];
};

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The facts of a log that may change when a reorg re-includes its transaction. */
function placement(log: IdentifiedPayment) {
  return {
    logIndex: log.logIndex,
    blockNumber: log.blockNumber,
    blockHash: log.blockHash.toLowerCase(),
    blockTimestamp: new Date(Number(log.blockTimestamp) * 1000),
  };
}

const placed = (row: Pick<PaymentRow, "logIndex" | "blockNumber" | "blockHash">, log: IdentifiedPayment) =>
  row.logIndex === log.logIndex && row.blockNumber === log.blockNumber && row.blockHash === log.blockHash.toLowerCase();

const keyOf = (row: { chainId: number; txHash: string; logOrdinal: number }) => paymentKey(row.chainId, row.txHash, row.logOrdinal);

/**
 * Records `logs` (chain order, each identity at most once in a call, see `recordLogs`); returns what each counted as.
 */
async function recordRun(scope: Scope, logs: readonly IdentifiedPayment[]): Promise<RecordCounts> {
  const plan = await planRun(scope, logs);
  await scope.batch.hold(scope.tx, { refs: plan.fresh.map((log) => log.orderRef), ids: plan.reincluded.map(({ known }) => known.orderId) });
  const { credited, unmatched } = await insertFresh(scope, plan.fresh);
  await writeMoves(scope, plan);

  // The orders' status changes, in the logs' chain order, each seeing the payments recorded before it.
  const reincluded = new Map(plan.reincluded.map((r) => [keyOf(r.known), r] as const));
  const moved = new Map(plan.moved.map((m) => [keyOf(m.known), m] as const));
  for (const { key } of plan.turns) {
    const shift = moved.get(key);
    if (shift) scope.batch.putPayment({ ...shift.known, ...placement(shift.log) });
    const back = reincluded.get(key);
    const row = credited.get(key) ?? (back && { ...back.known, ...placement(back.log), state: "confirming" as const, revertedAt: null, revertReason: null });
    if (!row) continue;
    scope.batch.putPayment(row);
    scope.batch.update(row.orderId);
  }
  return { credited: credited.size, unmatched, moved: plan.moved.length + plan.unmatchedMoved.filter((m) => m.wasLive).length };
}

/** Reads the known rows of the run's identities (payments locked) and sorts each log into its kind. */
async function planRun({ tx, chain }: Scope, logs: readonly IdentifiedPayment[]): Promise<Plan> {
  const hashes = [...new Set(logs.map((log) => log.txHash.toLowerCase()))];
  const known = await tx
    .select()
    .from(payments)
    .where(and(eq(payments.chainId, chain.chainId), inArray(payments.txHash, hashes)))
    .for("update");
  const knownUnmatched = await tx
    .select()
    .from(unmatchedPayments)
    .where(and(eq(unmatchedPayments.chainId, chain.chainId), inArray(unmatchedPayments.txHash, hashes)));
  const paymentsByKey = new Map(known.map((row) => [keyOf(row), row] as const));
  const unmatchedByKey = new Map(knownUnmatched.map((row) => [keyOf(row), row] as const));

  const plan: Plan = { fresh: [], reincluded: [], moved: [], unmatchedMoved: [], turns: [] };
  for (const log of logs) {
    const key = paymentKey(chain.chainId, log.txHash, log.logOrdinal);
    plan.turns.push({ key, log });
    const payment = paymentsByKey.get(key);
    const unmatched = unmatchedByKey.get(key);
    if (payment?.state === "reverted") plan.reincluded.push({ known: payment, log });
    else if (payment) {
      if (!placed(payment, log)) plan.moved.push({ known: payment, log });
    } else if (unmatched) {
      if (unmatched.revertedAt !== null || !placed(unmatched, log)) plan.unmatchedMoved.push({ known: unmatched, log, wasLive: unmatched.revertedAt === null });
    } else plan.fresh.push(log);
  }
  return plan;
}

/**
 * Why a log does not match the order its reference names; null when it does (router: router and payout; transfer:
 * the chain's DepositFactory and the order's deposit address).
 */
function mismatch(chain: AcceptedChain, order: OrderRow | undefined, log: IdentifiedPayment): UnmatchedReason | null {
  if (!order) return "unknown_order_ref";
  if (order.chainId !== chain.chainId) return "wrong_chain";
  if (log.method === "transfer") {
    if (!chain.depositFactory || !same(chain.depositFactory, log.router)) return "wrong_router";
    if (!order.depositAddress || !same(order.depositAddress, log.merchant)) return "wrong_deposit_address";
    if (!same(order.tokenAddress, log.token)) return "wrong_token";
    return null;
  }
  if (!same(order.routerAddress, log.router) || !same(chain.router, log.router)) return "wrong_router";
  if (!same(order.tokenAddress, log.token)) return "wrong_token";
  if (!same(order.payoutAddress, log.merchant)) return "wrong_payout_address";
  return null;
}

/** New logs: credited to their orders in one INSERT, the rest kept as unmatched in another. Returns the credited rows by identity. */
async function insertFresh({ tx, chain, now, batch }: Scope, fresh: readonly IdentifiedPayment[]) {
  const credit: (typeof payments.$inferInsert)[] = [];
  const keep: (typeof unmatchedPayments.$inferInsert)[] = [];
  for (const log of fresh) {
    const facts = {
      chainId: chain.chainId,
      txHash: log.txHash.toLowerCase(),
      logOrdinal: log.logOrdinal,
      ...placement(log),
      routerAddress: log.router,
      orderRef: log.orderRef.toLowerCase(),
      merchantAddress: log.merchant,
      payerAddress: log.payer,
      tokenAddress: log.token,
      amount: log.amount,
      // A transfer sits at the deposit address until the sweeper forwards it, credited or not (a wrong token too).
      method: log.method ?? "router",
      forwardStatus: log.method === "transfer" ? ("pending" as const) : null,
    };
    const order = batch.orderByRef(facts.orderRef);
    const reason = mismatch(chain, order, log);
    if (reason === null && order) credit.push({ id: newId("pay", now.getTime()), orderId: order.id, merchantId: order.merchantId, ...facts, state: "confirming", createdAt: now });
    else keep.push({ id: newId("unm", now.getTime()), ...facts, reason: reason ?? "unknown_order_ref", orderId: order?.id ?? null, createdAt: now });
  }
  const identity = { target: [payments.chainId, payments.txHash, payments.logOrdinal] };
  if (keep.length > 0) await tx.insert(unmatchedPayments).values(keep).onConflictDoNothing({ target: [unmatchedPayments.chainId, unmatchedPayments.txHash, unmatchedPayments.logOrdinal] });
  // A row another writer got in first is that writer's to announce: only what this INSERT wrote counts as credited.
  const inserted = credit.length > 0 ? await tx.insert(payments).values(credit).onConflictDoNothing(identity).returning() : [];
  return { credited: new Map(inserted.map((row) => [keyOf(row), row] as const)), unmatched: keep.length };
}

/** The moved, re-included and un-reverted rows: one UPDATE a table (and one more for the re-included's state). */
async function writeMoves({ tx }: Scope, plan: Plan) {
  const paymentMoves = [...plan.moved, ...plan.reincluded];
  if (paymentMoves.length > 0) await writePlacements(tx, payments, paymentMoves.map(({ known, log }) => ({ id: known.id, log })));
  if (plan.reincluded.length > 0) {
    await tx
      .update(payments)
      .set({ state: "confirming", revertedAt: null, revertReason: null })
      .where(inArray(payments.id, plan.reincluded.map(({ known }) => known.id)));
  }
  if (plan.unmatchedMoved.length > 0) {
    await writePlacements(tx, unmatchedPayments, plan.unmatchedMoved.map(({ known, log }) => ({ id: known.id, log })));
    const back = plan.unmatchedMoved.filter((m) => !m.wasLive).map(({ known }) => known.id);
    if (back.length > 0) await tx.update(unmatchedPayments).set({ revertedAt: null }).where(inArray(unmatchedPayments.id, back));
  }
}

/** Each row's new block, block hash, time and log index, in one UPDATE. */
async function writePlacements(tx: Transaction, table: typeof payments | typeof unmatchedPayments, rows: { id: string; log: IdentifiedPayment }[]) {
  const values = rows.map(({ id, log }) => {
    const p = placement(log);
    return { id, log_index: p.logIndex, block_number: p.blockNumber.toString(), block_hash: p.blockHash, block_timestamp: p.blockTimestamp.toISOString() };
  });
  await tx.execute(sql`
    update ${table} set log_index = v.log_index, block_number = v.block_number, block_hash = v.block_hash, block_timestamp = v.block_timestamp
    from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as v(id text, log_index integer, block_number bigint, block_hash text, block_timestamp timestamptz)
    where ${table.id} = v.id`);
}

/**
 * Records every log (chain order), in runs of at most 500: a log whose identity came up earlier in the same read (a
 * transaction the read shows in two blocks) goes in a later run, so it finds the row the earlier one wrote.
 */
export async function recordLogs(scope: Scope, logs: readonly IdentifiedPayment[]): Promise<RecordCounts> {
  const total: RecordCounts = { credited: 0, unmatched: 0, moved: 0 };
  let rest = [...logs];
  while (rest.length > 0) {
    const seen = new Set<string>();
    const run: IdentifiedPayment[] = [];
    const later: IdentifiedPayment[] = [];
    for (const log of rest) {
      const key = paymentKey(log.chainId, log.txHash, log.logOrdinal);
      if (seen.has(key) || run.length >= 500) later.push(log);
      else (seen.add(key), run.push(log));
    }
    const counts = await recordRun(scope, run);
    total.credited += counts.credited;
    total.unmatched += counts.unmatched;
    total.moved += counts.moved;
    rest = later;
  }
  return total;
}
