/**
 * Recording one indexed payment log, by its identity (payment-identity.ts): a new log is credited to its order or
 * kept as unmatched; a known one is the same payment, whatever block or log index it shows now. A re-included
 * transaction therefore updates its row (and a payment a reorg had reverted counts again), never credits twice.
 */
import { and, eq } from "drizzle-orm";
import type { Transaction } from "../db/client.js";
import { orders, payments, unmatchedPayments } from "../db/schema.js";
import type { AcceptedChain } from "../chains/catalog.js";
import { newId } from "../lib/ids.js";
import type { PaymentRow, ViewContext } from "../orders/views.js";
import { updateOrder } from "../orders/updates.js";
import type { IdentifiedPayment } from "./payment-identity.js";

export type UnmatchedReason =
  | "unknown_order_ref"
  | "wrong_chain"
  | "wrong_router"
  | "wrong_token"
  | "wrong_payout_address"
  | "wrong_deposit_address";

/** `moved`: a known payment seen in another block or at another log index (a reorg re-included its transaction). */
export type RecordOutcome = "credited" | "unmatched" | "known" | "moved";

type Scope = { tx: Transaction; chain: AcceptedChain; now: Date; ctx: ViewContext };

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

export async function recordPayment(scope: Scope, log: IdentifiedPayment): Promise<RecordOutcome> {
  const { tx, chain } = scope;
  const txHash = log.txHash.toLowerCase();
  const [known] = await tx
    .select()
    .from(payments)
    .where(and(eq(payments.chainId, chain.chainId), eq(payments.txHash, txHash), eq(payments.logOrdinal, log.logOrdinal)))
    .for("update");
  if (known) return updateKnown(scope, known, log);

  const [knownUnmatched] = await tx
    .select()
    .from(unmatchedPayments)
    .where(and(eq(unmatchedPayments.chainId, chain.chainId), eq(unmatchedPayments.txHash, txHash), eq(unmatchedPayments.logOrdinal, log.logOrdinal)));
  if (knownUnmatched) {
    if (knownUnmatched.revertedAt === null && placed(knownUnmatched, log)) return "known";
    await tx.update(unmatchedPayments).set({ ...placement(log), revertedAt: null }).where(eq(unmatchedPayments.id, knownUnmatched.id));
    return knownUnmatched.revertedAt === null ? "moved" : "known";
  }
  return recordNew(scope, log);
}

async function updateKnown({ tx, now, ctx }: Scope, known: PaymentRow, log: IdentifiedPayment): Promise<RecordOutcome> {
  if (known.state === "reverted") {
    // Removed by a reorg, then mined again: it counts again, from its new block.
    await tx
      .update(payments)
      .set({ ...placement(log), state: "confirming", revertedAt: null, revertReason: null })
      .where(eq(payments.id, known.id));
    await updateOrder(tx, known.orderId, { now, ctx });
    return "known";
  }
  if (placed(known, log)) return "known";
  // The same payment in another block or at another index: its facts follow, its amount is not counted again. A
  // confirmed one stays confirmed: the transfer it stands for is on the chain.
  await tx.update(payments).set(placement(log)).where(eq(payments.id, known.id));
  return "moved";
}

/** Why a log does not pay its order, or null when it does (router: router and payout; transfer: deposit address). */
function mismatch(order: typeof orders.$inferSelect, chain: AcceptedChain, log: IdentifiedPayment): UnmatchedReason | null {
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

async function recordNew({ tx, chain, now, ctx }: Scope, log: IdentifiedPayment): Promise<RecordOutcome> {
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
  const [order] = await tx.select().from(orders).where(eq(orders.orderRef, facts.orderRef));
  const reason = order ? mismatch(order, chain, log) : "unknown_order_ref";

  if (reason !== null || !order) {
    await tx
      .insert(unmatchedPayments)
      .values({ id: newId("unm", now.getTime()), ...facts, reason: reason ?? "unknown_order_ref", orderId: order?.id ?? null, createdAt: now })
      .onConflictDoNothing();
    return "unmatched";
  }
  const inserted = await tx
    .insert(payments)
    .values({ id: newId("pay", now.getTime()), orderId: order.id, merchantId: order.merchantId, ...facts, state: "confirming", createdAt: now })
    .onConflictDoNothing()
    .returning({ id: payments.id });
  if (inserted.length === 0) return "known";
  await updateOrder(tx, order.id, { now, ctx });
  return "credited";
}
