ALTER TABLE "stablegate"."confirmer_cursors" ADD COLUMN "deposit_scan" jsonb;--> statement-breakpoint
CREATE INDEX "orders_deposit_address_idx" ON "stablegate"."orders" USING btree ("chain_id","deposit_address") WHERE "stablegate"."orders"."deposit_address" is not null;--> statement-breakpoint
CREATE INDEX "payments_chain_block_idx" ON "stablegate"."payments" USING btree ("chain_id","block_number");--> statement-breakpoint
CREATE INDEX "unmatched_payments_chain_block_idx" ON "stablegate"."unmatched_payments" USING btree ("chain_id","block_number");