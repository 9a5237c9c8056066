CREATE TABLE "stablegate"."refunds" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"order_id" text NOT NULL,
	"refund_ref" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"reason" text NOT NULL,
	"destination" text,
	"status" text NOT NULL,
	"tx_hash" text,
	"log_index" integer,
	"block_number" bigint,
	"block_hash" text,
	"failure_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"submitted_at" timestamp with time zone,
	"succeeded_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	CONSTRAINT "refunds_amount_positive" CHECK ("stablegate"."refunds"."amount" > 0)
);
--> statement-breakpoint
ALTER TABLE "stablegate"."orders" ADD COLUMN "amount_refunded" numeric(78, 0) DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stablegate"."refunds" ADD CONSTRAINT "refunds_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "stablegate"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stablegate"."refunds" ADD CONSTRAINT "refunds_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "stablegate"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_refund_ref_key" ON "stablegate"."refunds" USING btree ("refund_ref");--> statement-breakpoint
CREATE INDEX "refunds_merchant_idx" ON "stablegate"."refunds" USING btree ("merchant_id","id");--> statement-breakpoint
CREATE INDEX "refunds_order_idx" ON "stablegate"."refunds" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "refunds_open_idx" ON "stablegate"."refunds" USING btree ("status") WHERE "stablegate"."refunds"."status" in ('pending', 'submitted');