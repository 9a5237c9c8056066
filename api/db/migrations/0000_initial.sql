CREATE SCHEMA IF NOT EXISTS "stablegate";
--> statement-breakpoint
CREATE TABLE "stablegate"."api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"prefix" text NOT NULL,
	"hash" text NOT NULL,
	"label" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "stablegate"."confirmer_cursors" (
	"chain_id" integer PRIMARY KEY NOT NULL,
	"settled_block" bigint NOT NULL,
	"indexed_head" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stablegate"."events" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"type" text NOT NULL,
	"order_id" text,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stablegate"."idempotency_keys" (
	"merchant_id" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"response_status" integer,
	"response_body" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_merchant_id_key_pk" PRIMARY KEY("merchant_id","key")
);
--> statement-breakpoint
CREATE TABLE "stablegate"."merchants" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"confirmations" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"order_expiry_seconds" integer,
	"underpayment_tolerance_bps" integer DEFAULT 0 NOT NULL,
	"overpayment_tolerance_bps" integer DEFAULT 0 NOT NULL,
	"require_signed_requests" boolean DEFAULT false NOT NULL,
	"request_signing_secret" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stablegate"."orders" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"merchant_order_id" text NOT NULL,
	"order_ref" text NOT NULL,
	"chain_id" integer NOT NULL,
	"router_address" text NOT NULL,
	"token_symbol" text NOT NULL,
	"token_address" text NOT NULL,
	"token_decimals" integer NOT NULL,
	"payout_address" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"amount_received" numeric(78, 0) DEFAULT 0 NOT NULL,
	"status" text NOT NULL,
	"confirmations" integer NOT NULL,
	"underpayment_tolerance_bps" integer NOT NULL,
	"overpayment_tolerance_bps" integer NOT NULL,
	"description" text,
	"customer_id" text,
	"metadata" jsonb,
	"success_url" text,
	"cancel_url" text,
	"expires_at" timestamp with time zone NOT NULL,
	"cancelled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "orders_amount_positive" CHECK ("stablegate"."orders"."amount" > 0)
);
--> statement-breakpoint
CREATE TABLE "stablegate"."payments" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"merchant_id" text NOT NULL,
	"chain_id" integer NOT NULL,
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"block_timestamp" timestamp with time zone NOT NULL,
	"router_address" text NOT NULL,
	"order_ref" text NOT NULL,
	"merchant_address" text NOT NULL,
	"payer_address" text NOT NULL,
	"token_address" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"state" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"confirmed_at" timestamp with time zone,
	"reverted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "stablegate"."payout_addresses" (
	"merchant_id" text NOT NULL,
	"chain_id" integer NOT NULL,
	"address" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payout_addresses_merchant_id_chain_id_pk" PRIMARY KEY("merchant_id","chain_id")
);
--> statement-breakpoint
CREATE TABLE "stablegate"."request_signatures" (
	"merchant_id" text NOT NULL,
	"signature" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "request_signatures_merchant_id_signature_pk" PRIMARY KEY("merchant_id","signature")
);
--> statement-breakpoint
CREATE TABLE "stablegate"."unmatched_payments" (
	"id" text PRIMARY KEY NOT NULL,
	"chain_id" integer NOT NULL,
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"block_timestamp" timestamp with time zone NOT NULL,
	"router_address" text NOT NULL,
	"order_ref" text NOT NULL,
	"merchant_address" text NOT NULL,
	"payer_address" text NOT NULL,
	"token_address" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"reason" text NOT NULL,
	"order_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reverted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "stablegate"."api_keys" ADD CONSTRAINT "api_keys_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "stablegate"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stablegate"."events" ADD CONSTRAINT "events_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "stablegate"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stablegate"."events" ADD CONSTRAINT "events_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "stablegate"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stablegate"."idempotency_keys" ADD CONSTRAINT "idempotency_keys_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "stablegate"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stablegate"."orders" ADD CONSTRAINT "orders_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "stablegate"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stablegate"."payments" ADD CONSTRAINT "payments_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "stablegate"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stablegate"."payments" ADD CONSTRAINT "payments_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "stablegate"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stablegate"."payout_addresses" ADD CONSTRAINT "payout_addresses_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "stablegate"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stablegate"."request_signatures" ADD CONSTRAINT "request_signatures_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "stablegate"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_hash_key" ON "stablegate"."api_keys" USING btree ("hash");--> statement-breakpoint
CREATE INDEX "api_keys_merchant_idx" ON "stablegate"."api_keys" USING btree ("merchant_id");--> statement-breakpoint
CREATE INDEX "events_merchant_idx" ON "stablegate"."events" USING btree ("merchant_id","id");--> statement-breakpoint
CREATE INDEX "events_order_idx" ON "stablegate"."events" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "idempotency_keys_expiry_idx" ON "stablegate"."idempotency_keys" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_order_ref_key" ON "stablegate"."orders" USING btree ("order_ref");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_merchant_order_id_key" ON "stablegate"."orders" USING btree ("merchant_id","merchant_order_id");--> statement-breakpoint
CREATE INDEX "orders_merchant_id_idx" ON "stablegate"."orders" USING btree ("merchant_id","id");--> statement-breakpoint
CREATE INDEX "orders_expiry_idx" ON "stablegate"."orders" USING btree ("expires_at") WHERE "stablegate"."orders"."status" in ('pending', 'underpaid');--> statement-breakpoint
CREATE UNIQUE INDEX "payments_log_key" ON "stablegate"."payments" USING btree ("chain_id","tx_hash","log_index");--> statement-breakpoint
CREATE INDEX "payments_order_idx" ON "stablegate"."payments" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "payments_merchant_idx" ON "stablegate"."payments" USING btree ("merchant_id","id");--> statement-breakpoint
CREATE INDEX "payments_confirming_idx" ON "stablegate"."payments" USING btree ("chain_id","block_number") WHERE "stablegate"."payments"."state" = 'confirming';--> statement-breakpoint
CREATE INDEX "request_signatures_expiry_idx" ON "stablegate"."request_signatures" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "unmatched_payments_log_key" ON "stablegate"."unmatched_payments" USING btree ("chain_id","tx_hash","log_index");