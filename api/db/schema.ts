/**
 * The API's tables. This file is the source of truth: `drizzle-kit generate --config api/db/drizzle.config.ts`
 * turns a change here into the next numbered SQL migration in `api/db/migrations/`.
 *
 * Amounts are `numeric(78, 0)` (any uint256) in the token's base units; addresses are stored checksummed and
 * compared case-insensitively; hashes and order references are lower-case 0x hex.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type { ApiScope } from "../lib/scopes.js";

/** Every table lives in its own schema, so the API can share a Postgres database with the indexer. */
export const apiSchema = pgSchema("stablegate");
const pgTable = apiSchema.table;

const amount = (name: string) => numeric(name, { precision: 78, scale: 0, mode: "bigint" });
const blockNumber = (name: string) => bigint(name, { mode: "bigint" });
const time = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const createdAt = () => time("created_at").notNull().defaultNow();

export const merchants = pgTable("merchants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** Per-chain confirmations that replace the operator's defaults, `{"1": 20}`. */
  confirmations: jsonb("confirmations").$type<Record<string, number>>().notNull().default({}),
  /** Seconds an order stays payable when the request does not say; null: the operator's default. */
  orderExpirySeconds: integer("order_expiry_seconds"),
  /** How much less than the order amount still counts as paid, in basis points of the amount. */
  underpaymentToleranceBps: integer("underpayment_tolerance_bps").notNull().default(0),
  /** How much more than the order amount still counts as paid (not overpaid), in basis points. */
  overpaymentToleranceBps: integer("overpayment_tolerance_bps").notNull().default(0),
  requireSignedRequests: boolean("require_signed_requests").notNull().default(false),
  /** HMAC key for signed requests (`rsk_…`); kept readable because verifying an HMAC needs it. */
  requestSigningSecret: text("request_signing_secret"),
  /** The ways orders may be paid unless an order says otherwise: `router` (PaymentRouter), `transfer` (deposit address). */
  paymentMethods: text("payment_methods").array().$type<PaymentMethod[]>().notNull().default(sql`'{router,transfer}'::text[]`),
  createdAt: createdAt(),
});

export const payoutAddresses = pgTable(
  "payout_addresses",
  {
    merchantId: text("merchant_id").notNull().references(() => merchants.id),
    chainId: integer("chain_id").notNull(),
    address: text("address").notNull(),
    updatedAt: time("updated_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.chainId] })],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id").notNull().references(() => merchants.id),
    /** The first characters of the key (`sk_live_AbCd`), shown in listings so people can tell keys apart. */
    prefix: text("prefix").notNull(),
    /** SHA-256 of the whole key, hex. The key itself is never stored. */
    hash: text("hash").notNull(),
    label: text("label"),
    /** What the key may do (lib/scopes.ts); null: everything. */
    scopes: text("scopes").array().$type<ApiScope[]>(),
    createdAt: createdAt(),
    revokedAt: time("revoked_at"),
    /** When a request last authenticated with it, to the minute (written at most once a minute). */
    lastUsedAt: time("last_used_at"),
  },
  (t) => [uniqueIndex("api_keys_hash_key").on(t.hash), index("api_keys_merchant_idx").on(t.merchantId)],
);

/** How a payment reached the merchant: through the PaymentRouter, or a plain transfer to the order's deposit address. */
export const paymentMethods = ["router", "transfer"] as const;
export type PaymentMethod = (typeof paymentMethods)[number];

