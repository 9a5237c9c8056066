/**
 * The sweeper's rows: transfers to deposit addresses that wait for their forward, in `payments` (credited) and in
 * `unmatched_payments` (a wrong token: forwarded all the same), and the forward transactions that carry them.
 * A credited transfer is due once `confirmed`; an unmatched one once its block has the chain's confirmations.
 */
import { and, eq, inArray, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import type { Address, Hex } from "viem";
import type { Queryable, Transaction } from "../db/client.js";
import { confirmerCursors, orders, payments, sweeperTransactions, unmatchedPayments } from "../db/schema.js";

/** One forward of a batch: what `deployAndForwardMany` takes, and the deposit address it empties. */
export type ForwardItem = { depositAddress: Address; token: Address; payout: Address; orderRef: Hex };

export type DueForwards = { items: ForwardItem[]; oldestDueAt: Date | undefined };

const tables = [payments, unmatchedPayments] as const;
type ForwardTable = (typeof tables)[number];

const waiting = (table: ForwardTable, now: Date): SQL =>
  or(eq(table.forwardStatus, "pending"), and(eq(table.forwardStatus, "failed"), lte(table.forwardRetryAt, now)))!;

/** Every distinct (deposit address, token) with a transfer due for forwarding on `chainId`. */
export async function dueForwards(db: Queryable, { chainId, confirmations, now }: { chainId: number; confirmations: number; now: Date }): Promise<DueForwards> {
  const [cursor] = await db.select({ head: confirmerCursors.indexedHead }).from(confirmerCursors).where(eq(confirmerCursors.chainId, chainId));
  const finalBlock = (cursor?.head ?? -1n) - BigInt(Math.max(confirmations, 1)) + 1n;
  const credited = await db
    .select({ depositAddress: payments.merchantAddress, token: payments.tokenAddress, orderRef: payments.orderRef, payout: orders.payoutAddress, dueAt: payments.confirmedAt })
    .from(payments)
    .innerJoin(orders, eq(orders.id, payments.orderId))
    .where(and(eq(payments.chainId, chainId), eq(payments.method, "transfer"), eq(payments.state, "confirmed"), waiting(payments, now)));
  const unmatched = await db
    .select({ depositAddress: unmatchedPayments.merchantAddress, token: unmatchedPayments.tokenAddress, orderRef: unmatchedPayments.orderRef, payout: orders.payoutAddress, dueAt: unmatchedPayments.createdAt })
    .from(unmatchedPayments)
    .innerJoin(orders, eq(orders.orderRef, unmatchedPayments.orderRef))
    .where(
      and(
        eq(unmatchedPayments.chainId, chainId),
        eq(unmatchedPayments.method, "transfer"),
        isNull(unmatchedPayments.revertedAt),
        lte(unmatchedPayments.blockNumber, finalBlock),
        waiting(unmatchedPayments, now),
      ),
    );
  const items = new Map<string, ForwardItem>();
  let oldestDueAt: Date | undefined;
  for (const row of [...credited, ...unmatched]) {
    const key = `${row.depositAddress.toLowerCase()}:${row.token.toLowerCase()}`;
    items.set(key, { depositAddress: row.depositAddress as Address, token: row.token as Address, payout: row.payout as Address, orderRef: row.orderRef as Hex });
    const dueAt = row.dueAt ?? now;
    if (!oldestDueAt || dueAt < oldestDueAt) oldestDueAt = dueAt;
  }
  return { items: [...items.values()], oldestDueAt };
}

const itemRows = (table: ForwardTable, chainId: number, item: Pick<ForwardItem, "depositAddress" | "token">) =>
  and(eq(table.chainId, chainId), eq(table.method, "transfer"), eq(table.merchantAddress, item.depositAddress), eq(table.tokenAddress, item.token));

/** Records the signed forward transaction and marks its transfers `sent`, before anything is broadcast. */
export async function recordSent(
  tx: Transaction,
  { chainId, sweeper, nonce, txHash, rawTx, items, now }: { chainId: number; sweeper: Address; nonce: number; txHash: Hex; rawTx: Hex; items: ForwardItem[]; now: Date },
): Promise<void> {
  await tx.insert(sweeperTransactions).values({ txHash, chainId, sweeper, nonce, rawTx, status: "sent", items, createdAt: now });
  for (const table of tables) {
    for (const item of items) {
      await tx
        .update(table)
        .set({ forwardStatus: "sent", forwardTxHash: txHash })
        .where(and(itemRows(table, chainId, item), inArray(table.forwardStatus, ["pending", "failed"])));
    }
  }
}

/** Items the sweeper will not send (their address is another factory's): `failed` with `error`, retried from `retryAt`. */
export async function recordRefused(
  tx: Transaction,
  { chainId, items, error, retryAt }: { chainId: number; items: ForwardItem[]; error: string; retryAt: Date },
): Promise<void> {
  for (const table of tables) {
    for (const item of items) {
      await tx
        .update(table)
        .set({ forwardStatus: "failed", forwardAttempts: sql`${table.forwardAttempts} + 1`, forwardError: error, forwardRetryAt: retryAt })
        .where(and(itemRows(table, chainId, item), inArray(table.forwardStatus, ["pending", "failed"])));
    }
  }
}

export const openTransactions = (db: Queryable, chainId: number) =>
  db.select().from(sweeperTransactions).where(and(eq(sweeperTransactions.chainId, chainId), eq(sweeperTransactions.status, "sent")));

export type OpenTransaction = Awaited<ReturnType<typeof openTransactions>>[number];

/** What the mined transaction did to one item: `Forwarded` (in block/log), `ForwardFailed`, or nothing to move. */
export type ItemOutcome =
  | { item: ForwardItem; kind: "forwarded"; blockNumber: bigint; logIndex: number }
  | { item: ForwardItem; kind: "failed"; error: string }
  | { item: ForwardItem; kind: "empty" };

/**
 * Settles a mined forward transaction item by item. A `Forwarded` item marks `forwarded` every transfer at that
 * address in that token that came before the forward (a transfer that arrived after the transaction was signed but
 * before it was mined went with it); a failed item is retried from `retryAt`.
 */
export async function settleMined(
  tx: Transaction,
  { chainId, txHash, outcomes, now, retryAt }: { chainId: number; txHash: Hex; outcomes: ItemOutcome[]; now: Date; retryAt: Date },
): Promise<void> {
  for (const outcome of outcomes) {
    for (const table of tables) {
      const rows = itemRows(table, chainId, outcome.item);
      if (outcome.kind === "failed") {
        await tx
          .update(table)
          .set({ forwardStatus: "failed", forwardAttempts: sql`${table.forwardAttempts} + 1`, forwardError: outcome.error, forwardRetryAt: retryAt })
          .where(and(rows, eq(table.forwardTxHash, txHash), eq(table.forwardStatus, "sent")));
        continue;
      }
      const before =
        outcome.kind === "forwarded"
          ? or(sql`${table.blockNumber} < ${outcome.blockNumber}`, and(eq(table.blockNumber, outcome.blockNumber), sql`${table.logIndex} < ${outcome.logIndex}`))!
          : and(eq(table.forwardTxHash, txHash), eq(table.forwardStatus, "sent"))!;
      await tx
        .update(table)
        .set({
          forwardStatus: "forwarded",
          forwardTxHash: txHash,
          forwardError: outcome.kind === "empty" ? "nothing left to forward: the address was emptied by another transaction" : null,
          forwardRetryAt: null,
        })
        .where(and(rows, inArray(table.forwardStatus, ["pending", "failed", "sent"]), before));
    }
  }
  await tx.update(sweeperTransactions).set({ status: "mined", settledAt: now }).where(eq(sweeperTransactions.txHash, txHash));
}

/** A reverted or dropped forward transaction: its transfers are `failed`, retried from `retryAt`. */
export async function settleFailed(
  tx: Transaction,
  { chainId, txHash, error, now, retryAt }: { chainId: number; txHash: Hex; error: string; now: Date; retryAt: Date },
): Promise<void> {
  for (const table of tables) {
    await tx
      .update(table)
      .set({ forwardStatus: "failed", forwardAttempts: sql`${table.forwardAttempts} + 1`, forwardError: error, forwardRetryAt: retryAt })
      .where(and(eq(table.chainId, chainId), eq(table.forwardTxHash, txHash), eq(table.forwardStatus, "sent")));
  }
  await tx.update(sweeperTransactions).set({ status: "reverted", settledAt: now }).where(eq(sweeperTransactions.txHash, txHash));
}
