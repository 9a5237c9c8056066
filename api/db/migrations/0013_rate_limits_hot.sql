-- Every admitted batch rewrites tat_ms: without an index on it the rewrite is a HOT update, so a busy key keeps one
-- row version instead of one per batch (PGlite never vacuums). The housekeeping purge scans the small table instead.
DROP INDEX "stablegate"."rate_limits_tat_idx";