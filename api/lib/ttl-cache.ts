/**
 * A small time-bounded cache for the hot path (API key → merchant, merchant → payout addresses). Entries live
 * `ttlMs` on the app's clock, so a change made elsewhere (a revoked key, a new payout address) reaches this
 * instance within that time. At `maxEntries` it starts over rather than tracking recency.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor({ ttlMs, maxEntries = 10_000 }: { ttlMs: number; maxEntries?: number }) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  async get(key: string, now: number, load: () => Promise<V | undefined>): Promise<V | undefined> {
    if (this.#ttlMs > 0) {
      const hit = this.#entries.get(key);
      if (hit && hit.expiresAt > now) return hit.value;
    }
    const value = await load();
    if (value !== undefined && this.#ttlMs > 0) {
      if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
      this.#entries.set(key, { value, expiresAt: now + this.#ttlMs });
    }
    return value;
  }
}
