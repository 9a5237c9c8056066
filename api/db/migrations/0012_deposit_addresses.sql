CREATE TABLE "stablegate"."sweeper_transactions" (
	"tx_hash" text PRIMARY KEY NOT NULL,
	"chain_id" integer NOT NULL,
	"sweeper" text NOT NULL,
	"nonce" integer NOT NULL,
	"raw_tx" text NOT NULL,
	"status" text NOT NULL,
	"items" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "stablegate"."merchants" ADD COLUMN "payment_methods" text[] DEFAULT '{router,transfer}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "stablegate"."orders" ADD COLUMN "deposit_address" text;--> statement-breakpoint
ALTER TABLE "stablegate"."orders" ADD COLUMN "payment_methods" text[] DEFAULT '{router}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "stablegate"."orders" ALTER COLUMN "payment_methods" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "stablegate"."payments" ADD COLUMN "method" text DEFAULT 'router' NOT NULL;--> statement-breakpoint
ALTER TABLE "stablegate"."payments" ADD COLUMN "forward_status" text;--> statement-breakpoint
ALTER TABLE "stablegate"."payments" ADD COLUMN "forward_tx_hash" text;--> statement-breakpoint
ALTER TABLE "stablegate"."payments" ADD COLUMN "forward_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stablegate"."payments" ADD COLUMN "forward_error" text;--> statement-breakpoint
ALTER TABLE "stablegate"."payments" ADD COLUMN "forward_retry_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "stablegate"."unmatched_payments" ADD COLUMN "method" text DEFAULT 'router' NOT NULL;--> statement-breakpoint
ALTER TABLE "stablegate"."unmatched_payments" ADD COLUMN "forward_status" text;--> statement-breakpoint
ALTER TABLE "stablegate"."unmatched_payments" ADD COLUMN "forward_tx_hash" text;--> statement-breakpoint
ALTER TABLE "stablegate"."unmatched_payments" ADD COLUMN "forward_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stablegate"."unmatched_payments" ADD COLUMN "forward_error" text;--> statement-breakpoint
ALTER TABLE "stablegate"."unmatched_payments" ADD COLUMN "forward_retry_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "sweeper_transactions_open_idx" ON "stablegate"."sweeper_transactions" USING btree ("chain_id") WHERE "stablegate"."sweeper_transactions"."status" = 'sent';--> statement-breakpoint
CREATE INDEX "orders_deposit_watch_idx" ON "stablegate"."orders" USING btree ("chain_id","expires_at") WHERE "stablegate"."orders"."deposit_address" is not null;--> statement-breakpoint
CREATE INDEX "payments_forward_due_idx" ON "stablegate"."payments" USING btree ("chain_id") WHERE "stablegate"."payments"."forward_status" in ('pending', 'sent', 'failed');--> statement-breakpoint
CREATE INDEX "unmatched_payments_forward_due_idx" ON "stablegate"."unmatched_payments" USING btree ("chain_id") WHERE "stablegate"."unmatched_payments"."forward_status" in ('pending', 'sent', 'failed');