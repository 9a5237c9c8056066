/**
 * The confirmer's leader lease (api/confirmer/leader.ts) on both back-ends: one holder at a time, takeover once the
 * deadline passes, and fencing: a holder that lost the lease cannot commit confirmer work, and one frozen inside a
 * transaction does not hold the lead hostage.
 */
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Confirmer } from "../../api/confirmer/confirmer.js";
import { CONFIRMER_LEASE, Leadership, LostLeadershipError } from "../../api/confirmer/leader.js";
import type { Transaction } from "../../api/db/client.js";
import { confirmerCursors, leaderLeases } from "../../api/db/schema.js";
import { MemoryPaymentSource } from "../support/memory-source.js";
import { createHarness, describeBackends, LOCAL, type Harness } from "../support/harness.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeBackends("confirmer leader lease", (backend) => {
  let h: Harness;
  const started: Leadership[] = [];
  const lead = (instanceId: string, leaseMs = 600, log: string[] = []) => {
    const leadership = new Leadership({ handle: h.handle, instanceId, leaseMs, log: (m) => log.push(m) });
    started.push(leadership);
    return leadership;
  };
  /**
   * `holder`'s transaction: fenced, then held open until `resume()` (`inside` once the fence is taken), then `last`
   * and the commit.
   */
  const heldTransaction = (holder: Leadership, last: (tx: Transaction) => Promise<unknown>) => {
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    let fenced!: () => void;
    const inside = new Promise<void>((resolve) => (fenced = resolve));
    const transaction = h.db.transaction(async (tx) => {
      await holder.fence(tx);
      fenced();
      await paused;
      await last(tx);
    });
    return { inside, resume, transaction };
  };
  const row = async () => (await h.db.select().from(leaderLeases).where(eq(leaderLeases.name, CONFIRMER_LEASE)))[0];

  beforeAll(async () => {
    h = await createHarness(backend);
  });
  afterAll(async () => {
    for (const leadership of started) await leadership.stop();
    await h?.close();
  });

  it("gives the lease to one instance at a time, logs the change, and hands it over on stop", async () => {
    const logA: string[] = [];
    const logB: string[] = [];
    const a = lead("inst-a", 600, logA).start();
    await waitUntil(() => a.isLeader());
    const b = lead("inst-b", 600, logB).start();
    // Several of the lease's lengths: A renews, B never gets it.
    await sleep(1_500);
    expect(a.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
    expect((await row())?.holder).toBe("inst-a");
    const epochA = a.epoch!;
    await a.stop();
    await waitUntil(() => b.isLeader(), 2_000);
    expect(b.epoch).toBe(epochA + 1);
    expect(logA.some((m) => m.includes("inst-a leads"))).toBe(true);
    expect(logA.some((m) => m.includes("inst-a lost the lead"))).toBe(true);
    expect(logB.some((m) => m.includes(`inst-b leads (epoch ${epochA + 1}`))).toBe(true);
    await b.stop();
  });

  it("lets a follower take over within the lease when the holder stops renewing (killed or frozen)", async () => {
    const frozen = lead("inst-frozen", 600);
    await frozen.step(); // takes the lease, then never renews: a SIGSTOP or kill -9 as the database sees it
    expect(frozen.isLeader()).toBe(true);
    const stoppedAt = performance.now();
    const follower = lead("inst-follower", 600).start();
    await waitUntil(() => follower.isLeader(), 3_000);
    const waited = performance.now() - stoppedAt;
    expect(waited).toBeGreaterThanOrEqual(550); // not before the deadline
    expect(waited).toBeLessThan(2 * 600); // within the one lease it left, not a second one (room for a loaded machine)
    // The frozen one wakes: it knows by its own clock that it no longer leads, and its fence refuses.
    expect(frozen.isLeader()).toBe(false);
    await expect(h.db.transaction((tx) => frozen.fence(tx))).rejects.toThrow(LostLeadershipError);
    await follower.stop();
  });

  it("fails a stale holder's confirmer transaction on the database's word, even when its own clock says it leads", async () => {
    const stale = lead("inst-stale", 60_000);
    await stale.step();
    expect(stale.isLeader()).toBe(true);
    // The database's clock says the lease is over (a partition, a clock that ran slow); another instance takes it.
    await h.db.update(leaderLeases).set({ expiresAt: sql`clock_timestamp()` }).where(eq(leaderLeases.name, CONFIRMER_LEASE));
    const next = lead("inst-next", 60_000);
    await next.step();
    expect(next.isLeader()).toBe(true);
    expect(stale.isLeader()).toBe(true); // it has not noticed yet

    // A real confirmer pass under the stale lease: it throws and writes nothing.
    const source = new MemoryPaymentSource();
    source.setHead(LOCAL, 10n);
    const confirmer = new Confirmer({ db: h.db, source, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, fence: (tx) => stale.fence(tx) });
    await expect(confirmer.confirmChain(LOCAL)).rejects.toThrow(LostLeadershipError);
    expect(await h.db.select().from(confirmerCursors).where(eq(confirmerCursors.chainId, LOCAL))).toEqual([]);
    expect(stale.isLeader()).toBe(false);
    // The new holder's pass commits.
    const current = new Confirmer({ db: h.db, source, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, fence: (tx) => next.fence(tx) });
    await current.confirmChain(LOCAL);
    expect((await h.db.select().from(confirmerCursors).where(eq(confirmerCursors.chainId, LOCAL)))[0]?.indexedHead).toBe(10n);
    await next.stop();
  });

  if (backend === "postgres") {
    it("keeps a takeover waiting while the holder's transaction is open, and ends one frozen inside it", async () => {
      const holder = lead("inst-holder", 600);
      await holder.step();
      // The holder's transaction: fenced, then frozen (the process stopped between two statements).
      const { inside, resume, transaction } = heldTransaction(holder, (tx) => tx.execute(sql`select 1`));
      const outcome = transaction.then(() => "committed", (error: Error) => error.message);
      await inside;
      const frozenAt = performance.now();
      const follower = lead("inst-taker", 600).start();
      await waitUntil(() => follower.isLeader(), 3_000);
      // Postgres ended the frozen session (idle in transaction for half the lease) before the lease ran out, so the
      // takeover did not wait for it to wake.
      expect(performance.now() - frozenAt).toBeLessThan(2 * 600); // not held past the lease (room for a loaded machine)
      resume();
      expect(await outcome).toMatch(/terminat|idle|connection/i);
      await follower.stop();
    });

    it("makes a takeover of an expired lease wait for the holder's fenced transaction, which commits first", async () => {
      const holder = lead("inst-busy", 60_000);
      await holder.step();
      const { inside, resume, transaction } = heldTransaction(holder, (tx) =>
        tx
          .insert(confirmerCursors)
          .values({ chainId: 777, settledBlock: 0n, indexedHead: 77n })
          .onConflictDoUpdate({ target: confirmerCursors.chainId, set: { indexedHead: 77n } }),
      );
      await inside;
      // The database's clock says the lease is over while the transaction is still open.
      await h.db.update(leaderLeases).set({ expiresAt: sql`clock_timestamp()` }).where(eq(leaderLeases.name, CONFIRMER_LEASE));
      const taker = lead("inst-waiting", 60_000);
      const takeover = taker.step();
      const first = await Promise.race([takeover.then(() => "taken"), sleep(500).then(() => "waiting")]);
      expect(first).toBe("waiting");
      expect(taker.isLeader()).toBe(false);
      resume();
      await transaction; // its fence held: it commits
      await takeover;
      expect(taker.isLeader()).toBe(true);
      expect(taker.epoch).toBe(holder.epoch! + 1);
      expect((await h.db.select().from(confirmerCursors).where(eq(confirmerCursors.chainId, 777)))[0]?.indexedHead).toBe(77n);
      // Its next transaction is refused.
      await expect(h.db.transaction((tx) => holder.fence(tx))).rejects.toThrow(LostLeadershipError);
      await taker.stop();
      await holder.stop();
    });

    it("keeps renewing while its own confirmer transaction runs longer than the lease", async () => {
      const log: string[] = [];
      const holder = lead("inst-long-pass", 600, log).start();
      await waitUntil(() => holder.isLeader());
      const epoch = holder.epoch;
      const follower = lead("inst-hopeful", 600).start();
      // One statement of 1.5 s (active, so the idle timeout does not apply): two and a half of the lease's lengths.
      await h.db.transaction(async (tx) => {
        await holder.fence(tx);
        await tx.execute(sql`select pg_sleep(1.5)`);
      });
      expect(holder.isLeader()).toBe(true);
      expect(holder.epoch).toBe(epoch);
      expect(follower.isLeader()).toBe(false);
      expect(log.filter((m) => m.includes("lost the lead"))).toEqual([]);
      await follower.stop();
      await holder.stop();
    });
  }
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000) {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("timed out");
    await sleep(10);
  }
}
