/**
 * Applies the numbered SQL migrations in `api/db/migrations/` (written by drizzle-kit from `schema.ts`) in order,
 * all in one transaction under an advisory lock, so several API instances starting together migrate once.
 * Each applied migration is recorded with a checksum; an applied file that later changed is an error.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import type { Database } from "./client.js";

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");
/** Arbitrary constant shared by every instance: "stablegate migrations". */
const MIGRATION_LOCK = 0x5747_6d69;

type Migration = { tag: string; statements: string[]; checksum: string };

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const journal = JSON.parse(await readFile(path.join(dir, "meta", "_journal.json"), "utf8")) as {
    entries: { idx: number; tag: string }[];
  };
  const entries = [...journal.entries].sort((a, b) => a.idx - b.idx);
  return Promise.all(
    entries.map(async ({ tag }) => {
      const text = await readFile(path.join(dir, `${tag}.sql`), "utf8");
      return {
        tag,
        statements: text.split("--> statement-breakpoint").map((s) => s.trim()).filter(Boolean),
        checksum: createHash("sha256").update(text).digest("hex"),
      };
    }),
  );
}

/** Brings the database up to date; returns the tags it applied. */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await readMigrations(dir);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await tx.execute(sql`create schema if not exists stablegate`);
    await tx.execute(sql`create table if not exists stablegate.migrations (
      tag text primary key, checksum text not null, applied_at timestamptz not null default now())`);
    const { rows } = (await tx.execute(sql`select tag, checksum from stablegate.migrations`)) as unknown as {
      rows: { tag: string; checksum: string }[];
    };
    const applied = new Map(rows.map((row) => [row.tag, row.checksum]));
    const done: string[] = [];
    for (const migration of migrations) {
      const checksum = applied.get(migration.tag);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(`Migration ${migration.tag} was changed after it was applied; add a new migration instead`);
        }
        continue;
      }
      for (const statement of migration.statements) await tx.execute(sql.raw(statement));
      await tx.execute(sql`insert into stablegate.migrations (tag, checksum) values (${migration.tag}, ${migration.checksum})`);
      done.push(migration.tag);
    }
    return done;
  });
}
