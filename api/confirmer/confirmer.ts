/**
 * The confirmer turns indexed payment logs into credited payments and order status changes.
 *
 * Per chain and pass (nothing at all while the indexer reports it is not ready: backfill or crash recovery):
 * 1. read the indexer's head and every payment from the rescan window under this chain's settled block to the head;
 * 2. name each log by its identity (chain, tx hash, ordinal in its transaction: payment-identity.ts), credit each new
 *    one to its order when the order reference, chain, router, token and payout address all match, else record it as
 *    unmatched (never credited); a known one that shows another block or log index (a reorg re-included its
 *    transaction) is the same payment, updated (record-payment.ts);
 * 3. mark `reverted` every credited payment, confirming or confirmed, the indexer no longer has and whose block the
 *    indexer's chain has replaced; a row missing from a block still there is not a reorg (reconcile-missing.ts);
 * 4. mark `confirmed` every payment with enough confirmations against the head;
 * 5. re-derive the touched orders' statuses and write their events (orders/order-batch.ts), store what the source's
 *    read asks to keep with them (`SourceRead.persist`: the deposit scan, deposit-transfers.ts), and move the cursor.
 * Steps 2 to 5 are one database transaction, and set-based: a pass sends the same few statements (about 23) for one
 * payment or for hundreds; the orders' changes are worked out in memory in chain order, exactly as one at a time.
 *
 * A transfer is credited at most once: payments are unique on their identity, and whatever the confirmer re-reads
 * after a crash or a reorg finds the row it already wrote (or nothing, if the transaction never committed).
 */
import { and, asc, eq, gte, inArray, isNull, sql } from "drizzle-orm";
import type { Hex } from "viem";
import type { Database, Transaction } from "../db/client.js";
import { confirmerCursors, merchants, orders, payments, unmatchedPayments } from "../db/schema.js";
import type { AcceptedChain, ChainCatalog } from "../chains/catalog.js";
import { confirmationsOf, type ViewContext } from "../orders/views.js";
import { notifyOutbox } from "../webhooks/outbox-signal.js";
import { notifyOrderChanges } from "../orders/changes.js";
import { loadHeads } from "../orders/reads.js";
import { OrderBatch } from "../orders/order-batch.js";
import { expireDueOrders } from "../orders/updates.js";
import { type IdentifiedPayment, identifyPayments, paymentKey } from "./payment-identity.js";
import type { PaymentSource, SourceRead } from "./payment-source.js";
import { missingHeights, revertReplaced } from "./reconcile-missing.js";
import { recordLogs } from "./record-payment.js";
import { rescanBlocks } from "./rescan-window.js";

export type { UnmatchedReason } from "./record-payment.js";

export type ChainPass = {
  chainId: number;
  head: bigint | undefined;
  /** False when the indexer was still backfilling or recovering: the pass changed nothing. */
  indexerReady: boolean;
  credited: number;
  unmatched: number;
  /** Known payments seen in another block or at another log index (a reorg re-included their transaction). */
  moved: number;
  confirmed: number;
  reverted: number;
  /** Of `reverted`, those that had been confirmed: a reorg deeper than the confirmations, for the operator. */
  revertedAfterConfirmation: number;
};

export type ConfirmerOptions = {
  db: Database;
  source: PaymentSource;
  chains: ChainCatalog;
  publicBaseUrl: string;
  now?: () => Date;
  /**
   * The first statement of each pass's transaction: throws unless this instance still leads, and keeps the lead
   * from changing hands until the transaction ends (leader.ts). None: the caller guarantees a single confirmer.
   */
  fence?: (tx: Transaction) => Promise<void>;
};

type PassScope = { tx: Transaction; chain: AcceptedChain; now: Date; batch: OrderBatch; pass: ChainPass };

export class Confirmer {
  readonly #db: Database;
  readonly #source: PaymentSource;
  readonly #chains: ChainCatalog;
  readonly #publicBaseUrl: string;
  readonly #now: () => Date;
  readonly #fence: NonNullable<ConfirmerOptions["fence"]>;

