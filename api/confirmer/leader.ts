/**
 * One confirmer at a time across API instances: the leader holds a Postgres session advisory lock on a
 * connection of its own; if that connection drops, the lock is released and another instance takes over.
 * PGlite is single-process, so its one instance always leads.
 */
import pg from "pg";
import type { DatabaseHandle } from "../db/client.js";

/** Arbitrary constant shared by every instance: "stablegate confirmer". */
export const CONFIRMER_LOCK = 0x5347_4366;

export type Lease = {
  /** False once the lock's connection is gone. */
  readonly held: boolean;
  release(): Promise<void>;
};

export async function tryLead(handle: DatabaseHandle): Promise<Lease | null> {
  if (handle.kind === "pglite") return { held: true, release: async () => {} };
  const client = new pg.Client({ ...handle.pool.options, application_name: "stablegate-confirmer-lock" });
  await client.connect();
  let held = true;
  const lost = () => {
    held = false;
  };
  client.on("error", lost);
  client.on("end", lost);
  try {
    const { rows } = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1) as locked", [CONFIRMER_LOCK]);
    if (!rows[0]?.locked) {
      await client.end();
      return null;
    }
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return {
    get held() {
      return held;
    },
    async release() {
      if (!held) return;
      held = false;
      await client.query("select pg_advisory_unlock($1)", [CONFIRMER_LOCK]).catch(() => {});
      await client.end().catch(() => {});
    },
  };
}