export const orderStatuses = [
  "pending",
  "confirming",
  "paid",
  "underpaid",
  "overpaid",
  "expired",
  "paid_late",
  "cancelled",
] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export const orders = pgTable(
  "orders",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id").notNull().references(() => merchants.id),
    merchantOrderId: text("merchant_order_id").notNull(),
    /** The random bytes32 the customer's payment carries on-chain. */
    orderRef: text("order_ref").notNull(),
    /**
     * What the checkout URL carries (`/pay/<token>`): 192 random bits, so nobody finds a checkout page from an order
     * id. Orders made before this column existed got 244 random bits from two `gen_random_uuid()`.
     */
    checkoutToken: text("checkout_token")
      .notNull()
      .default(sql`replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')`),
    chainId: integer("chain_id").notNull(),
    routerAddress: text("router_address").notNull(),
    tokenSymbol: text("token_symbol").notNull(),
    tokenAddress: text("token_address").notNull(),
    tokenDecimals: integer("token_decimals").notNull(),
    /** The merchant's payout address on this chain when the order was made: payments must go there. */
    payoutAddress: text("payout_address").notNull(),
    /**
     * The order's own deposit address (DepositFactory's CREATE2 clone bound to payoutAddress and orderRef), where a
     * plain transfer pays it; null when the order does not take transfers or the chain has no factory.
     */
    depositAddress: text("deposit_address"),
    /** The methods this order offers (a subset of the merchant's). */
    paymentMethods: text("payment_methods").array().$type<PaymentMethod[]>().notNull(),
    amount: amount("amount").notNull(),
    /** Sum of the confirmed payments credited to the order. */
    amountReceived: amount("amount_received").notNull().default(sql`0`),
    /** Sum of the order's succeeded refunds (sent back from the merchant's wallet, confirmed on-chain). */
    amountRefunded: amount("amount_refunded").notNull().default(sql`0`),
    status: text("status").$type<OrderStatus>().notNull(),
    /** Confirmations this order's payments need (the merchant's override or the chain's default). */
    confirmations: integer("confirmations").notNull(),
    underpaymentToleranceBps: integer("underpayment_tolerance_bps").notNull(),
    overpaymentToleranceBps: integer("overpayment_tolerance_bps").notNull(),
    description: text("description"),
    customerId: text("customer_id"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>(),
    successUrl: text("success_url"),
    cancelUrl: text("cancel_url"),
    expiresAt: time("expires_at").notNull(),
    cancelledAt: time("cancelled_at"),
    createdAt: createdAt(),
    updatedAt: time("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("orders_order_ref_key").on(t.orderRef),
    uniqueIndex("orders_checkout_token_key").on(t.checkoutToken),
    uniqueIndex("orders_merchant_order_id_key").on(t.merchantId, t.merchantOrderId),
    index("orders_merchant_id_idx").on(t.merchantId, t.id),
    // Expiry scans only the orders that can still expire.
    index("orders_expiry_idx")
      .on(t.expiresAt)
      .where(sql`${t.status} in ('pending', 'underpaid')`),
    check("orders_amount_positive", sql`${t.amount} > 0`),
    // The deposit addresses the confirmer watches: those of orders that expired recently or not yet.
    index("orders_deposit_watch_idx")
      .on(t.chainId, t.expiresAt)
      .where(sql`${t.depositAddress} is not null`),
    // The deposit scan's look-up of a new block's recipients among the orders' deposit addresses.
    index("orders_deposit_address_idx")
      .on(t.chainId, t.depositAddress)
      .where(sql`${t.depositAddress} is not null`),
  ],
);

/** A transfer's forward: due once final, `sent` in a sweeper transaction, `forwarded`, or `failed` (retried later). */
export type ForwardStatus = "pending" | "sent" | "forwarded" | "failed";

export type PaymentState = "confirming" | "confirmed" | "reverted";

/**
 * Why a payment stopped counting: a reorg removed it while it waited for its confirmations, or (an incident for the
 * operator: the reorg was deeper than the confirmations) after it had been confirmed.
 */
export type PaymentRevertReason = "reorged_before_confirmation" | "reorged_after_confirmation";

/** The on-chain facts of one `PaymentReceived` log, shared by credited and unmatched payments. */
const logColumns = () => ({
  chainId: integer("chain_id").notNull(),
  txHash: text("tx_hash").notNull(),
  /**
   * The log's position among the indexed payment logs of its transaction (0 for the first). With the chain and the
   * transaction hash it names the payment: a reorg that re-includes the same signed transaction keeps it, while
   * `log_index` (the position in the block) may change.
   */
  logOrdinal: integer("log_ordinal").notNull(),
  /** The log's position in its block, as last seen: a fact that moves when a reorg re-includes the transaction. */
  logIndex: integer("log_index").notNull(),
  blockNumber: blockNumber("block_number").notNull(),
  blockHash: text("block_hash").notNull(),
  blockTimestamp: time("block_timestamp").notNull(),
  routerAddress: text("router_address").notNull(),
  orderRef: text("order_ref").notNull(),
  merchantAddress: text("merchant_address").notNull(),
  payerAddress: text("payer_address").notNull(),
  tokenAddress: text("token_address").notNull(),
  amount: amount("amount").notNull(),
  /**
   * `router`: a PaymentReceived log (router_address is the router, merchant_address the payout wallet); `transfer`: a
   * token Transfer log to a deposit address (router_address is the DepositFactory, merchant_address the deposit
   * address, payer_address the sender). Transfer logs take negative ordinals (-1, -2, …) so both share the identity.
   */
  method: text("method").$type<PaymentMethod>().notNull().default("router"),
  /** A transfer's forward to the payout address (sweeper): null for router payments, then pending/sent/forwarded/failed. */
  forwardStatus: text("forward_status").$type<ForwardStatus>(),
  forwardTxHash: text("forward_tx_hash"),
  forwardAttempts: integer("forward_attempts").notNull().default(0),
  /** Why the last forward failed (the batch item's ForwardFailed, a reverted or dropped transaction). */
  forwardError: text("forward_error"),
  /** A failed forward is retried from this time on. */
  forwardRetryAt: time("forward_retry_at"),
});

/** Payments matched to an order. One row per payment (chain, tx hash, log ordinal), whatever the confirmer re-reads. */
export const payments = pgTable(
  "payments",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id").notNull().references(() => orders.id),
    merchantId: text("merchant_id").notNull().references(() => merchants.id),
    ...logColumns(),
    state: text("state").$type<PaymentState>().notNull(),
    createdAt: createdAt(),
    confirmedAt: time("confirmed_at"),
    revertedAt: time("reverted_at"),
    revertReason: text("revert_reason").$type<PaymentRevertReason>(),
  },
  (t) => [
    uniqueIndex("payments_identity_key").on(t.chainId, t.txHash, t.logOrdinal),
    index("payments_order_idx").on(t.orderId),
    index("payments_merchant_idx").on(t.merchantId, t.id),
    index("payments_confirming_idx")
      .on(t.chainId, t.blockNumber)
      .where(sql`${t.state} = 'confirming'`),
    index("payments_forward_due_idx")
      .on(t.chainId)
      .where(sql`${t.forwardStatus} in ('pending', 'sent', 'failed')`),
    // The confirmer's reads of the rescan window (known rows, missing ones, deposit addresses with transfers).
    index("payments_chain_block_idx").on(t.chainId, t.blockNumber),
  ],
);

