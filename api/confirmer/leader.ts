/**
 * One confirmer at a time across API instances: a lease with a deadline in Postgres (`leader_leases`, row
 * `confirmer`), renewed by its holder every `leaseMs / 5` on a connection of its own. A holder that is killed,
 * frozen (SIGSTOP) or cut off stops renewing, and once the deadline (database clock) has passed a follower, asking
 * every `leaseMs / 10`, takes the row and raises its epoch.
 *
 * Fencing: every confirmer transaction starts with `fence(tx)`, which re-reads the row for this holder and epoch
 * with an unexpired deadline and keeps it `FOR KEY SHARE` until the transaction ends. A takeover locks the row
 * `FOR UPDATE` first, which that lock blocks: it waits for a holder's open transaction, and a holder whose lease
 * was taken fails its fence: no confirmer work commits after its lease was lost. The holder's renewal is a plain
 * update of the deadline, which `FOR KEY SHARE` does not block, so a long confirmer transaction never keeps its own
 * lease from being renewed. A holder frozen inside a transaction would make the takeover wait;
 * `idle_in_transaction_session_timeout` (half the lease) makes Postgres end that session, so its transaction rolls
 * back before the lease runs out. A follower that finds the lease held tries again when its deadline comes (at
 * most `leaseMs / 10` later). PGlite runs the same lease (one process, so it always wins it).
 */
import { sql } from "drizzle-orm";
import pg from "pg";
import type { DatabaseHandle, Transaction } from "../db/client.js";

export const CONFIRMER_LEASE = "confirmer";

export class LostLeadershipError extends Error {
  override name = "LostLeadershipError";
}

export type LeadershipOptions = {
  handle: DatabaseHandle;
  instanceId: string;
  /** Lease length; renewal every fifth of it, takeover attempts every tenth. */
  leaseMs?: number;
  name?: string;
  log?: (message: string, error?: unknown) => void;
};

