/**
 * The confirmer turns indexed payment logs into credited payments and order status changes.
 *
 * Per chain and pass, in one database transaction:
 * 1. read the indexer's head and every payment above this chain's settled block;
 * 2. credit each new log to its order when the order reference, chain, router, token and the order's payout
 *    address all match, else record it as unmatched (never credited);
 * 3. mark `reverted` every still-confirming payment that is no longer in the indexer (a reorg removed it);
 * 4. mark `confirmed` every payment with enough confirmations against the head;
 * 5. re-derive the touched orders' statuses and write their events (orders/updates.ts), and move the cursor.
 *
 * A log is credited at most once: payments are unique on (chain, tx hash, log index), and whatever the confirmer
 * re-reads after a crash finds the row it already wrote (or nothing, if the transaction never committed).
 */
import { and, eq, gt, gte, isNull, min, sql } from "drizzle-orm";
import type { Database, Transaction } from "../db/client.js";
import { confirmerCursors, merchants, orders, payments, unmatchedPayments } from "../db/schema.js";
import type { AcceptedChain, ChainCatalog } from "../chains/catalog.js";
import { newId } from "../lib/ids.js";
import { confirmationsOf, type ViewContext } from "../orders/views.js";
import { notifyOutbox } from "../webhooks/outbox-signal.js";
import { notifyOrderChanges } from "../orders/changes.js";
import { loadHeads } from "../orders/reads.js";
import { expireDueOrders, updateOrder } from "../orders/updates.js";
import type { IndexedPayment, PaymentSource } from "./payment-source.js";

export type UnmatchedReason = "unknown_order_ref" | "wrong_chain" | "wrong_router" | "wrong_token" | "wrong_payout_address";

export type ChainPass = {
  chainId: number;
  head: bigint | undefined;
  credited: number;
  unmatched: number;
  confirmed: number;
  reverted: number;
};

export type ConfirmerOptions = {
  db: Database;
  source: PaymentSource;
  chains: ChainCatalog;
  publicBaseUrl: string;
  now?: () => Date;
};

/**
 * Blocks under the settled block that are read again each pass, for logs never seen before: a reorg deeper than
 * the confirmations can bring a new payment into an old height, and it must still be credited (late), never lost.
 */
export const RESCAN_BLOCKS = 64n;

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const logKey = (chainId: number, txHash: string, logIndex: number) => `${chainId}:${txHash.toLowerCase()}:${logIndex}`;

export class Confirmer {
  readonly #db: Database;
  readonly #source: PaymentSource;
  readonly #chains: ChainCatalog;
  readonly #publicBaseUrl: string;
  readonly #now: () => Date;

  constructor({ db, source, chains, publicBaseUrl, now = () => new Date() }: ConfirmerOptions) {
    this.#db = db;
    this.#source = source;
    this.#chains = chains;
    this.#publicBaseUrl = publicBaseUrl;
    this.#now = now;
  }

  /** One pass over every accepted chain. A chain whose indexer read fails does not hold up the others. */
  async confirmAll(): Promise<ChainPass[]> {
    const passes: ChainPass[] = [];
    const failures: unknown[] = [];
    for (const chain of this.#chains.list()) {
      try {
        passes.push(await this.confirmChain(chain.chainId));
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, `confirmer: ${failures.length} chain(s) failed`);
    return passes;
  }

  async confirmChain(chainId: number): Promise<ChainPass> {
    const chain = this.#chains.chain(chainId);
    if (!chain) throw new Error(`chain ${chainId} is not accepted`);
    const pass: ChainPass = { chainId, head: undefined, credited: 0, unmatched: 0, confirmed: 0, reverted: 0 };

    const head = await this.#source.indexedHead(chainId);
    pass.head = head;
    if (head === undefined) return pass;
    const settled = await this.#settledBlock(chain);
    const deployBlock = BigInt(chain.deployBlock);
    const fromBlock = settled + 1n - RESCAN_BLOCKS > deployBlock ? settled + 1n - RESCAN_BLOCKS : deployBlock;
    const logs = head >= fromBlock ? await this.#source.payments({ chainId, fromBlock, toBlock: head }) : [];
    logs.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));