/** Payments the router saw that match no order exactly; never credited, kept for the operator. */
export const unmatchedPayments = pgTable(
  "unmatched_payments",
  {
    id: text("id").primaryKey(),
    ...logColumns(),
    /** Why it did not match: `unknown_order_ref`, `wrong_chain`, `wrong_router`, `wrong_token` (also a transfer of another
     * accepted token to a deposit address: forwarded all the same), `wrong_payout_address`, `wrong_deposit_address`. */
    reason: text("reason").notNull(),
    /** The order the reference points to, when there is one. */
    orderId: text("order_id"),
    createdAt: createdAt(),
    /** Set when a reorg removed the log before it was final. */
    revertedAt: time("reverted_at"),
    /** A person's review in the console: `attached` (credited to `attached_order_id`) or `dismissed`, with a note. */
    resolution: text("resolution").$type<"attached" | "dismissed">(),
    attachedOrderId: text("attached_order_id").references(() => orders.id),
    resolutionNote: text("resolution_note"),
    resolvedBy: text("resolved_by"),
    resolvedAt: time("resolved_at"),
  },
  (t) => [
    uniqueIndex("unmatched_payments_identity_key").on(t.chainId, t.txHash, t.logOrdinal),
    index("unmatched_payments_forward_due_idx")
      .on(t.chainId)
      .where(sql`${t.forwardStatus} in ('pending', 'sent', 'failed')`),
    index("unmatched_payments_chain_block_idx").on(t.chainId, t.blockNumber),
  ],
);

