/**
 * Requests per API key per minute, counted in this process (fixed one-minute windows). With several API
 * instances behind a load balancer each one counts on its own, so the effective limit is per instance.
 */
export type RateDecision = { allowed: boolean; limit: number; remaining: number; retryAfterSeconds: number };

export class RateLimiter {
  readonly #windows = new Map<string, { start: number; count: number }>();
  readonly #windowMs: number;
  readonly limit: number;

  constructor({ perMinute, windowMs = 60_000 }: { perMinute: number; windowMs?: number }) {
    this.limit = perMinute;
    this.#windowMs = windowMs;
  }

  hit(key: string, now = Date.now()): RateDecision {
    const start = now - (now % this.#windowMs);
    let window = this.#windows.get(key);
    if (!window || window.start !== start) {
      if (this.#windows.size > 100_000) this.#evict(start);
      window = { start, count: 0 };
      this.#windows.set(key, window);
    }
    window.count += 1;
    const allowed = window.count <= this.limit;
    return {
      allowed,
      limit: this.limit,
      remaining: Math.max(0, this.limit - window.count),
      retryAfterSeconds: Math.max(1, Math.ceil((start + this.#windowMs - now) / 1000)),
    };
  }

  #evict(currentStart: number) {
    for (const [key, window] of this.#windows) if (window.start !== currentStart) this.#windows.delete(key);
  }
}
