ALTER TABLE "stablegate"."refunds" ADD COLUMN "recorded_tx_hash" text;--> statement-breakpoint
ALTER TABLE "stablegate"."refunds" ADD COLUMN "amount_delivered" numeric(78, 0);--> statement-breakpoint
ALTER TABLE "stablegate"."refunds" ADD COLUMN "failed_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_recorded_tx_key" ON "stablegate"."refunds" USING btree ("recorded_tx_hash");