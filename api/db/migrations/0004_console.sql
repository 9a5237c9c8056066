CREATE TABLE "stablegate"."audit_log" (
	"id" text PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor_user_id" text,
	"actor_email" text,
	"merchant_id" text,
	"action" text NOT NULL,
	"target" text,
	"ip" text,
	"user_agent" text,
	"before" jsonb,
	"after" jsonb
);
--> statement-breakpoint
CREATE TABLE "stablegate"."console_memberships" (
	"user_id" text NOT NULL,
	"merchant_id" text NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "console_memberships_user_id_merchant_id_pk" PRIMARY KEY("user_id","merchant_id")
);
--> statement-breakpoint
CREATE TABLE "stablegate"."console_recovery_codes" (
	"user_id" text NOT NULL,
	"code_hash" text NOT NULL,
	"used_at" timestamp with time zone,
	CONSTRAINT "console_recovery_codes_user_id_code_hash_pk" PRIMARY KEY("user_id","code_hash")
);
--> statement-breakpoint
CREATE TABLE "stablegate"."console_sessions" (
	"id_hash" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"stage" text NOT NULL,
	"ip" text,
	"user_agent" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stablegate"."console_users" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"password_hash" text NOT NULL,
	"totp_secret_encrypted" text,
	"totp_enabled_at" timestamp with time zone,
	"totp_last_step" bigint,
	"failed_sign_ins" integer DEFAULT 0 NOT NULL,
	"locked_until" timestamp with time zone,
	"is_operator" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stablegate"."payout_challenges" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"chain_id" integer NOT NULL,
	"address" text NOT NULL,
	"message" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "stablegate"."api_keys" ADD COLUMN "last_used_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "stablegate"."unmatched_payments" ADD COLUMN "resolution" text;--> statement-breakpoint
ALTER TABLE "stablegate"."unmatched_payments" ADD COLUMN "attached_order_id" text;--> statement-breakpoint
ALTER TABLE "stablegate"."unmatched_payments" ADD COLUMN "resolution_note" text;--> statement-breakpoint
ALTER TABLE "stablegate"."unmatched_payments" ADD COLUMN "resolved_by" text;--> statement-breakpoint
ALTER TABLE "stablegate"."unmatched_payments" ADD COLUMN "resolved_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "stablegate"."console_memberships" ADD CONSTRAINT "console_memberships_user_id_console_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "stablegate"."console_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stablegate"."console_memberships" ADD CONSTRAINT "console_memberships_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "stablegate"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stablegate"."console_recovery_codes" ADD CONSTRAINT "console_recovery_codes_user_id_console_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "stablegate"."console_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stablegate"."console_sessions" ADD CONSTRAINT "console_sessions_user_id_console_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "stablegate"."console_users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stablegate"."payout_challenges" ADD CONSTRAINT "payout_challenges_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "stablegate"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_merchant_idx" ON "stablegate"."audit_log" USING btree ("merchant_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "stablegate"."audit_log" USING btree ("actor_user_id","id");--> statement-breakpoint
CREATE INDEX "console_memberships_merchant_idx" ON "stablegate"."console_memberships" USING btree ("merchant_id");--> statement-breakpoint
CREATE INDEX "console_sessions_user_idx" ON "stablegate"."console_sessions" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "console_users_email_key" ON "stablegate"."console_users" USING btree ("email");--> statement-breakpoint
ALTER TABLE "stablegate"."unmatched_payments" ADD CONSTRAINT "unmatched_payments_attached_order_id_orders_id_fk" FOREIGN KEY ("attached_order_id") REFERENCES "stablegate"."orders"("id") ON DELETE no action ON UPDATE no action;