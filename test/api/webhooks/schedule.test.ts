import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_SCHEDULE_MS } from "../../../api/config.js";
import { parseDurations as parseRetrySchedule } from "../../../api/lib/durations.js";
import { DEFAULT_DISABLE_AFTER_MS, nextAttemptAt, shouldDisableEndpoint } from "../../../api/webhooks/schedule.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const lastAttemptAt = new Date("2030-01-01T00:00:00Z");
const waitAfter = (options: Omit<Parameters<typeof nextAttemptAt>[0], "lastAttemptAt">) => {
  const next = nextAttemptAt({ lastAttemptAt, ...options });
  return next === null ? null : next.getTime() - lastAttemptAt.getTime();
};

describe("retry schedule", () => {
  it("defaults to 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 24 h", () => {
    expect(DEFAULT_RETRY_SCHEDULE_MS).toEqual([5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 24 * HOUR]);
    const withoutJitter = DEFAULT_RETRY_SCHEDULE_MS.map((_, i) => waitAfter({ failedAttempts: i + 1, random: () => 0.5 }));
    expect(withoutJitter).toEqual(DEFAULT_RETRY_SCHEDULE_MS);
  });

  it("gives up after the last scheduled retry", () => {
    expect(waitAfter({ failedAttempts: DEFAULT_RETRY_SCHEDULE_MS.length + 1 })).toBeNull();
    expect(waitAfter({ failedAttempts: 3, schedule: [100, 200] })).toBeNull();
    expect(waitAfter({ failedAttempts: 1, schedule: [] })).toBeNull();
  });

  it("jitters each wait by up to ±20%, deterministically for a given random source", () => {
    expect(waitAfter({ failedAttempts: 2, random: () => 0 })).toBe(4 * MINUTE);
    expect(waitAfter({ failedAttempts: 2, random: () => 0.75 })).toBe(5.5 * MINUTE);
    expect(waitAfter({ failedAttempts: 2, random: () => 0.999999 })).toBeCloseTo(6 * MINUTE, -1);
    const draws = [0.1, 0.9, 0.3];
    const fixed = () => {
      let i = 0;
      return () => draws[i++ % draws.length] as number;
    };
    const first = [1, 2, 3].map((n) => waitAfter({ failedAttempts: n, random: fixed() }));
    const second = [1, 2, 3].map((n) => waitAfter({ failedAttempts: n, random: fixed() }));
    expect(first).toEqual(second);
  });

  it("keeps every jittered wait within ±20% of the schedule (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: DEFAULT_RETRY_SCHEDULE_MS.length }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, r) => {
          const base = DEFAULT_RETRY_SCHEDULE_MS[n - 1] as number;
          const wait = waitAfter({ failedAttempts: n, random: () => r }) as number;
          return wait >= Math.floor(base * 0.8) && wait <= Math.ceil(base * 1.2);
        },
      ),
    );
  });

  it("uses a configured schedule, e.g. a shrunk one in tests", () => {
    const schedule = parseRetrySchedule("100ms,200ms,1s");
    expect([1, 2, 3, 4].map((n) => waitAfter({ failedAttempts: n, schedule, jitterRatio: 0 }))).toEqual([100, 200, 1000, null]);
  });

  it("waits for the receiver's Retry-After when it is later than the schedule", () => {
    expect(waitAfter({ failedAttempts: 1, random: () => 0.5, retryAfterMs: 60 * SECOND })).toBe(60 * SECOND);
  });

  it("keeps to the schedule when Retry-After asks for less", () => {
    expect(waitAfter({ failedAttempts: 2, random: () => 0.5, retryAfterMs: 10 * SECOND })).toBe(5 * MINUTE);
  });

  it("caps Retry-After (default 24 h, configurable)", () => {
    expect(waitAfter({ failedAttempts: 1, random: () => 0.5, retryAfterMs: 30 * DAY })).toBe(DAY);
    expect(waitAfter({ failedAttempts: 1, random: () => 0.5, retryAfterMs: 30 * DAY, maxRetryAfterMs: HOUR })).toBe(HOUR);
  });

  it("does not let Retry-After extend a used-up schedule", () => {
    expect(waitAfter({ failedAttempts: 8, retryAfterMs: MINUTE })).toBeNull();
  });

  it("refuses nonsense arguments", () => {
    expect(() => waitAfter({ failedAttempts: 0 })).toThrow(RangeError);
    expect(() => waitAfter({ failedAttempts: 1, jitterRatio: 1 })).toThrow(RangeError);
  });
});

describe("parseRetrySchedule", () => {
  it("reads durations with units", () => {
    expect(parseRetrySchedule("5s, 5m, 30m, 2h, 5h, 10h, 24h")).toEqual(DEFAULT_RETRY_SCHEDULE_MS);
    expect(parseRetrySchedule("250ms,1.5s,1d")).toEqual([250, 1500, DAY]);
    expect(parseRetrySchedule("")).toEqual([]);
  });

  it.each(["5", "5 seconds", "-5s", "5s,,5m", "1w"])("rejects %j, naming the bad item", (text) => {
    expect(() => parseRetrySchedule(text)).toThrow(/is not a duration/);
  });
});

describe("shouldDisableEndpoint", () => {
  const now = new Date("2030-01-10T00:00:00Z");
  const ago = (ms: number) => new Date(now.getTime() - ms);

  it("disables at once an endpoint that answered 410 Gone, saying so", () => {
    const decision = shouldDisableEndpoint({ failingSince: ago(MINUTE), exhaustedEvents: 0, goneAt: ago(MINUTE) }, { now });
    expect(decision).toEqual({ disable: true, reason: "the endpoint answered 410 Gone at 2030-01-09T23:59:00.000Z" });
  });

  it("keeps a healthy endpoint", () => {
    expect(shouldDisableEndpoint({ failingSince: null, exhaustedEvents: 0 }, { now })).toEqual({ disable: false });
  });

  it("keeps an endpoint that has failed for less than the limit (default 5 days)", () => {
    expect(DEFAULT_DISABLE_AFTER_MS).toBe(5 * DAY);
    expect(shouldDisableEndpoint({ failingSince: ago(5 * DAY - 1), exhaustedEvents: 12 }, { now })).toEqual({ disable: false });
  });

  it("keeps an endpoint failing for days on which no event has used up its attempts yet", () => {
    expect(shouldDisableEndpoint({ failingSince: ago(6 * DAY), exhaustedEvents: 0 }, { now })).toEqual({ disable: false });
  });

  it("disables an endpoint that has failed every delivery for the limit and given up on events, with the reason", () => {
    const decision = shouldDisableEndpoint(
      { failingSince: ago(5 * DAY), exhaustedEvents: 3, lastError: "the receiver answered HTTP 502 Bad Gateway" },
      { now },
    );
    expect(decision).toEqual({
      disable: true,
      reason:
        "every delivery has failed since 2030-01-05T00:00:00.000Z (5.0 days) and 3 events used up all attempts; " +
        "last error: the receiver answered HTTP 502 Bad Gateway",
    });
  });

  it("takes a configurable limit", () => {
    const failures = { failingSince: ago(2 * HOUR), exhaustedEvents: 1 };
    expect(shouldDisableEndpoint(failures, { now, disableAfterMs: HOUR })).toMatchObject({
      disable: true,
      reason: expect.stringContaining("(2.0 hours) and 1 event used up"),
    });
    expect(shouldDisableEndpoint(failures, { now, disableAfterMs: 3 * HOUR })).toEqual({ disable: false });
  });
});