    await this.#db.transaction(async (tx) => {
      const now = this.#now();
      await tx
        .insert(confirmerCursors)
        .values({ chainId, settledBlock: settled, indexedHead: head, updatedAt: now })
        .onConflictDoUpdate({ target: confirmerCursors.chainId, set: { indexedHead: head, updatedAt: now } });
      const ctx: ViewContext = { publicBaseUrl: this.#publicBaseUrl, heads: await loadHeads(tx) };

      // What this database already holds for the range, so that known logs cost nothing.
      const settledPayments = await tx
        .select({ txHash: payments.txHash, logIndex: payments.logIndex, state: payments.state, blockHash: payments.blockHash })
        .from(payments)
        .where(and(eq(payments.chainId, chainId), gte(payments.blockNumber, fromBlock)));
      const settledUnmatched = await tx
        .select({ txHash: unmatchedPayments.txHash, logIndex: unmatchedPayments.logIndex })
        .from(unmatchedPayments)
        .where(and(eq(unmatchedPayments.chainId, chainId), gte(unmatchedPayments.blockNumber, fromBlock), isNull(unmatchedPayments.revertedAt)));
      const unchanged = new Set<string>([
        ...settledPayments
          .filter((p) => p.state === "confirmed")
          .map((p) => logKey(chainId, p.txHash, p.logIndex)),
        ...settledUnmatched.map((u) => logKey(chainId, u.txHash, u.logIndex)),
      ]);
      const confirmingHashes = new Map(
        settledPayments.filter((p) => p.state === "confirming").map((p) => [logKey(chainId, p.txHash, p.logIndex), p.blockHash]),
      );

      const present = new Set<string>();
      for (const log of logs) {
        if (log.chainId !== chainId || log.blockNumber > head || log.blockNumber < fromBlock) continue;
        const key = logKey(chainId, log.txHash, log.logIndex);
        present.add(key);
        if (unchanged.has(key) || confirmingHashes.get(key) === log.blockHash.toLowerCase()) continue;
        const outcome = await this.#record(tx, chain, log, { now, ctx });
        if (outcome === "credited") pass.credited += 1;
        if (outcome === "unmatched") pass.unmatched += 1;
      }

      // A confirming payment the indexer no longer has was removed by a reorg.
      const confirming = await tx
        .select()
        .from(payments)
        .where(and(eq(payments.chainId, chainId), eq(payments.state, "confirming")));
      for (const payment of confirming) {
        if (payment.blockNumber <= settled || present.has(logKey(chainId, payment.txHash, payment.logIndex))) continue;
        const [reverted] = await tx
          .update(payments)
          .set({ state: "reverted", revertedAt: now })
          .where(eq(payments.id, payment.id))
          .returning();
        await updateOrder(tx, payment.orderId, { now, ctx, reverted: reverted! });
        pass.reverted += 1;
      }
      const unmatchedAbove = await tx
        .select({ id: unmatchedPayments.id, txHash: unmatchedPayments.txHash, logIndex: unmatchedPayments.logIndex })
        .from(unmatchedPayments)
        .where(and(eq(unmatchedPayments.chainId, chainId), gt(unmatchedPayments.blockNumber, settled), isNull(unmatchedPayments.revertedAt)));
      for (const row of unmatchedAbove) {
        if (!present.has(logKey(chainId, row.txHash, row.logIndex))) {
          await tx.update(unmatchedPayments).set({ revertedAt: now }).where(eq(unmatchedPayments.id, row.id));
        }
      }

      // Enough confirmations: the payment counts.
      const waiting = await tx
        .select({ payment: payments, confirmations: orders.confirmations })
        .from(payments)
        .innerJoin(orders, eq(orders.id, payments.orderId))
        .where(and(eq(payments.chainId, chainId), eq(payments.state, "confirming")));
      for (const { payment, confirmations } of waiting) {
        if (confirmationsOf(payment.blockNumber, head) < Math.max(confirmations, 1)) continue;
        await tx.update(payments).set({ state: "confirmed", confirmedAt: now }).where(eq(payments.id, payment.id));
        await updateOrder(tx, payment.orderId, { now, ctx });
        pass.confirmed += 1;
      }

      await this.#advanceCursor(tx, chain, { settled, head, now });
    });
    if (pass.credited + pass.confirmed + pass.reverted > 0) {
      notifyOutbox();
      notifyOrderChanges();
    }
    return pass;
  }

  /** Moves due `pending`/`underpaid` orders to `expired`; runs on its own timer, payments or not. */
  async expireDue(): Promise<number> {
    const ctx: ViewContext = { publicBaseUrl: this.#publicBaseUrl, heads: await loadHeads(this.#db) };
    return expireDueOrders(this.#db, { now: this.#now(), ctx });
  }

  async #settledBlock(chain: AcceptedChain): Promise<bigint> {
    const [cursor] = await this.#db
      .select({ settled: confirmerCursors.settledBlock })
      .from(confirmerCursors)
      .where(eq(confirmerCursors.chainId, chain.chainId));
    return cursor?.settled ?? BigInt(chain.deployBlock) - 1n;
  }

  async #record(
    tx: Transaction,
    chain: AcceptedChain,
    log: IndexedPayment,
    { now, ctx }: { now: Date; ctx: ViewContext },
  ): Promise<"credited" | "unmatched" | "known"> {
    const txHash = log.txHash.toLowerCase();
    const blockFacts = {
      blockNumber: log.blockNumber,
      blockHash: log.blockHash.toLowerCase(),
      blockTimestamp: new Date(Number(log.blockTimestamp) * 1000),
    };
    const [known] = await tx
      .select()
      .from(payments)
      .where(and(eq(payments.chainId, chain.chainId), eq(payments.txHash, txHash), eq(payments.logIndex, log.logIndex)))
      .for("update");
    if (known) {
      if (known.state === "reverted") {
        // Removed by a reorg, then mined again: it counts again, from its new block.
        await tx.update(payments).set({ ...blockFacts, state: "confirming", revertedAt: null }).where(eq(payments.id, known.id));
        await updateOrder(tx, known.orderId, { now, ctx });
      } else if (known.state === "confirming" && known.blockHash !== blockFacts.blockHash) {
        await tx.update(payments).set(blockFacts).where(eq(payments.id, known.id));
      }
      return "known";
    }
    const [knownUnmatched] = await tx
      .select({ id: unmatchedPayments.id, revertedAt: unmatchedPayments.revertedAt })
      .from(unmatchedPayments)
      .where(and(eq(unmatchedPayments.chainId, chain.chainId), eq(unmatchedPayments.txHash, txHash), eq(unmatchedPayments.logIndex, log.logIndex)));
    if (knownUnmatched) {
      if (knownUnmatched.revertedAt) {
        await tx.update(unmatchedPayments).set({ ...blockFacts, revertedAt: null }).where(eq(unmatchedPayments.id, knownUnmatched.id));
      }
      return "known";
    }

    const facts = {
      chainId: chain.chainId,
      txHash,
      logIndex: log.logIndex,
      ...blockFacts,
      routerAddress: log.router,
      orderRef: log.orderRef.toLowerCase(),
      merchantAddress: log.merchant,
      payerAddress: log.payer,
      tokenAddress: log.token,
      amount: log.amount,
    };
    const [order] = await tx.select().from(orders).where(eq(orders.orderRef, facts.orderRef));
    let reason: UnmatchedReason | null = null;
    if (!order) reason = "unknown_order_ref";
    else if (order.chainId !== chain.chainId) reason = "wrong_chain";
    else if (!same(order.routerAddress, log.router) || !same(chain.router, log.router)) reason = "wrong_router";
    else if (!same(order.tokenAddress, log.token)) reason = "wrong_token";
    else if (!same(order.payoutAddress, log.merchant)) reason = "wrong_payout_address";

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

  /**
   * The new settled block: below every payment still waiting for confirmations, and deep enough under the head
   * that a reorg replacing a block there would also have undone any confirmation we counted.
   */
  async #advanceCursor(tx: Transaction, chain: AcceptedChain, { settled, head, now }: { settled: bigint; head: bigint; now: Date }) {
    const [overrides] = await tx
      .select({ deepest: sql<string | null>`max((${merchants.confirmations} ->> ${String(chain.chainId)})::int)::text` })
      .from(merchants);
    const depth = BigInt(Math.max(chain.confirmations, Number(overrides?.deepest ?? 0)));
    const [lowest] = await tx
      .select({ block: min(payments.blockNumber) })
      .from(payments)
      .where(and(eq(payments.chainId, chain.chainId), eq(payments.state, "confirming")));
    let next = head - depth;
    if (lowest?.block != null) {
      const below = BigInt(lowest.block) - 1n;
      if (below < next) next = below;
    }
    if (next > settled) {
      await tx.update(confirmerCursors).set({ settledBlock: next, updatedAt: now }).where(eq(confirmerCursors.chainId, chain.chainId));
    }
  }
}
