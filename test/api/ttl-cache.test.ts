/** The hot-path cache: entries expire on the app's clock, and concurrent misses of one key share a single load. */
import { describe, expect, it } from "vitest";
import { TtlCache } from "../../api/lib/ttl-cache.js";

/** A load that counts its calls and answers when told to. */
function gatedLoad<V>(value: V) {
  const calls: { release(): void }[] = [];
  const load = () =>
    new Promise<V>((resolve) => {
      calls.push({ release: () => resolve(value) });
    });
  return { load, calls };
}

describe("TtlCache", () => {
  it("asks once for a key missed by many concurrent requests, and gives each the loaded value", async () => {
    const cache = new TtlCache<string>({ ttlMs: 2_000 });
    const { load, calls } = gatedLoad("merchant-1");
    const answers = Array.from({ length: 100 }, () => cache.get("key", 1_000, load));
    expect(calls).toHaveLength(1);
    calls[0]!.release();
    expect(await Promise.all(answers)).toEqual(Array(100).fill("merchant-1"));
    // Cached until the TTL is over, then read again.
    expect(await cache.get("key", 2_999, load)).toBe("merchant-1");
    expect(calls).toHaveLength(1);
    const again = cache.get("key", 3_000, load);
    expect(calls).toHaveLength(2);
    calls[1]!.release();
    expect(await again).toBe("merchant-1");
  });

  it("shares a load per key only: another key loads for itself", async () => {
    const cache = new TtlCache<string>({ ttlMs: 2_000 });
    const a = gatedLoad("a");
    const b = gatedLoad("b");
    const first = cache.get("a", 0, a.load);
    const second = cache.get("b", 0, b.load);
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
    a.calls[0]!.release();
    b.calls[0]!.release();
    expect([await first, await second]).toEqual(["a", "b"]);
  });

  it("keeps nothing that was not found, and lets a failed load fail every waiter, then loads afresh", async () => {
    const cache = new TtlCache<string>({ ttlMs: 2_000 });
    let loads = 0;
    expect(await cache.get("gone", 0, async () => (loads++, undefined))).toBeUndefined();
    expect(await cache.get("gone", 1, async () => (loads++, undefined))).toBeUndefined();
    expect(loads).toBe(2);

    const failing = () => Promise.reject(new Error("database down"));
    const waiters = [cache.get("k", 0, failing), cache.get("k", 0, failing)];
    for (const waiter of waiters) await expect(waiter).rejects.toThrow("database down");
    expect(await cache.get("k", 0, async () => "back")).toBe("back");
  });

  it("with a TTL of 0 caches nothing: every request reads for itself", async () => {
    const cache = new TtlCache<string>({ ttlMs: 0 });
    const { load, calls } = gatedLoad("v");
    const answers = [cache.get("key", 0, load), cache.get("key", 0, load)];
    expect(calls).toHaveLength(2);
    for (const call of calls) call.release();
    expect(await Promise.all(answers)).toEqual(["v", "v"]);
  });
});