/**
 * The sweeper's forward transactions, written (signed, with their nonce) before they are broadcast: after a crash the
 * same signed transaction is sent again or found mined, never a second one for the same deposit addresses.
 */
export const sweeperTransactions = pgTable(
  "sweeper_transactions",
  {
    txHash: text("tx_hash").primaryKey(),
    chainId: integer("chain_id").notNull(),
    sweeper: text("sweeper").notNull(),
    nonce: integer("nonce").notNull(),
    /** The signed transaction (public once broadcast), to broadcast again after a crash. */
    rawTx: text("raw_tx").notNull(),
    /** `sent` until its receipt is read: then `mined` (items forwarded or failed one by one) or `reverted`. */
    status: text("status").$type<"sent" | "mined" | "reverted">().notNull(),
    /** The forwards in it: deposit address, token, payout, orderRef. */
    items: jsonb("items").$type<{ depositAddress: string; token: string; payout: string; orderRef: string }[]>().notNull(),
    createdAt: createdAt(),
    settledAt: time("settled_at"),
  },
  (t) => [index("sweeper_transactions_open_idx").on(t.chainId).where(sql`${t.status} = 'sent'`)],
);

export const refundStatuses = ["pending", "submitted", "succeeded", "failed", "cancelled"] as const;
export type RefundStatus = (typeof refundStatuses)[number];
/** The statuses that count against what the order received: open ones and succeeded ones. */
export const countedRefundStatuses = ["pending", "submitted", "succeeded"] as const satisfies readonly RefundStatus[];

/**
 * Money the merchant sends back from its own wallet for an order, through the RefundRouter, carrying `refundRef`.
 * The token and chain are the order's; `destination` null means the refund waits for one.
 */
export const refunds = pgTable(
  "refunds",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id").notNull().references(() => merchants.id),
    orderId: text("order_id").notNull().references(() => orders.id),
    /** The random bytes32 the refund transaction carries on-chain (`RefundSent.refundRef`). */
    refundRef: text("refund_ref").notNull(),
    amount: amount("amount").notNull(),
    reason: text("reason").notNull(),
    destination: text("destination"),
    /**
     * What the refund page's URL carries (`/refund/<token>`, the merchant's `refundUrl`): 192 random bits, like a
     * checkout token. Refunds made before this column existed got 244 random bits from two `gen_random_uuid()`.
     */
    pageToken: text("page_token")
      .notNull()
      .default(sql`replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')`),
    /** What the customer's claim link carries (`/claim/<token>`, `claimUrl`), for a refund created with `destination: "claim"`. */
    claimToken: text("claim_token"),
    /** When the customer set the destination through the claim link (once; it cannot change after). */
    destinationSetAt: time("destination_set_at"),
    status: text("status").$type<RefundStatus>().notNull(),
    /** The `RefundSent` log that carries it, once seen. */
    txHash: text("tx_hash"),
    logIndex: integer("log_index"),
    blockNumber: blockNumber("block_number"),
    blockHash: text("block_hash"),
    /** A transaction the merchant recorded by hash (sent another way: a plain transfer, a Safe), lower case; verified on-chain. */
    recordedTxHash: text("recorded_tx_hash"),
    /** What the customer's balance grew by (less than `amount` for a fee-on-transfer token), once seen. */
    amountDelivered: amount("amount_delivered"),
    failureReason: text("failure_reason"),
    createdAt: createdAt(),
    updatedAt: time("updated_at").notNull().defaultNow(),
    submittedAt: time("submitted_at"),
    succeededAt: time("succeeded_at"),
    cancelledAt: time("cancelled_at"),
    failedAt: time("failed_at"),
  },
  (t) => [
    uniqueIndex("refunds_refund_ref_key").on(t.refundRef),
    uniqueIndex("refunds_page_token_key").on(t.pageToken),
    uniqueIndex("refunds_claim_token_key").on(t.claimToken),
    // One transaction pays one refund.
    uniqueIndex("refunds_recorded_tx_key").on(t.recordedTxHash),
    index("refunds_merchant_idx").on(t.merchantId, t.id),
    index("refunds_order_idx").on(t.orderId),
    index("refunds_open_idx")
      .on(t.status)
      .where(sql`${t.status} in ('pending', 'submitted')`),
    check("refunds_amount_positive", sql`${t.amount} > 0`),
  ],
);

