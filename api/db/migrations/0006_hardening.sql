-- UNLOGGED (by hand; drizzle-kit does not model it): a bucket need not survive a crash, and skipping the WAL keeps
-- the per-request write off the disk-flush path.
CREATE UNLOGGED TABLE "stablegate"."rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"tat_ms" double precision NOT NULL
);
--> statement-breakpoint
ALTER TABLE "stablegate"."webhook_endpoints" ADD COLUMN "previous_secrets" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
-- Carry over a rotation still in its overlap.
UPDATE "stablegate"."webhook_endpoints" SET "previous_secrets" = jsonb_build_array(jsonb_build_object('secretEncrypted', "previous_secret_encrypted", 'expiresAt', to_char("previous_secret_expires_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))) WHERE "previous_secret_encrypted" IS NOT NULL AND "previous_secret_expires_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "rate_limits_tat_idx" ON "stablegate"."rate_limits" USING btree ("tat_ms");--> statement-breakpoint
ALTER TABLE "stablegate"."webhook_endpoints" DROP COLUMN "previous_secret_encrypted";--> statement-breakpoint
ALTER TABLE "stablegate"."webhook_endpoints" DROP COLUMN "previous_secret_expires_at";