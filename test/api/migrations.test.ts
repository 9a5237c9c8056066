import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openDatabase } from "../../api/db/client.js";
import { migrate, MIGRATIONS_DIR } from "../../api/db/migrate.js";
import { describeBackends, openTestDatabase, type TestDatabase } from "./support/harness.js";

describeBackends("migrations", (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(() => database?.drop());

  it("applies once and records every migration", async () => {
    expect(await migrate(database.handle.db)).toEqual([]);
    const { rows } = (await database.handle.db.execute(sql`select tag from stablegate.migrations order by tag`)) as unknown as { rows: { tag: string }[] };
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

  // Only Postgres has several instances: an embedded PGlite database belongs to one process.
  if (backend === "postgres") it("lets several instances start together: one migrates, the others wait", async () => {
    const fresh = await openTestDatabase("postgres");
    try {
      await fresh.handle.db.execute(sql`drop schema stablegate cascade`);
      const instances = await Promise.all([0, 1, 2].map(() => openDatabase({ url: fresh.url, poolSize: 2 })));
      const applied = await Promise.all(instances.map((i) => migrate(i.db)));
      expect(applied.flat()).toEqual(["0000_initial", "0001_webhooks", "0002_api_key_scopes"]);
      await Promise.all(instances.map((i) => i.close()));
    } finally {
      await fresh.drop();
    }
  });
});