/** The outbox the webhook dispatcher delivers from: each row is written with the change it describes. */
export const events = pgTable(
  "events",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id").notNull().references(() => merchants.id),
    type: text("type").notNull(),
    orderId: text("order_id").references(() => orders.id),
    /** The event's `data`: the order as it was at that moment (and the payment, for payment events). */
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("events_merchant_idx").on(t.merchantId, t.id), index("events_order_idx").on(t.orderId)],
);

export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    merchantId: text("merchant_id").notNull().references(() => merchants.id),
    key: text("key").notNull(),
    /** SHA-256 over method, path and raw body: the same key with another request is refused. */
    requestHash: text("request_hash").notNull(),
    /** Null while the first request is still running. */
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    createdAt: createdAt(),
    expiresAt: time("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.key] }), index("idempotency_keys_expiry_idx").on(t.expiresAt)],
);

/** Signatures of signed requests seen inside the replay window; a second use is refused. */
export const requestSignatures = pgTable(
  "request_signatures",
  {
    merchantId: text("merchant_id").notNull().references(() => merchants.id),
    signature: text("signature").notNull(),
    expiresAt: time("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.signature] }), index("request_signatures_expiry_idx").on(t.expiresAt)],
);

/**
 * Rate-limit buckets shared by all API instances (api/rate-limits/limiter.ts): per key (`key:<api key id>`,
 * `ip:<client address>`), the time in ms at which the bucket would be full again.
 *
 * No index on `tat_ms`: every admitted batch rewrites it, and with an index there each rewrite is a new row version
 * in both indexes (no HOT update). On PGlite, which never vacuums, a busy key's row then grows without end and every
 * upsert pays for it. The housekeeping purge scans the table instead: one row per key active in the last minute.
 */
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  tatMs: doublePrecision("tat_ms").notNull(),
});

/** How far the confirmer has settled each chain. */
export const confirmerCursors = pgTable("confirmer_cursors", {
  chainId: integer("chain_id").primaryKey(),
  /** Every payment at or below this block is final in this database; the confirmer re-reads only above it. */
  settledBlock: blockNumber("settled_block").notNull(),
  /** The indexer's head at the last pass: confirmations are counted against it. */
  indexedHead: blockNumber("indexed_head").notNull(),
  /**
   * The deposit-transfer scan (api/confirmer/deposit-transfers.ts), written in the same transaction as the payments it
   * vouches for: every block of the rescan window (height, hash) whose transfers to watched deposit addresses are all
   * recorded, up to `through`. Null: never scanned, the next pass reads the whole window for every watched address.
   */
  depositScan: jsonb("deposit_scan").$type<DepositScan>(),
  updatedAt: time("updated_at").notNull().defaultNow(),
});

/** What `confirmer_cursors.deposit_scan` holds: decimal heights and lowercase block hashes. */
export type DepositScan = { through: string; blocks: [string, string][] };

/**
 * Leases with a deadline, one row per role (`confirmer`): the holder renews `expires_at` well before it passes; once
 * it has passed, another instance may take the row, raising `epoch`. Work done as the holder checks the row (holder,
 * epoch, deadline) inside its own transaction, so a holder that lost the lease while paused cannot commit.
 */
