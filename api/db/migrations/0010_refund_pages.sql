ALTER TABLE "stablegate"."refunds" ADD COLUMN "page_token" text DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '') NOT NULL;--> statement-breakpoint
ALTER TABLE "stablegate"."refunds" ADD COLUMN "claim_token" text;--> statement-breakpoint
ALTER TABLE "stablegate"."refunds" ADD COLUMN "destination_set_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_page_token_key" ON "stablegate"."refunds" USING btree ("page_token");--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_claim_token_key" ON "stablegate"."refunds" USING btree ("claim_token");