/** Durations in milliseconds, and reading them from configuration. A leaf: imports nothing of ours. */
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY };

/**
 * Comma-separated durations with a unit (`ms`, `s`, `m`, `h`, `d`), e.g. `5s,5m,30m,2h,5h,10h,24h`, or
 * `100ms,200ms`. An empty string is an empty list.
 */
export function parseDurations(text: string): number[] {
  const items = text.split(",").map((item) => item.trim());
  if (items.length === 1 && items[0] === "") return [];
  return items.map((item) => {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(item);
    if (!match) throw new RangeError(`"${item}" is not a duration such as 500ms, 5s, 30m, 2h or 1d`);
    return Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] as number));
  });
}
