/**
 * Plain transfers to deposit addresses as payments: wraps the indexer's `PaymentSource` so that each read also returns
 * the indexed token `Transfer` logs of the rescan window to this chain's deposit addresses, asked of the indexer's
 * `POST /deposit-transfers`. Each becomes an `IndexedPayment` with `method: "transfer"` and the order's reference, and
 * from there goes the router payments' one way: identity, matching, confirmations, reorgs (confirmer.ts).
 *
 * What is read each pass (one SQL statement on the indexer, one snapshot):
 * - every transfer in a block of the window not yet scanned (the new blocks, and any block a reorg put in place of a
 *   scanned one: the scan is a set of (height, block hash), so a replaced block is simply not in it), matched here
 *   against the watched orders' deposit addresses (not expired, or expired less than `DEPOSIT_WATCH_SECONDS` ago);
 * - every transfer in the window to an address that already has a transfer recorded there (payments or unmatched,
 *   any state): what the confirmer needs to see a known transfer still there, moved, removed or re-included;
 * - of the router payments the pass reads anyway (the whole window), those that name a deposit address as their
 *   merchant: credited as the transfer they made (the indexer does not store their `Transfer` a second time);
 * - the (height, hash) of each block in the window that holds transfers: the new scan, stored in the pass's own
 *   transaction (`confirmer_cursors.deposit_scan`), so it commits with the payments it vouches for, whichever
 *   instance leads, and a pass that fails or loses the lead leaves the old one.
 * With no scan stored, or more than `MAX_NEW_BLOCKS` new blocks (a long stop), the pass asks instead for the transfers
 * to every watched address over the whole window, and stores what that covers.
 */
import { and, eq, gt, inArray, isNotNull, gte } from "drizzle-orm";
import { getAddress, type Address, type Hex } from "viem";
import type { Queryable, Transaction } from "../db/client.js";
import { confirmerCursors, type DepositScan, orders, payments, unmatchedPayments } from "../db/schema.js";
import type { ChainCatalog } from "../chains/catalog.js";
import type { IndexedPayment, PaymentSource, SourceRead } from "./payment-source.js";

/** New blocks a pass reads in full (every transfer, matched here); beyond that, the watched addresses are sent instead. */
export const MAX_NEW_BLOCKS = 32n;
/** The most scanned blocks the indexer's `/deposit-transfers` takes in `seen` (its `MAX_SEEN`). */
export const MAX_SEEN_BLOCKS = 10_000;

type TransferRow = {
  chainId: number;
  token: Hex;
  txHash: Hex;
  logIndex: number;
  blockNumber: string;
  blockHash: Hex;
  blockTimestamp: string;
  from: Hex;
  to: Hex;
  amount: string;
};

export type DepositTransfersAnswer = { transfers: TransferRow[]; blocks: { number: string; hash: Hex }[] };

export type DepositTransferOptions = {
  db: Queryable;
  chains: ChainCatalog;
  indexerUrl: string;
  /** Seconds after expiry an order's deposit address is still watched. */
  watchSeconds: number;
  now?: () => Date;
};

type Window = { chainId: number; fromBlock: bigint; toBlock: bigint };

/** The watched orders' deposit addresses on `chainId` (lowercase) → their order references. */
export async function watchedDepositAddresses(db: Queryable, chainId: number, since: Date): Promise<Map<string, Hex>> {
  const rows = await db
    .select({ address: orders.depositAddress, orderRef: orders.orderRef })
    .from(orders)
    .where(and(eq(orders.chainId, chainId), isNotNull(orders.depositAddress), gt(orders.expiresAt, since)));
  return new Map(rows.map((row) => [row.address!.toLowerCase(), row.orderRef as Hex]));
}

/** Of `addresses` (lowercase), those of watched orders on `chainId` → their order references. */
async function watchedAmong(db: Queryable, chainId: number, since: Date, addresses: readonly string[]): Promise<Map<string, Hex>> {
  if (addresses.length === 0) return new Map();
  // Deposit addresses are stored checksummed (orders/deposit-address.ts): the look-up uses orders_deposit_address_idx.
  const rows = await db
    .select({ address: orders.depositAddress, orderRef: orders.orderRef })
    .from(orders)
    .where(and(eq(orders.chainId, chainId), inArray(orders.depositAddress, addresses.map((a) => getAddress(a))), gt(orders.expiresAt, since)));
  return new Map(rows.map((row) => [row.address!.toLowerCase(), row.orderRef as Hex]));
}

