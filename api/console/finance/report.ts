/**
 * Finance figures for one merchant: per day, chain and token, what was received (confirmed payments, by block
 * time), refunded (succeeded refunds, by the time they succeeded) and the net; the range's totals; and the all-time
 * totals, which are `GET /v1/balance`'s `received` and `refunded` (the same query). Amounts are exact bigints.
 */
import { and, asc, eq, gte, lt, sql } from "drizzle-orm";
import type { Queryable } from "../../db/client.js";
import { orders, payments, refunds } from "../../db/schema.js";
import { ApiError } from "../../lib/errors.js";
import { merchantBalances } from "../../routes/balance/balance.queries.js";

export type Series = { chainId: number; symbol: string; decimals: number };
export type DayRow = Series & { day: string; received: bigint; refunded: bigint; net: bigint; payments: number };
export type DateRange = { from: Date; to: Date; fromDay: string; toDay: string };

const DAY_MS = 24 * 60 * 60 * 1000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** `from` and `to` as YYYY-MM-DD, both days included (UTC); by default the last 30 days up to `now`. */
export function parseRange({ from, to }: { from?: string | undefined; to?: string | undefined }, now: Date): DateRange {
  const day = (value: string | undefined, field: string, fallback: Date) => {
    if (value === undefined || value === "") return new Date(`${isoDay(fallback)}T00:00:00Z`);
    const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(Number.NaN);
    if (Number.isNaN(parsed.getTime()) || isoDay(parsed) !== value) {
      throw new ApiError(422, "validation_failed", `${field}: must be a date, YYYY-MM-DD`, { details: [{ field, in: "query", message: "must be a date, YYYY-MM-DD" }] });
    }
    return parsed;
  };
  const toStart = day(to, "to", now);
  const from_ = day(from, "from", new Date(toStart.getTime() - 29 * DAY_MS));
  if (from_.getTime() > toStart.getTime()) throw new ApiError(422, "validation_failed", "from: must not be after to", { details: [{ field: "from", in: "query", message: "must not be after to" }] });
  if (toStart.getTime() - from_.getTime() > 366 * DAY_MS) throw new ApiError(422, "validation_failed", "from: a range is at most 366 days", { details: [{ field: "from", in: "query", message: "a range is at most 366 days" }] });
  return { from: from_, to: new Date(toStart.getTime() + DAY_MS), fromDay: isoDay(from_), toDay: isoDay(toStart) };
}

type SeriesDay = Series & { day: string };

async function receivedPerDay(db: Queryable, merchantId: string, range: DateRange): Promise<(SeriesDay & { received: string; payments: number })[]> {
  const day = sql<string>`to_char(${payments.blockTimestamp} at time zone 'UTC', 'YYYY-MM-DD')`;
  return db
    .select({
      day,
      chainId: payments.chainId,
      symbol: orders.tokenSymbol,
      decimals: orders.tokenDecimals,
      received: sql<string>`coalesce(sum(${payments.amount}), 0)::text`,
      payments: sql<number>`count(*)::int`,
    })
    .from(payments)
    .innerJoin(orders, eq(orders.id, payments.orderId))
    .where(and(eq(payments.merchantId, merchantId), eq(payments.state, "confirmed"), gte(payments.blockTimestamp, range.from), lt(payments.blockTimestamp, range.to)))
    .groupBy(day, payments.chainId, orders.tokenSymbol, orders.tokenDecimals)
    .orderBy(asc(day), asc(payments.chainId), asc(orders.tokenSymbol));
}

/** Succeeded refunds per day (when they succeeded), chain and token: what `GET /v1/balance` counts as refunded. */
async function refundedPerDay(db: Queryable, merchantId: string, range: DateRange): Promise<(SeriesDay & { refunded: string })[]> {
  const day = sql<string>`to_char(${refunds.succeededAt} at time zone 'UTC', 'YYYY-MM-DD')`;
  return db
    .select({ day, chainId: orders.chainId, symbol: orders.tokenSymbol, decimals: orders.tokenDecimals, refunded: sql<string>`coalesce(sum(${refunds.amount}), 0)::text` })
    .from(refunds)
    .innerJoin(orders, eq(orders.id, refunds.orderId))
    .where(and(eq(refunds.merchantId, merchantId), eq(refunds.status, "succeeded"), gte(refunds.succeededAt, range.from), lt(refunds.succeededAt, range.to)))
    .groupBy(day, orders.chainId, orders.tokenSymbol, orders.tokenDecimals);
}

export async function dailyTotals(db: Queryable, merchantId: string, range: DateRange): Promise<DayRow[]> {
  const [received, refunded] = await Promise.all([receivedPerDay(db, merchantId, range), refundedPerDay(db, merchantId, range)]);
  const byKey = new Map<string, DayRow>();
  const rowOf = (r: SeriesDay) => {
    const key = `${r.day}|${r.chainId}|${r.symbol}`;
    const row = byKey.get(key) ?? { day: r.day, chainId: r.chainId, symbol: r.symbol, decimals: r.decimals, received: 0n, refunded: 0n, net: 0n, payments: 0 };
    byKey.set(key, row);
    return row;
  };
  for (const r of received) Object.assign(rowOf(r), { received: BigInt(r.received), payments: r.payments });
  for (const r of refunded) rowOf(r).refunded = BigInt(r.refunded);
  const rows = [...byKey.values()].map((row) => ({ ...row, net: row.received - row.refunded }));
  return rows.sort((a, b) => a.day.localeCompare(b.day) || a.chainId - b.chainId || a.symbol.localeCompare(b.symbol));
}

export type Total = Series & { received: bigint; refunded: bigint; net: bigint };

export function sumBySeries(rows: DayRow[]): Total[] {
  const totals = new Map<string, Total>();
  for (const row of rows) {
    const key = `${row.chainId}:${row.symbol}`;
    const total = totals.get(key) ?? { chainId: row.chainId, symbol: row.symbol, decimals: row.decimals, received: 0n, refunded: 0n, net: 0n };
    total.received += row.received;
    total.refunded += row.refunded;
    total.net += row.net;
    totals.set(key, total);
  }
  return [...totals.values()];
}

/** All time, exactly what `GET /v1/balance` reports. */
export const allTimeTotals = (db: Queryable, merchantId: string) => merchantBalances(db, merchantId);
