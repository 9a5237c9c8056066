/**
 * The `Retry-After` response header (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date.
 */

/**
 * Milliseconds to wait from `nowMs`, or undefined when the header is absent or unreadable. A date in the past is 0.
 * The result is not capped here; the retry schedule caps it.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER);
  // All three HTTP-date forms start with a day name; this keeps Date.parse from reading "1.5" or "tomorrow".
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /.test(text)) return undefined;
  // HTTP-dates are GMT; the obsolete asctime form does not say so, and Date.parse would read it as local time.
  const at = Date.parse(/ GMT$/.test(text) ? text : `${text} GMT`);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
