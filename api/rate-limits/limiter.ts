/**
 * Request budgets shared by every API instance on the same database: a token bucket per key (an API key, or a
 * client address on the public routes), stored as one number, the generic cell rate algorithm's "theoretical
 * arrival time" (TAT). Each request moves the TAT one interval (period / limit) later; a request that would put it
 * more than one period ahead of now is refused. There are no windows, so no boundary lets twice the limit through:
 * any stretch of t seconds admits at most `limit + limit * t / period` requests, whichever instances answer.
 *
 * One statement per request (an upsert whose update is conditional), atomic on Postgres and on PGlite.
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

export class RateLimiter {
  readonly #db: Database;
  readonly limit: number;
  readonly periodMs: number;
  readonly #intervalMs: number;

  constructor({ db, limit, periodMs = 60_000 }: { db: Database; limit: number; periodMs?: number }) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number >= 1, not ${limit}`);
    this.#db = db;
    this.limit = limit;
    this.periodMs = periodMs;
    this.#intervalMs = periodMs / limit;
  }

  async hit(key: string, nowMs: number): Promise<RateDecision> {
    const next = sql`greatest(${rateLimits.tatMs}, ${nowMs}::float8) + ${this.#intervalMs}::float8`;
    const [admitted] = await this.#db
      .insert(rateLimits)
      .values({ key, tatMs: nowMs + this.#intervalMs })
      .onConflictDoUpdate({ target: rateLimits.key, set: { tatMs: next }, setWhere: sql`${next} - ${nowMs}::float8 <= ${this.periodMs}::float8` })
      .returning({ tatMs: rateLimits.tatMs });
    if (admitted) {
      const ahead = admitted.tatMs - nowMs;
      return {
        allowed: true,
        limit: this.limit,
        remaining: Math.max(0, Math.floor((this.periodMs - ahead) / this.#intervalMs + 1e-9)),
        resetSeconds: Math.max(0, Math.ceil(ahead / 1000)),
        retryAfterSeconds: 0,
      };
    }
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
