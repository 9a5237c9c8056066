import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { openDatabase } from "../../api/db/client.js";
import { migrate, MIGRATIONS_DIR, readMigrations } from "../../api/db/migrate.js";
import { describeBackends, openTestDatabase, type OpenTestDatabase } from "../support/database.js";

/** drizzle-kit's journal, as much of it as the tests change; the rest is written back as it was. */
const journalSchema = z.looseObject({ entries: z.array(z.looseObject({ tag: z.string() })) });
/** The rows of a raw `execute`, checked to have the selected columns. */
const rowsOf = <T extends z.ZodType>(row: T, result: unknown) => z.object({ rows: z.array(row) }).parse(result).rows;

describeBackends("migrations", (backend) => {
  let database: OpenTestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(() => database?.drop());

  it("applies once and records every migration", async () => {
    expect(await migrate(database.handle.db)).toEqual([]);
    const rows = rowsOf(z.object({ tag: z.string() }), await database.handle.db.execute(sql`select tag from stablegate.migrations order by tag`));
    expect(rows.map((r) => r.tag)).toContain("0000_initial");
  });

  it("refuses to run when an applied migration was edited", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "stablegate-migrations-"));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await writeFile(path.join(dir, "0000_initial.sql"), "select 1;");
      await expect(migrate(database.handle.db, dir)).rejects.toThrow(/0000_initial was changed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("gives orders made before checkout tokens a random one of their own", async () => {
    const fresh = await openTestDatabase(backend);
    const dir = await mkdtemp(path.join(tmpdir(), "stablegate-migrations-"));
    try {
      await fresh.handle.db.execute(sql`drop schema stablegate cascade`);
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      const journalFile = path.join(dir, "meta", "_journal.json");
      const journal = journalSchema.parse(JSON.parse(await readFile(journalFile, "utf8")));
      journal.entries = journal.entries.filter((e) => e.tag < "0003_checkout_token");
      await writeFile(journalFile, JSON.stringify(journal));
      await migrate(fresh.handle.db, dir);
      await fresh.handle.db.execute(sql`insert into stablegate.merchants (id, name) values ('mch_old', 'Old Shop')`);
      for (const id of ["ord_old1", "ord_old2"]) {
        await fresh.handle.db.execute(sql`insert into stablegate.orders (id, merchant_id, merchant_order_id, order_ref, chain_id, router_address,
          token_symbol, token_address, token_decimals, payout_address, amount, status, confirmations, underpayment_tolerance_bps,
          overpayment_tolerance_bps, expires_at) values (${id}, 'mch_old', ${id}, ${id}, 31337, '0x1', 'USDT', '0x2', 6, '0x3', 1, 'pending', 0, 0, 0, now())`);
      }
      expect(await migrate(fresh.handle.db)).toContain("0003_checkout_token");
      const rows = rowsOf(z.object({ checkout_token: z.string() }), await fresh.handle.db.execute(sql`select checkout_token from stablegate.orders order by id`));
      expect(rows).toHaveLength(2);
      for (const { checkout_token } of rows) expect(checkout_token).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[0]!.checkout_token).not.toBe(rows[1]!.checkout_token);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await fresh.drop();
    }
  });

  it("gives payments stored before 0007 their identity: the ordinal among their transaction's logs", async () => {
    const fresh = await openTestDatabase(backend);
    const dir = await mkdtemp(path.join(tmpdir(), "stablegate-migrations-"));
    try {
      // The database as 0006 left it, with two payments of one transaction and one of another.
      await fresh.handle.db.execute(sql`drop schema stablegate cascade`);
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      const journalPath = path.join(dir, "meta", "_journal.json");
      const journal = journalSchema.parse(JSON.parse(await readFile(journalPath, "utf8")));
      journal.entries = journal.entries.filter((e) => e.tag < "0007");
      await writeFile(journalPath, JSON.stringify(journal));
      await migrate(fresh.handle.db, dir);
      const { db } = fresh.handle;
      await db.execute(sql`insert into stablegate.merchants (id, name) values ('mer_1', 'Shop')`);
      await db.execute(sql`insert into stablegate.orders (id, merchant_id, merchant_order_id, order_ref, chain_id, router_address,
        token_symbol, token_address, token_decimals, payout_address, amount, status, confirmations, underpayment_tolerance_bps,
        overpayment_tolerance_bps, expires_at) values ('ord_1', 'mer_1', 'A-1', '0xref', 1, '0xr', 'USDT', '0xt', 6, '0xp', 10,
        'paid', 1, 0, 0, now())`);
      for (const [id, tx, logIndex, state] of [["pay_1", "0xaa", 4, "confirmed"], ["pay_2", "0xaa", 1, "confirmed"], ["pay_3", "0xbb", 7, "reverted"]] as const) {
        await db.execute(sql`insert into stablegate.payments (id, order_id, merchant_id, chain_id, tx_hash, log_index, block_number,
          block_hash, block_timestamp, router_address, order_ref, merchant_address, payer_address, token_address, amount, state)
          values (${id}, 'ord_1', 'mer_1', 1, ${tx}, ${logIndex}, 5, '0xb', now(), '0xr', '0xref', '0xp', '0xq', '0xt', 5, ${state})`);
      }
      // 0007 and whatever came after it, nothing before.
      expect(await migrate(db)).toEqual((await readMigrations()).map((m) => m.tag).filter((tag) => tag >= "0007"));
      const rows = rowsOf(
        z.looseObject({ id: z.string(), log_ordinal: z.number(), revert_reason: z.string().nullable() }),
        await db.execute(sql`select id, log_ordinal, revert_reason from stablegate.payments order by id`),
      );
      expect(rows).toEqual([
        { id: "pay_1", log_ordinal: 1, revert_reason: null },
        { id: "pay_2", log_ordinal: 0, revert_reason: null },
        { id: "pay_3", log_ordinal: 0, revert_reason: "reorged_before_confirmation" },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await fresh.drop();
    }
  });

  // Only Postgres has several instances: an embedded PGlite database belongs to one process.
  if (backend === "postgres") it("lets several instances start together: one migrates, the others wait", async () => {
    const fresh = await openTestDatabase("postgres");
    try {
      await fresh.handle.db.execute(sql`drop schema stablegate cascade`);
      const instances = await Promise.all([0, 1, 2].map(() => openDatabase({ url: fresh.url, poolSize: 2 })));
      const applied = await Promise.all(instances.map((i) => migrate(i.db)));
      // Every migration applied exactly once, by one of the instances.
      expect(applied.flat()).toEqual((await readMigrations()).map((m) => m.tag));
      await Promise.all(instances.map((i) => i.close()));
    } finally {
      await fresh.drop();
    }
  });
});