/** The deposit addresses (lowercase) with a transfer recorded in the window, credited or not, reverted or not → order reference. */
async function knownDepositAddresses(db: Queryable, chainId: number, fromBlock: bigint): Promise<Map<string, Hex>> {
  const columns = (table: typeof payments | typeof unmatchedPayments) => ({ address: table.merchantAddress, orderRef: table.orderRef });
  const where = (table: typeof payments | typeof unmatchedPayments) => and(eq(table.chainId, chainId), eq(table.method, "transfer"), gte(table.blockNumber, fromBlock));
  const [credited, unmatched] = await Promise.all([
    db.selectDistinct(columns(payments)).from(payments).where(where(payments)),
    db.selectDistinct(columns(unmatchedPayments)).from(unmatchedPayments).where(where(unmatchedPayments)),
  ]);
  return new Map([...credited, ...unmatched].map((row) => [row.address.toLowerCase(), row.orderRef as Hex]));
}

async function loadScan(db: Queryable, chainId: number): Promise<DepositScan | null> {
  const [row] = await db.select({ scan: confirmerCursors.depositScan }).from(confirmerCursors).where(eq(confirmerCursors.chainId, chainId));
  return row?.scan ?? null;
}

/** Stores the scan with the pass's writes (the cursor row exists: the pass upserts it first). */
async function saveScan(tx: Transaction, chainId: number, scan: DepositScan) {
  await tx.update(confirmerCursors).set({ depositScan: scan }).where(eq(confirmerCursors.chainId, chainId));
}