export const leaderLeases = pgTable("leader_leases", {
  name: text("name").primaryKey(),
  /** The instance id (INSTANCE_ID) of the current or last holder. */
  holder: text("holder").notNull(),
  /** Raised on every change of holder: the fencing token. */
  epoch: bigint("epoch", { mode: "number" }).notNull(),
  /** Database clock: after this, the lease is free to take. */
  expiresAt: time("expires_at").notNull(),
  acquiredAt: time("acquired_at").notNull(),
});

/**
 * Where a merchant wants its events POSTed. The signing secret is stored encrypted (AES-256-GCM under the operator's
 * SECRETS_KEY, see api/webhooks/secret-box.ts): signing needs it readable, a database dump must not give it away.
 */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id").notNull().references(() => merchants.id),
    url: text("url").notNull(),
    description: text("description"),
    /** Event types delivered here; null: all of them. */
    eventTypes: jsonb("event_types").$type<string[]>(),
    secretEncrypted: text("secret_encrypted").notNull(),
    /**
     * Secrets replaced by rotations, oldest first, each signing beside the current one until its `expiresAt` (the
     * rotation that replaced it + the overlap). A rotation drops the expired ones and keeps the newest MAX_PREVIOUS.
     */
    previousSecrets: jsonb("previous_secrets").$type<PreviousSecret[]>().notNull().default([]),
    disabledAt: time("disabled_at"),
    /** Why: the merchant, a 410 Gone, or days of failures. */
    disabledReason: text("disabled_reason"),
    /** The first failed attempt since the last successful one; null while deliveries succeed. */
    failingSince: time("failing_since"),
    createdAt: createdAt(),
    updatedAt: time("updated_at").notNull().defaultNow(),
    deletedAt: time("deleted_at"),
  },
  (t) => [index("webhook_endpoints_merchant_idx").on(t.merchantId, t.id)],
);

/** A rotated-out webhook secret (encrypted like `secret_encrypted`) and when it stops signing (ISO 8601). */
export type PreviousSecret = { secretEncrypted: string; expiresAt: string };

export type WebhookDeliveryStatus = "pending" | "delivered" | "failed";

/** One event to one endpoint: written with the event (the outbox), worked off by the dispatcher. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id").notNull().references(() => events.id),
    endpointId: text("endpoint_id").notNull().references(() => webhookEndpoints.id),
    merchantId: text("merchant_id").notNull().references(() => merchants.id),
    status: text("status").$type<WebhookDeliveryStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: time("next_attempt_at"),
    /** A dispatcher's lease: while in the future, no other dispatcher takes the row. A crash lets it lapse. */
    lockedUntil: time("locked_until"),
    lastAttemptAt: time("last_attempt_at"),
    lastError: text("last_error"),
    deliveredAt: time("delivered_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_event_endpoint_key").on(t.eventId, t.endpointId),
    index("webhook_deliveries_due_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'pending'`),
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.id),
  ],
);

/**
 * What became of an attempt: `in_flight` from just before the request is sent; `unknown` when the dispatcher stopped
 * (a crash, found when the delivery's lease lapsed and it was claimed again, or a shutdown) before it had an answer.
 */
export type WebhookAttemptOutcome = "in_flight" | "delivered" | "failed" | "unknown";

/** Every HTTP attempt of a delivery, for the merchant's log, written before the request is sent. */
export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id").notNull().references(() => webhookDeliveries.id),
    attemptedAt: time("attempted_at").notNull(),
    responseStatus: integer("response_status"),
    latencyMs: integer("latency_ms").notNull(),
    responseExcerpt: text("response_excerpt").notNull().default(""),
    error: text("error"),
    outcome: text("outcome").$type<WebhookAttemptOutcome>().notNull().default("failed"),
    /** When the answer arrived (or the attempt was given up as unknown); null while in flight. */
    finishedAt: time("finished_at"),
  },
  (t) => [index("webhook_attempts_delivery_idx").on(t.deliveryId, t.id)],
);

