/**
 * The indexer's tables. The API imports this module to read them over HTTP with `@ponder/client`
 * (`createClient(url + "/sql", { schema: { payment } })`). Hex columns (addresses, hashes, order references) are stored
 * lowercase; amounts and block numbers are bigint.
 */
import { index, onchainTable, primaryKey } from "ponder";

/** One immutable row per `PaymentReceived` log; a reorg deletes the rows of the blocks it removes. */
export const payment = onchainTable(
  "payment",
  (t) => ({
    chainId: t.integer().notNull(),
    /** The PaymentRouter that emitted the event. */
    router: t.hex().notNull(),
    txHash: t.hex().notNull(),
    logIndex: t.integer().notNull(),
    blockNumber: t.bigint().notNull(),
    blockHash: t.hex().notNull(),
    /** Unix seconds. */
    blockTimestamp: t.bigint().notNull(),
    /** The API's opaque bytes32 order reference. */
    orderRef: t.hex().notNull(),
    merchant: t.hex().notNull(),
    payer: t.hex().notNull(),
    token: t.hex().notNull(),
    /** What the merchant's balance grew by, in the token's base units. */
    amount: t.bigint().notNull(),
  }),
  (table) => ({
    // A log is identified by its chain, transaction and position: replays and re-indexing can never double a payment.
    pk: primaryKey({ columns: [table.chainId, table.txHash, table.logIndex] }),
    // The API's look-ups: an order's payments, and new payments on a chain since a block.
    orderRefIndex: index().on(table.orderRef),
    chainBlockIndex: index().on(table.chainId, table.blockNumber),
  }),
);

/** One immutable row per `RefundSent` log of the RefundRouter, keyed like payments; a reorg deletes it the same way. */
export const refund = onchainTable(
  "refund",
  (t) => ({
    chainId: t.integer().notNull(),
    /** The RefundRouter that emitted the event. */
    router: t.hex().notNull(),
    txHash: t.hex().notNull(),
    logIndex: t.integer().notNull(),
    blockNumber: t.bigint().notNull(),
    blockHash: t.hex().notNull(),
    /** Unix seconds. */
    blockTimestamp: t.bigint().notNull(),
    /** The API's opaque bytes32 refund reference. */
    refundRef: t.hex().notNull(),
    orderRef: t.hex().notNull(),
    /** The wallet the tokens left: the merchant's payout wallet for a refund the API attributes. */
    from: t.hex().notNull(),
    to: t.hex().notNull(),
    token: t.hex().notNull(),
    /** What left the merchant's wallet, in the token's base units. */
    amount: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.chainId, table.txHash, table.logIndex] }),
    refundRefIndex: index().on(table.refundRef),
    chainBlockIndex: index().on(table.chainId, table.blockNumber),
  }),
);

/**
 * One immutable row per `Transfer` log of an accepted token (chains with a DepositFactory), but those of transactions
 * sent to the PaymentRouter: rows of `payment` already, where the API also looks for deposit addresses. The plain
 * transfers from which the API picks those to its orders' deposit addresses (indexer/src/api/deposit-transfers.ts). A
 * reorg deletes the rows of the blocks it removes, as for payments.
 */
export const tokenTransfer = onchainTable(
  "token_transfer",
  (t) => ({
    chainId: t.integer().notNull(),
    token: t.hex().notNull(),
    txHash: t.hex().notNull(),
    logIndex: t.integer().notNull(),
    blockNumber: t.bigint().notNull(),
    blockHash: t.hex().notNull(),
    /** Unix seconds. */
    blockTimestamp: t.bigint().notNull(),
    from: t.hex().notNull(),
    to: t.hex().notNull(),
    /** What the Transfer log says arrived (Tether's fee is already taken off), in base units. */
    amount: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.chainId, table.txHash, table.logIndex] }),
    // The API's look-ups: transfers to a set of addresses within a block range, and each block's transfers (and its
    // hash, read from the index alone) in the rescan window.
    toIndex: index().on(table.chainId, table.to, table.blockNumber),
    blockIndex: index().on(table.chainId, table.blockNumber, table.blockHash),
  }),
);