type Query = (text: string, params: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

export class Leadership {
  readonly instanceId: string;
  readonly leaseMs: number;
  readonly #name: string;
  readonly #log: NonNullable<LeadershipOptions["log"]>;
  readonly #handle: DatabaseHandle;
  readonly #query: Query;
  readonly #closePool: () => Promise<void>;
  /** Our epoch while we hold the lease. */
  #epoch: number | null = null;
  /** Local monotonic deadline: the send time of the last successful renewal plus the lease (never later than the database's). */
  #deadline = 0;
  /** A follower's wait before its next attempt: until the holder's deadline, at most `retryEveryMs`. */
  #retryInMs = 0;
  /** The lease's row exists (inserted by whoever asked first); from then on, a takeover is an update. */
  #rowExists = false;
  #timer: NodeJS.Timeout | null = null;
  #tick: Promise<void> | null = null;
  #stopped = false;
  #lastError: string | undefined;
  readonly #listeners = new Set<(leading: boolean) => void>();

  constructor({ handle, instanceId, leaseMs = 1_000, name = CONFIRMER_LEASE, log = (m, e) => console.error(m, e ?? "") }: LeadershipOptions) {
    this.instanceId = instanceId;
    this.leaseMs = leaseMs;
    this.#name = name;
    this.#log = log;
    this.#handle = handle;
    if (handle.kind === "postgres") {
      // Its own connection, so that renewals never queue behind a busy pool; the statement timeout keeps a renewal
      // from outliving the lease it renews.
      const pool = new pg.Pool({
        ...handle.pool.options,
        max: 1,
        application_name: `stablegate-${instanceId}-leader`.slice(0, 63),
        statement_timeout: leaseMs,
      });
      pool.on("error", (error) => this.#noteError("leader connection", error));
      this.#query = (text, params) => pool.query(text, params);
      this.#closePool = () => pool.end();
    } else {
      const client = handle.client;
      this.#query = async (text, params) => ({ rows: (await client.query<Record<string, unknown>>(text, params)).rows });
      this.#closePool = async () => {};
    }
  }

  get renewEveryMs(): number {
    return Math.max(50, Math.floor(this.leaseMs / 5));
  }

  get retryEveryMs(): number {
    return Math.max(25, Math.floor(this.leaseMs / 10));
  }

  isLeader(): boolean {
    return this.#epoch !== null && performance.now() < this.#deadline;
  }

  get epoch(): number | null {
    return this.isLeader() ? this.#epoch : null;
  }

  /** Called with true on gaining the lead, false on losing it. */
  onChange(listener: (leading: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): this {
    this.#stopped = false;
    const run = async () => {
      if (this.#stopped) return;
      this.#tick = this.step();
      await this.#tick;
      if (!this.#stopped) this.#timer = setTimeout(run, this.#epoch !== null ? this.renewEveryMs : this.#retryInMs);
    };
    void run();
    return this;
  }

  /** One renewal (holder) or takeover attempt (follower). */
  async step(): Promise<void> {
    const sent = performance.now();
    this.#retryInMs = this.retryEveryMs;
    try {
      if (this.#epoch !== null) await this.#renew(sent);
      else await this.#acquire(sent);
      this.#lastError = undefined;
    } catch (error) {
      this.#noteError(this.#epoch !== null ? "renewing the lease" : "asking for the lease", error);
    }
    if (this.#epoch !== null && performance.now() >= this.#deadline) this.#lose("its lease ran out unrenewed");
  }

  /**
   * The first statement of every confirmer transaction: throws LostLeadershipError unless this instance holds the
   * lease, and holds the lease row against a takeover until the transaction ends.
   */
  async fence(tx: Transaction): Promise<void> {
    const epoch = this.epoch;
    if (epoch === null) throw new LostLeadershipError(`confirmer: ${this.instanceId} does not hold the lead`);
    // On Postgres, in the same statement (one round trip): `set local idle_in_transaction_session_timeout`.
    const idleTimeout =
      this.#handle.kind === "postgres" ? sql`, set_config('idle_in_transaction_session_timeout', ${String(Math.floor(this.leaseMs / 2))}, true)` : sql``;
    const result = (await tx.execute(sql`
      select epoch${idleTimeout} from stablegate.leader_leases
      where name = ${this.#name} and holder = ${this.instanceId} and epoch = ${epoch} and expires_at > clock_timestamp()
      for key share`)) as unknown as { rows: unknown[] };
    if (result.rows.length === 0) {
      this.#lose("another instance took the lease");
      throw new LostLeadershipError(`confirmer: ${this.instanceId} lost the lead (epoch ${epoch})`);
    }
  }

  /** Stops renewing; a held lease is handed back at once (its deadline set to now) so a follower takes over. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#tick;
    const epoch = this.#epoch;
    if (epoch !== null) {
      await this.#query(
        "update stablegate.leader_leases set expires_at = clock_timestamp() where name = $1 and holder = $2 and epoch = $3",
        [this.#name, this.instanceId, epoch],
      ).catch(() => {});
      this.#lose("it is stopping");
    }
    await this.#closePool().catch(() => {});
  }

  async #acquire(sent: number) {
    const epoch = this.#rowExists ? await this.#takeOver() : await this.#create();
    if (epoch === null || this.#stopped) return;
    this.#epoch = epoch;
    this.#deadline = sent + this.leaseMs;
    this.#log(`confirmer: ${this.instanceId} leads (epoch ${this.#epoch}, lease ${this.leaseMs} ms)`);
    for (const listener of this.#listeners) listener(true);
  }

  /** The first holder ever inserts the row; if another did, the lease is taken over like any other. */
  async #create(): Promise<number | null> {
    const { rows } = await this.#query(
      `insert into stablegate.leader_leases (name, holder, epoch, expires_at, acquired_at)
       values ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond', clock_timestamp())
       on conflict (name) do nothing
       returning epoch`,
      [this.#name, this.instanceId, this.leaseMs],
    );
    this.#rowExists = true;
    return rows.length > 0 ? Number(rows[0]!.epoch) : this.#takeOver();
  }

  /**
   * Takes an expired lease, raising its epoch. `FOR UPDATE` waits for the holder's fenced transactions; a renewal
   * that landed meanwhile leaves the row unexpired, and nothing is taken. Otherwise notes when the deadline comes.
   */
  async #takeOver(): Promise<number | null> {
    const { rows } = await this.#query(
      `with expired as (
         select name from stablegate.leader_leases where name = $1 and expires_at <= clock_timestamp() for update
       ), taken as (
         update stablegate.leader_leases l
         set holder = $2, epoch = l.epoch + 1, expires_at = clock_timestamp() + $3 * interval '1 millisecond', acquired_at = clock_timestamp()
         from expired where l.name = expired.name
         returning l.epoch
       )
       select (select epoch from taken) as epoch,
         (select extract(epoch from expires_at - clock_timestamp()) * 1000 from stablegate.leader_leases where name = $1) as left_ms`,
      [this.#name, this.instanceId, this.leaseMs],
    );
    const [row] = rows;
    if (row?.epoch !== null && row?.epoch !== undefined) return Number(row.epoch);
    // No row at all (deleted by hand): the next attempt inserts it.
    if (row?.left_ms === null || row?.left_ms === undefined) this.#rowExists = false;
    else this.#retryInMs = Math.min(this.retryEveryMs, Math.max(1, Math.ceil(Number(row.left_ms)) + 1));
    return null;
  }

  async #renew(sent: number) {
    const { rows } = await this.#query(
      `update stablegate.leader_leases set expires_at = clock_timestamp() + $4 * interval '1 millisecond'
       where name = $1 and holder = $2 and epoch = $3 returning epoch`,
      [this.#name, this.instanceId, this.#epoch, this.leaseMs],
    );
    if (rows.length === 0) return this.#lose("another instance took the lease");
    this.#deadline = sent + this.leaseMs;
  }

  #lose(why: string) {
    if (this.#epoch === null) return;
    const epoch = this.#epoch;
    this.#epoch = null;
    this.#log(`confirmer: ${this.instanceId} lost the lead (epoch ${epoch}): ${why}`);
    for (const listener of this.#listeners) listener(false);
  }

  #noteError(what: string, error: unknown) {
    const message = (error as Error)?.message ?? String(error);
    if (message !== this.#lastError) this.#log(`confirmer: ${what} failed: ${message}`);
    this.#lastError = message;
  }
}
