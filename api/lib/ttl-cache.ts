/**
 * A small time-bounded cache for the hot path (API key → merchant, merchant → payout addresses). Entries live
 * `ttlMs` on the app's clock, so a change made elsewhere (a revoked key, a new payout address) reaches this
 * instance within that time. At `maxEntries` it starts over rather than tracking recency.
 *
 * Misses of one key while its load is in flight wait for that load instead of starting their own: when an entry
 * expires under many concurrent requests, the database is asked once, not once per request.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #loading = new Map<string, Promise<V | undefined>>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor({ ttlMs, maxEntries = 10_000 }: { ttlMs: number; maxEntries?: number }) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  get(key: string, now: number, load: () => Promise<V | undefined>): Promise<V | undefined> {
    // Without caching every request reads for itself.
    if (this.#ttlMs <= 0) return load();
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > now) return Promise.resolve(hit.value);
    const pending = this.#loading.get(key);
    if (pending) return pending;
    const loading = this.#load(key, now, load).finally(() => this.#loading.delete(key));
    this.#loading.set(key, loading);
    return loading;
  }

  async #load(key: string, now: number, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const value = await load();
    if (value !== undefined) {
      if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
      this.#entries.set(key, { value, expiresAt: now + this.#ttlMs });
    }
    return value;
  }
}
