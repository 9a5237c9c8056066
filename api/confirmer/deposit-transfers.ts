/**
 * Plain transfers to deposit addresses as payments: wraps the indexer's `PaymentSource` so that each read also returns
 * the indexed token `Transfer` logs to the deposit addresses of this chain's watched orders (those not expired, or
 * expired less than `DEPOSIT_WATCH_SECONDS` ago: late transfers still count), asked of the indexer's
 * `POST /deposit-transfers`. Each becomes an `IndexedPayment` with `method: "transfer"` and the order's reference, and
 * from there goes the router payments' one way: identity, matching, confirmations, reorgs (confirmer.ts).
 */
import { and, eq, gt, isNotNull } from "drizzle-orm";
import { getAddress, type Address, type Hex } from "viem";
import type { Queryable } from "../db/client.js";
import { orders } from "../db/schema.js";
import type { ChainCatalog } from "../chains/catalog.js";
import type { IndexedPayment, PaymentSource } from "./payment-source.js";

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

export type DepositTransferOptions = {
  db: Queryable;
  chains: ChainCatalog;
  indexerUrl: string;
  /** Seconds after expiry an order's deposit address is still watched. */
  watchSeconds: number;
  now?: () => Date;
};

/** The watched orders' deposit addresses on `chainId` (lowercase) → their order references. */
export async function watchedDepositAddresses(db: Queryable, chainId: number, since: Date): Promise<Map<string, Hex>> {
  const rows = await db
    .select({ address: orders.depositAddress, orderRef: orders.orderRef })
    .from(orders)
    .where(and(eq(orders.chainId, chainId), isNotNull(orders.depositAddress), gt(orders.expiresAt, since)));
  return new Map(rows.map((row) => [row.address!.toLowerCase(), row.orderRef as Hex]));
}

/** The indexer's transfers to `addresses` within the blocks. */
export async function fetchDepositTransfers(
  indexerUrl: string,
  query: { chainId: number; fromBlock: bigint; toBlock: bigint; addresses: readonly string[] },
): Promise<TransferRow[]> {
  const response = await fetch(`${indexerUrl}/deposit-transfers`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...query, fromBlock: String(query.fromBlock), toBlock: String(query.toBlock) }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`The indexer's /deposit-transfers answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return ((await response.json()) as { transfers: TransferRow[] }).transfers;
}

export function withDepositTransfers(source: PaymentSource, options: DepositTransferOptions): PaymentSource {
  const { db, chains, indexerUrl, watchSeconds, now = () => new Date() } = options;
  return {
    isReady: () => source.isReady(),
    indexedHead: (chainId) => source.indexedHead(chainId),
    blockHashes: (query) => source.blockHashes(query),
    async payments(query) {
      const routed = await source.payments(query);
      const factory = chains.chain(query.chainId)?.depositFactory;
      if (!factory) return routed;
      const watched = await watchedDepositAddresses(db, query.chainId, new Date(now().getTime() - watchSeconds * 1000));
      if (watched.size === 0) return routed;
      const rows = await fetchDepositTransfers(indexerUrl, { ...query, addresses: [...watched.keys()] });
      return [...routed, ...rows.flatMap((row) => toPayment(row, factory, watched))];
    },
  };
}

function toPayment(row: TransferRow, factory: Address, watched: ReadonlyMap<string, Hex>): IndexedPayment[] {
  const orderRef = watched.get(row.to.toLowerCase());
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
