/**
 * ISO 8601 date-times with an offset, as the API accepts them: the instant must fall within the years 0001 to 9999
 * in UTC (`9999-12-31T23:59:59-23:59` is in year 10000), which both databases and `toISOString` round-trip
 * (Postgres has no year 0: it is 1 BC).
 */
import { z } from "@hono/zod-openapi";

const FIRST_MS = Date.parse("0001-01-01T00:00:00.000Z");
const LAST_MS = Date.parse("9999-12-31T23:59:59.999Z");

/** False only for a readable date-time outside the range: unreadable text is the format check's to report. */
export function inStorableRange(text: string): boolean {
  const ms = new Date(text).getTime();
  return Number.isNaN(ms) || (ms >= FIRST_MS && ms <= LAST_MS);
}

export const isoDateTime = () =>
  z.iso.datetime({ offset: true }).refine(inStorableRange, "must fall within the years 0001 to 9999 in UTC");
