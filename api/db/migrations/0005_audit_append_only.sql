-- The audit log is append-only: whatever code or person connects, rows cannot be changed or removed.
CREATE OR REPLACE FUNCTION "stablegate"."audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_log_no_update_delete" BEFORE UPDATE OR DELETE ON "stablegate"."audit_log"
  FOR EACH ROW EXECUTE FUNCTION "stablegate"."audit_log_append_only"();
--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "stablegate"."audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "stablegate"."audit_log_append_only"();