  constructor({ db, source, chains, publicBaseUrl, now = () => new Date(), fence = async () => {} }: ConfirmerOptions) {
    this.#db = db;
    this.#source = source;
    this.#chains = chains;
    this.#publicBaseUrl = publicBaseUrl;
    this.#now = now;
    this.#fence = fence;
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
    const pass: ChainPass = {
      chainId,
      head: undefined,
      indexerReady: false,
      credited: 0,
      unmatched: 0,
      moved: 0,
      confirmed: 0,
      reverted: 0,
      revertedAfterConfirmation: 0,
    };
    // Asked together (two services, one round trip each); the head counts only if the indexer said it was ready.
    const [ready, head, settled] = await Promise.all([this.#source.isReady(), this.#source.indexedHead(chainId), this.#settledBlock(chain)]);
    // A recovering indexer lacks rows it will have again while its head still reads as before: wait for it.
    if (!ready) return pass;
    pass.indexerReady = true;
    pass.head = head;
    if (head === undefined) return pass;

    const read = await this.#readChain(chain, { settled, head });
    await this.#db.transaction(async (tx) => {
      await this.#fence(tx);
      const now = this.#now();
      await tx
        .insert(confirmerCursors)
        .values({ chainId, settledBlock: settled, indexedHead: head, updatedAt: now })
        .onConflictDoUpdate({ target: confirmerCursors.chainId, set: { indexedHead: head, updatedAt: now } });
      const batch = new OrderBatch({ now, ctx: { publicBaseUrl: this.#publicBaseUrl, heads: await loadHeads(tx) } });
      const scope: PassScope = { tx, chain, now, batch, pass };
      await this.#recordLogs(scope, read.logs, read.scan.fromBlock);
      const gone = await revertReplaced(tx, { ...read.scan, canonical: read.canonical }, scope);
      pass.reverted += gone.reverted;
      pass.revertedAfterConfirmation += gone.afterConfirmation;
      const lowestWaiting = await this.#confirmWaiting(scope, head);
      await batch.write(tx);
      await read.persist?.(tx);
      await this.#advanceCursor(tx, chain, { settled, head, now, lowestWaiting });
    });
    if (pass.credited + pass.confirmed + pass.reverted > 0) {
      notifyOutbox();
      notifyOrderChanges();
    }
    return pass;
  }

  /** Step 1: the rescan window's logs from the indexer, and what it says of the heights our missing rows were in. */
  async #readChain(chain: AcceptedChain, { settled, head }: { settled: bigint; head: bigint }) {
    const { chainId } = chain;
    const deployBlock = BigInt(chain.deployBlock);
    const rescanFrom = settled + 1n - rescanBlocks(chainId);
    const fromBlock = rescanFrom > deployBlock ? rescanFrom : deployBlock;
    const { payments: read, persist }: SourceRead = head < fromBlock ? { payments: [] } : await this.#readSource({ chainId, fromBlock, toBlock: head });
    const logs = identifyPayments(read.filter((log) => log.chainId === chainId && log.blockNumber >= fromBlock && log.blockNumber <= head));
    const scan = { chainId, fromBlock, head, present: new Set(logs.map((log) => paymentKey(chainId, log.txHash, log.logOrdinal))) };
    // Asked before the transaction (the indexer is another service); re-checked row by row inside it.
    const heights = await missingHeights(this.#db, scan);
    const canonical = heights.length > 0 ? await this.#source.blockHashes({ chainId, blockNumbers: heights }) : new Map<bigint, Hex | null>();
    return { logs, scan, canonical, persist };
  }

  /** The source's rows, and what it would store with this pass's writes (deposit-transfers.ts: the blocks scanned). */
  async #readSource(query: { chainId: number; fromBlock: bigint; toBlock: bigint }): Promise<SourceRead> {
    return this.#source.read ? this.#source.read(query) : { payments: await this.#source.payments(query) };
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

  /** Step 2: every log the indexer showed, by identity; logs already recorded as they are now cost nothing. */
  async #recordLogs(scope: PassScope, logs: readonly IdentifiedPayment[], fromBlock: bigint) {
    const { tx, chain, pass } = scope;
    const placement = (row: { txHash: string; logOrdinal: number; logIndex: number; blockHash: string }) =>
      `${paymentKey(chain.chainId, row.txHash, row.logOrdinal)}@${row.blockHash.toLowerCase()}#${row.logIndex}`;
    const credited = await tx
      .select({ txHash: payments.txHash, logOrdinal: payments.logOrdinal, logIndex: payments.logIndex, blockHash: payments.blockHash, state: payments.state })
      .from(payments)
      .where(and(eq(payments.chainId, chain.chainId), gte(payments.blockNumber, fromBlock)));
    const unmatched = await tx
      .select({ txHash: unmatchedPayments.txHash, logOrdinal: unmatchedPayments.logOrdinal, logIndex: unmatchedPayments.logIndex, blockHash: unmatchedPayments.blockHash })
      .from(unmatchedPayments)
      .where(and(eq(unmatchedPayments.chainId, chain.chainId), gte(unmatchedPayments.blockNumber, fromBlock), isNull(unmatchedPayments.revertedAt)));
    const unchanged = new Set([...credited.filter((p) => p.state !== "reverted"), ...unmatched].map(placement));
    const counts = await recordLogs(scope, logs.filter((log) => !unchanged.has(placement(log))));
    pass.credited += counts.credited;
    pass.unmatched += counts.unmatched;
    pass.moved += counts.moved;
  }

  /** Step 4: enough confirmations, the payment counts; one UPDATE, then each order's step in chain order. */
  async #confirmWaiting({ tx, chain, now, batch, pass }: PassScope, head: bigint) {
    const waiting = await tx
      .select({ payment: payments, confirmations: orders.confirmations })
      .from(payments)
      .innerJoin(orders, eq(orders.id, payments.orderId))
      .where(and(eq(payments.chainId, chain.chainId), eq(payments.state, "confirming")))
      // In chain order: payments counted at the same moment complete an order in the order they were paid.
      .orderBy(asc(payments.blockNumber), asc(payments.logIndex));
    const isDue = ({ payment, confirmations }: (typeof waiting)[number]) => confirmationsOf(payment.blockNumber, head) >= Math.max(confirmations, 1);
    const due = waiting.filter(isDue).map((w) => w.payment);
    // The lowest block still waiting after this step (in chain order, the first not due), for the cursor.
    const lowestWaiting = waiting.find((w) => !isDue(w))?.payment.blockNumber;
    if (due.length === 0) return lowestWaiting;
    await batch.hold(tx, { ids: due.map((p) => p.orderId) });
    await tx.update(payments).set({ state: "confirmed", confirmedAt: now }).where(inArray(payments.id, due.map((p) => p.id)));
    for (const payment of due) {
      batch.putPayment({ ...(batch.payment(payment.orderId, payment.id) ?? payment), state: "confirmed", confirmedAt: now });
      batch.update(payment.orderId, { confirmed: payment.id });
    }
    pass.confirmed += due.length;
    return lowestWaiting;
  }

  /**
   * The new settled block: below every payment still waiting for confirmations, and deep enough under the head
   * that a reorg replacing a block there would also have undone any confirmation we counted.
   */
  async #advanceCursor(
    tx: Transaction,
    chain: AcceptedChain,
    { settled, head, now, lowestWaiting }: { settled: bigint; head: bigint; now: Date; lowestWaiting: bigint | undefined },
  ) {
    const [overrides] = await tx
      .select({ deepest: sql<string | null>`max((${merchants.confirmations} ->> ${String(chain.chainId)})::int)::text` })
      .from(merchants);
    const depth = BigInt(Math.max(chain.confirmations, Number(overrides?.deepest ?? 0)));
    let next = head - depth;
    if (lowestWaiting !== undefined && lowestWaiting - 1n < next) next = lowestWaiting - 1n;
    if (next > settled) {
      await tx.update(confirmerCursors).set({ settledBlock: next, updatedAt: now }).where(eq(confirmerCursors.chainId, chain.chainId));
    }
  }
}