/** The indexer's transfers of the window to `addresses`, and (given `seen`) all those in blocks not in `seen`. */
export async function fetchDepositTransfers(
  indexerUrl: string,
  query: Window & { addresses: readonly string[]; seen?: readonly string[] },
): Promise<DepositTransfersAnswer> {
  const response = await fetch(`${indexerUrl}/deposit-transfers`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...query, fromBlock: String(query.fromBlock), toBlock: String(query.toBlock) }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`The indexer's /deposit-transfers answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return (await response.json()) as DepositTransfersAnswer;
}

/**
 * One pass's deposit transfers on a chain with a DepositFactory, and the scan to store with the pass. Incremental when
 * a scan is stored and the new blocks are few; else every watched address over the window.
 */
export async function readDepositTransfers(
  options: DepositTransferOptions,
  window: Window,
  factory: Address,
): Promise<SourceRead & { refs: ReadonlyMap<string, Hex> }> {
  const { db, indexerUrl, watchSeconds, now = () => new Date() } = options;
  const { chainId, fromBlock, toBlock } = window;
  const since = new Date(now().getTime() - watchSeconds * 1000);
  const [stored, known] = await Promise.all([loadScan(db, chainId), knownDepositAddresses(db, chainId, fromBlock)]);
  const scannedTo = stored ? BigInt(stored.through) : undefined;
  const storedSeen = (stored?.blocks ?? []).filter(([height]) => BigInt(height) >= fromBlock).map(([height, hash]) => `${height}:${hash}`);
  // A window longer than the indexer takes scanned blocks for (a merchant's very high confirmations on a busy chain)
  // is read in full each pass, as if nothing were stored: slower, never a refused read.
  const incremental =
    scannedTo !== undefined && toBlock - (scannedTo > fromBlock - 1n ? scannedTo : fromBlock - 1n) <= MAX_NEW_BLOCKS && storedSeen.length <= MAX_SEEN_BLOCKS;
  const watched = incremental ? new Map<string, Hex>() : await watchedDepositAddresses(db, chainId, since);
  const refs = new Map([...watched, ...known]);
  const seen = incremental ? storedSeen : undefined;
  const answer = await fetchDepositTransfers(indexerUrl, { ...window, addresses: [...refs.keys()], seen });
  // The new blocks' recipients: which are watched deposit addresses (the rest are someone else's transfers).
  const recipients = [...new Set(answer.transfers.map((row) => row.to.toLowerCase()).filter((to) => !refs.has(to)))];
  for (const [address, orderRef] of await watchedAmong(db, chainId, since, recipients)) refs.set(address, orderRef);
  const scan: DepositScan = { through: String(toBlock), blocks: answer.blocks.map((block) => [block.number, block.hash.toLowerCase()]) };
  return {
    payments: distinct(answer.transfers).flatMap((row) => toPayment(row, factory, refs)),
    persist: (tx) => saveScan(tx, chainId, scan),
    refs,
  };
}

/**
 * Router payments that name a deposit address as their merchant (the router takes any address; the checkout never
 * does this): credited to that order as the transfer they made. The indexer stores a router transaction's `Transfer`
 * only as its payment row (indexer/src/AcceptedToken.ts), and the router read covers the whole window every pass, so
 * these are seen, moved or gone like any payment; identified by their `PaymentReceived` log, among the transfers.
 */
async function routedToDepositAddresses(
  options: DepositTransferOptions,
  chainId: number,
  { routed, refs, factory }: { routed: readonly IndexedPayment[]; refs: ReadonlyMap<string, Hex>; factory: Address },
): Promise<IndexedPayment[]> {
  const since = new Date((options.now ?? (() => new Date()))().getTime() - options.watchSeconds * 1000);
  // Only the accepted tokens, as for plain transfers (the indexer stores no other): the router takes any token, and a
  // stranger's worthless one must not become a forward the sweeper pays gas for.
  const accepted = routed.filter((p) => options.chains.tokenByAddress(chainId, p.token) !== undefined);
  const merchants = [...new Set(accepted.map((p) => p.merchant.toLowerCase()))].filter((m) => !refs.has(m));
  const found = await watchedAmong(options.db, chainId, since, merchants);
  return accepted.flatMap((p) => {
    const orderRef = refs.get(p.merchant.toLowerCase()) ?? found.get(p.merchant.toLowerCase());
    return orderRef ? [{ ...p, method: "transfer" as const, router: factory, orderRef }] : [];
  });
}

export function withDepositTransfers(source: PaymentSource, options: DepositTransferOptions): PaymentSource {
  const read = async (query: Window): Promise<SourceRead> => {
    const factory = options.chains.chain(query.chainId)?.depositFactory;
    if (!factory) return { payments: await source.payments(query) };
    // Side by side: the router payments' read and the deposit read are independent.
    const [routed, deposits] = await Promise.all([source.payments(query), readDepositTransfers(options, query, factory)]);
    const viaRouter = await routedToDepositAddresses(options, query.chainId, { routed, refs: deposits.refs, factory });
    // Each of those is its order's transfer, not also a router payment kept unmatched (wrong payout) beside it.
    const credited = new Set(viaRouter.map((p) => `${p.txHash.toLowerCase()}:${p.logIndex}`));
    const payments = [...routed.filter((p) => !credited.has(`${p.txHash.toLowerCase()}:${p.logIndex}`)), ...deposits.payments, ...viaRouter];
    // An indexer that restarted while it answered (crash recovery re-indexing) may have shown a block in part: such an
    // answer credits what it has, but stores no scan, so the next pass reads those blocks in full again.
    if (!(await source.isReady().catch(() => false))) return { payments };
    return { payments, persist: deposits.persist };
  };
  return {
    isReady: () => source.isReady(),
    indexedHead: (chainId) => source.indexedHead(chainId),
    blockHashes: (query) => source.blockHashes(query),
    read,
    // A read that stores nothing: the next pass scans again what this one saw.
    payments: async (query) => (await read(query)).payments,
  };
}

/** Each log once (a transfer can be both to a known address and in a new block). */
function distinct(rows: readonly TransferRow[]): TransferRow[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = `${row.blockHash.toLowerCase()}:${row.txHash.toLowerCase()}:${row.logIndex}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function toPayment(row: TransferRow, factory: Address, refs: ReadonlyMap<string, Hex>): IndexedPayment[] {
  const orderRef = refs.get(row.to.toLowerCase());
  if (!orderRef) return [];
  return [
    {
      method: "transfer",
      chainId: row.chainId,
      router: factory,
      txHash: row.txHash,
      logIndex: row.logIndex,
      blockNumber: BigInt(row.blockNumber),
      blockHash: row.blockHash,
      blockTimestamp: BigInt(row.blockTimestamp),
      orderRef,
      merchant: getAddress(row.to),
      payer: getAddress(row.from),
      token: getAddress(row.token),
      amount: BigInt(row.amount),
    },
  ];
}
