/**
 * When a failed delivery is tried again, and when an endpoint that keeps failing is disabled.
 *
 * The first attempt is immediate; after the n-th failed attempt the next waits `schedule[n - 1]`, ±20% jitter so
 * that the retries of many events that failed together (a merchant's outage) do not arrive together. The default
 * is close to Standard Webhooks' (roughly exponential): retries over about 42 hours, then the event is given up
 * (it stays in the events list for replay and can be redelivered by hand).
 */

import { DEFAULT_RETRY_SCHEDULE_MS } from "../config.js";
import { DAY, HOUR, MINUTE } from "../lib/durations.js";

export const DEFAULT_JITTER_RATIO = 0.2;
/** A receiver's Retry-After can delay a retry beyond the schedule, but not by more than this. */
export const DEFAULT_MAX_RETRY_AFTER_MS = DAY;
/** An endpoint failing every delivery for this long (and having given up on an event) is disabled. */
export const DEFAULT_DISABLE_AFTER_MS = 5 * DAY;

export type RetryOptions = {
  /** Attempts made so far for this event and endpoint, all of them failed (1 after the first failure). */
  failedAttempts: number;
  lastAttemptAt: Date;
  /** The waits after each failed attempt; its length is the number of retries. */
  schedule?: readonly number[];
  /** Each wait is scaled by a factor drawn uniformly from [1 - jitterRatio, 1 + jitterRatio). */
  jitterRatio?: number;
  /** Returns a number in [0, 1); inject a fixed one for deterministic tests. */
  random?: () => number;
  /** From the last response's Retry-After header. */
  retryAfterMs?: number | undefined;
  maxRetryAfterMs?: number;
};

/**
 * When to try again: the jittered scheduled wait, or the receiver's Retry-After if that is later (capped at
 * `maxRetryAfterMs`). Null when the schedule is used up: give the event up for this endpoint.
 */
export function nextAttemptAt({
  failedAttempts,
  lastAttemptAt,
  schedule = DEFAULT_RETRY_SCHEDULE_MS,
  jitterRatio = DEFAULT_JITTER_RATIO,
  random = Math.random,
  retryAfterMs,
  maxRetryAfterMs = DEFAULT_MAX_RETRY_AFTER_MS,
}: RetryOptions): Date | null {
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1)
    throw new RangeError(`failedAttempts must be at least 1, not ${failedAttempts}`);
  if (jitterRatio < 0 || jitterRatio >= 1) throw new RangeError(`jitterRatio must be in [0, 1), not ${jitterRatio}`);
  const wait = schedule[failedAttempts - 1];
  if (wait === undefined) return null;
  const jittered = wait * (1 + jitterRatio * (2 * random() - 1));
  const asked = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, maxRetryAfterMs);
  return new Date(lastAttemptAt.getTime() + Math.round(Math.max(jittered, asked)));
}

/** What the dispatcher knows about an endpoint's recent deliveries. */
export type EndpointFailures = {
  /** The first failed attempt since the endpoint's last successful delivery; null when the latest attempt succeeded. */
  failingSince: Date | null;
  /** Events given up (schedule used up) for this endpoint since `failingSince`. */
  exhaustedEvents: number;
  /** When the receiver answered 410 Gone, if that was its latest answer. */
  goneAt?: Date | null | undefined;
  /** The latest attempt's error, for the reason. */
  lastError?: string | null | undefined;
};

export type DisableDecision = { disable: false } | { disable: true; reason: string };

/**
 * Whether to disable an endpoint, and why in words for the merchant: at once when the receiver answered 410 Gone;
 * otherwise when every attempt has failed for at least `disableAfterMs` and at least one event used up all its
 * attempts (so a long schedule's single slow event is not enough).
 */
export function shouldDisableEndpoint(
  { failingSince, exhaustedEvents, goneAt, lastError }: EndpointFailures,
  { now, disableAfterMs = DEFAULT_DISABLE_AFTER_MS }: { now: Date; disableAfterMs?: number },
): DisableDecision {
  if (goneAt) return { disable: true, reason: `the endpoint answered 410 Gone at ${goneAt.toISOString()}` };
  if (!failingSince || exhaustedEvents < 1) return { disable: false };
  const failingMs = now.getTime() - failingSince.getTime();
  if (failingMs < disableAfterMs) return { disable: false };
  const events = exhaustedEvents === 1 ? "1 event" : `${exhaustedEvents} events`;
  const last = lastError ? `; last error: ${lastError}` : "";
  return {
    disable: true,
    reason: `every delivery has failed since ${failingSince.toISOString()} (${formatDuration(failingMs)}) and ${events} used up all attempts${last}`,
  };
}

function formatDuration(ms: number): string {
  if (ms >= DAY) return `${(ms / DAY).toFixed(1)} days`;
  if (ms >= HOUR) return `${(ms / HOUR).toFixed(1)} hours`;
  return `${Math.round(ms / MINUTE)} minutes`;
}
