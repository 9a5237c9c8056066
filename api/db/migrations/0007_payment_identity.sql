-- A payment is named by (chain, tx hash, its ordinal among the transaction's payment logs), not by its log index,
-- which a reorg that re-includes the transaction can move. Existing rows get their ordinal from their log index order.
DROP INDEX "stablegate"."payments_log_key";--> statement-breakpoint
DROP INDEX "stablegate"."unmatched_payments_log_key";--> statement-breakpoint
ALTER TABLE "stablegate"."payments" ADD COLUMN "log_ordinal" integer;--> statement-breakpoint
UPDATE "stablegate"."payments" AS p SET "log_ordinal" = o."ordinal" FROM (
  SELECT "id", (row_number() OVER (PARTITION BY "chain_id", "tx_hash" ORDER BY "log_index") - 1)::integer AS "ordinal"
  FROM "stablegate"."payments"
) AS o WHERE p."id" = o."id";--> statement-breakpoint
ALTER TABLE "stablegate"."payments" ALTER COLUMN "log_ordinal" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "stablegate"."payments" ADD COLUMN "revert_reason" text;--> statement-breakpoint
UPDATE "stablegate"."payments" SET "revert_reason" = 'reorged_before_confirmation' WHERE "state" = 'reverted';--> statement-breakpoint
ALTER TABLE "stablegate"."unmatched_payments" ADD COLUMN "log_ordinal" integer;--> statement-breakpoint
UPDATE "stablegate"."unmatched_payments" AS u SET "log_ordinal" = o."ordinal" FROM (
  SELECT "id", (row_number() OVER (PARTITION BY "chain_id", "tx_hash" ORDER BY "log_index") - 1)::integer AS "ordinal"
  FROM "stablegate"."unmatched_payments"
) AS o WHERE u."id" = o."id";--> statement-breakpoint
ALTER TABLE "stablegate"."unmatched_payments" ALTER COLUMN "log_ordinal" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "payments_identity_key" ON "stablegate"."payments" USING btree ("chain_id","tx_hash","log_ordinal");--> statement-breakpoint
CREATE UNIQUE INDEX "unmatched_payments_identity_key" ON "stablegate"."unmatched_payments" USING btree ("chain_id","tx_hash","log_ordinal");
