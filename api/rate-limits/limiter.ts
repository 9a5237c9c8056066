/**
 * Request budgets shared by every API instance on the same database: a token bucket per key (an API key, or a
 * client address on the public routes), stored as one number, the generic cell rate algorithm's "theoretical
 * arrival time" (TAT). Each request moves the TAT one interval (period / limit) later; a request that would put it
 * more than one period ahead of now is refused. There are no windows, so no boundary lets twice the limit through:
 * any stretch of t seconds admits at most `limit + limit * t / period` requests, whichever instances answer.
 *
 * One statement per batch, atomic on Postgres and on PGlite: the requests of one key that arrive in the same turn of
 * the event loop, or while that key's statement is in flight, queue on this instance and then go to the database
 * together, as one conditional upsert that admits all of them at once when the whole batch fits. So a busy key costs
 * one row update per round trip, not one per request (which would serialise every request of the key on its row
 * lock, and on PGlite run one statement per request on the event loop's thread). Only a batch that does not fit in
 * full falls back to one statement per request, so the admitted count stays exact at the limit.
 */
import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { rateLimits } from "../db/schema.js";

export type RateDecision = {
  allowed: boolean;
  limit: number;
  /** Requests that would still be admitted right now. */
  remaining: number;
  /** Seconds until the whole budget is available again. */
  resetSeconds: number;
  /** When refused: seconds until one request is admitted again. */
  retryAfterSeconds: number;
};

/**
 * The conditional upsert, built once and prepared once per connection (every limiter sends the same text): the key's
 * TAT moves `step` on from max(TAT, now) unless that puts it more than `periodMs` ahead of now; a new key's row
 * starts at `tatMs` (now + step).
 */
function prepareAdmit(db: Database) {
  const nowMs = sql`${sql.placeholder("nowMs")}::float8`;
  const next = sql`greatest(${rateLimits.tatMs}, ${nowMs}) + ${sql.placeholder("step")}::float8`;
  return db
    .insert(rateLimits)
    .values({ key: sql.placeholder("key"), tatMs: sql`${sql.placeholder("tatMs")}::float8` })
    .onConflictDoUpdate({ target: rateLimits.key, set: { tatMs: next }, setWhere: sql`${next} - ${nowMs} <= ${sql.placeholder("periodMs")}::float8` })
    .returning({ tatMs: rateLimits.tatMs })
    .prepare("stablegate_rate_limit_admit");
}

type Waiter = { nowMs: number; resolve(decision: RateDecision): void; reject(error: unknown): void };

export class RateLimiter {
  readonly #db: Database;
  readonly limit: number;
  readonly periodMs: number;
  readonly #intervalMs: number;
  /** Requests waiting for their key's statement in flight to finish. */
  readonly #queued = new Map<string, Waiter[]>();
  readonly #inFlight = new Set<string>();
  readonly #admitStatement: ReturnType<typeof prepareAdmit>;

  constructor({ db, limit, periodMs = 60_000 }: { db: Database; limit: number; periodMs?: number }) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number >= 1, not ${limit}`);
    this.#db = db;
    this.limit = limit;
    this.periodMs = periodMs;
    this.#intervalMs = periodMs / limit;
    this.#admitStatement = prepareAdmit(db);
  }

  hit(key: string, nowMs: number): Promise<RateDecision> {
    return new Promise<RateDecision>((resolve, reject) => {
      const queue = this.#queued.get(key) ?? [];
      queue.push({ nowMs, resolve, reject });
      this.#queued.set(key, queue);
      if (this.#inFlight.has(key)) return;
      // The first statement waits for the end of this turn of the event loop, so that the requests read in the same
      // turn go with it. Without that an embedded database (PGlite answers within the turn) would see every request
      // alone: nothing else is read while its statement runs.
      this.#inFlight.add(key);
      setImmediate(() => void this.#drain(key));
    });
  }

  /** Sends the key's queued requests to the database, a batch per round trip, until none are left. */
  async #drain(key: string): Promise<void> {
    try {
      for (let batch = this.#queued.get(key); batch?.length; batch = this.#queued.get(key)) {
        this.#queued.delete(key);
        try {
          const decisions = await this.#decide(key, batch.map((waiter) => waiter.nowMs));
          batch.forEach((waiter, i) => waiter.resolve(decisions[i]!));
        } catch (error) {
          for (const waiter of batch) waiter.reject(error);
        }
      }
    } finally {
      this.#inFlight.delete(key);
    }
  }

  /** Decisions for `times.length` requests of one key, in order: all admitted in one statement when they fit. */
  async #decide(key: string, times: number[]): Promise<RateDecision[]> {
    // A batch larger than the whole budget can never fit (and a new key's first insert is unconditional).
    if (times.length > 1 && times.length <= this.limit) {
      const nowMs = Math.max(...times);
      const tatMs = await this.#admit(key, nowMs, times.length);
      if (tatMs !== undefined) return times.map((_, i) => this.#admitted(tatMs - (times.length - 1 - i) * this.#intervalMs, nowMs));
    }
    const decisions: RateDecision[] = [];
    for (const nowMs of times) {
      const tatMs = await this.#admit(key, nowMs, 1);
      decisions.push(tatMs !== undefined ? this.#admitted(tatMs, nowMs) : await this.#refused(key, nowMs));
    }
    return decisions;
  }

  /** Moves the key's TAT `count` intervals on when all `count` requests fit in the budget; its new TAT, or none. */
  async #admit(key: string, nowMs: number, count: number): Promise<number | undefined> {
    const step = count * this.#intervalMs;
    const [row] = await this.#admitStatement.execute({ key, nowMs, step, tatMs: nowMs + step, periodMs: this.periodMs });
    return row?.tatMs;
  }

  #admitted(tatMs: number, nowMs: number): RateDecision {
    const ahead = tatMs - nowMs;
    return {
      allowed: true,
      limit: this.limit,
      remaining: Math.max(0, Math.floor((this.periodMs - ahead) / this.#intervalMs + 1e-9)),
      resetSeconds: Math.max(0, Math.ceil(ahead / 1000)),
      retryAfterSeconds: 0,
    };
  }

  async #refused(key: string, nowMs: number): Promise<RateDecision> {
    const [row] = await this.#db.select({ tatMs: rateLimits.tatMs }).from(rateLimits).where(eq(rateLimits.key, key));
    const ahead = (row?.tatMs ?? nowMs) - nowMs;
    return {
      allowed: false,
      limit: this.limit,
      remaining: 0,
      resetSeconds: Math.max(1, Math.ceil(ahead / 1000)),
      retryAfterSeconds: Math.max(1, Math.ceil((ahead + this.#intervalMs - this.periodMs) / 1000)),
    };
  }
}