/** The console's people: an email, a scrypt password hash, and a TOTP second factor (secret encrypted at rest). */
export const consoleUsers = pgTable(
  "console_users",
  {
    id: text("id").primaryKey(),
    /** Lower-case. */
    email: text("email").notNull(),
    /** `scrypt$N$r$p$salt$hash` (api/console/access/passwords.ts). */
    passwordHash: text("password_hash").notNull(),
    /** The TOTP secret (base32), AES-256-GCM under SECRETS_KEY; null until enrolment starts. */
    totpSecretEncrypted: text("totp_secret_encrypted"),
    /** Set when the person proved the authenticator works; before that the secret is only a proposal. */
    totpEnabledAt: time("totp_enabled_at"),
    /** The last TOTP time step accepted: a code is good once. */
    totpLastStep: bigint("totp_last_step", { mode: "number" }),
    failedSignIns: integer("failed_sign_ins").notNull().default(0),
    lockedUntil: time("locked_until"),
    /** Operators work across merchants: create them, see every unmatched payment and the whole audit log. */
    isOperator: boolean("is_operator").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("console_users_email_key").on(t.email)],
);

export const consoleRoles = ["owner", "developer", "support", "finance"] as const;
export type ConsoleRole = (typeof consoleRoles)[number];

export const consoleMemberships = pgTable(
  "console_memberships",
  {
    userId: text("user_id").notNull().references(() => consoleUsers.id),
    merchantId: text("merchant_id").notNull().references(() => merchants.id),
    role: text("role").$type<ConsoleRole>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.merchantId] }), index("console_memberships_merchant_idx").on(t.merchantId)],
);

/** Signed-in browsers. Only the SHA-256 of the cookie's session id is stored. */
export const consoleSessions = pgTable(
  "console_sessions",
  {
    idHash: text("id_hash").primaryKey(),
    userId: text("user_id").notNull().references(() => consoleUsers.id),
    /** `password`: the password was right, the second factor (or its enrolment) is still due; `full`: signed in. */
    stage: text("stage").$type<"password" | "full">().notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    createdAt: createdAt(),
    lastSeenAt: time("last_seen_at").notNull(),
    expiresAt: time("expires_at").notNull(),
  },
  (t) => [index("console_sessions_user_idx").on(t.userId)],
);

/** One-use codes for when the authenticator is lost; SHA-256 of each, never the code. */
export const consoleRecoveryCodes = pgTable(
  "console_recovery_codes",
  {
    userId: text("user_id").notNull().references(() => consoleUsers.id),
    codeHash: text("code_hash").notNull(),
    usedAt: time("used_at"),
  },
  (t) => [primaryKey({ columns: [t.userId, t.codeHash] })],
);

/** A payout address change waiting for the new address's signature over `message`. */
export const payoutChallenges = pgTable("payout_challenges", {
  id: text("id").primaryKey(),
  merchantId: text("merchant_id").notNull().references(() => merchants.id),
  chainId: integer("chain_id").notNull(),
  address: text("address").notNull(),
  message: text("message").notNull(),
  createdBy: text("created_by").notNull(),
  createdAt: createdAt(),
  expiresAt: time("expires_at").notNull(),
  usedAt: time("used_at"),
});

/**
 * Every sensitive action in the console (and the admin CLI): who, when, from where, before and after. Append-only:
 * a trigger (migration 0005) refuses UPDATE, DELETE and TRUNCATE, and no code path writes anything but INSERT.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    at: time("at").notNull(),
    actorUserId: text("actor_user_id"),
    actorEmail: text("actor_email"),
    /** The merchant the action concerns; null for operator-wide and sign-in actions. */
    merchantId: text("merchant_id"),
    action: text("action").notNull(),
    target: text("target"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    before: jsonb("before").$type<Record<string, unknown>>(),
    after: jsonb("after").$type<Record<string, unknown>>(),
  },
  (t) => [index("audit_log_merchant_idx").on(t.merchantId, t.id), index("audit_log_actor_idx").on(t.actorUserId, t.id)],
);
