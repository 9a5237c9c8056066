CREATE TABLE "stablegate"."leader_leases" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"epoch" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"acquired_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "stablegate"."webhook_attempts" ADD COLUMN "outcome" text DEFAULT 'failed' NOT NULL;--> statement-breakpoint
ALTER TABLE "stablegate"."webhook_attempts" ADD COLUMN "finished_at" timestamp with time zone;--> statement-breakpoint
UPDATE "stablegate"."webhook_attempts" SET "outcome" = 'delivered', "finished_at" = "attempted_at" WHERE "error" IS NULL AND "response_status" BETWEEN 200 AND 299;
