/**
 * Claiming due deliveries for a dispatcher, in one statement (one round trip, atomic on its own): the due rows, oldest
 * first (`next_attempt_at`, then id: an order's `order.confirming` goes before its `order.paid`), skipping rows another
 * instance holds (`FOR UPDATE SKIP LOCKED`); of those, no more per endpoint than the dispatcher has room for; each
 * leased; and with `startAttempts`, each attempt recorded `in_flight` and counted in `attempts` before anything is
 * sent (an earlier attempt still `in_flight` was cut by a crash whose lease lapsed: recorded `unknown`). A delivery
 * whose endpoint is disabled or deleted is leased with no attempt: the dispatcher fails it without sending. The rows come
 * back with their events and endpoints, so the attempts start with no other round trip.
 */
import { getTableColumns, getTableName, sql, type Table } from "drizzle-orm";
import type { Queryable } from "../db/client.js";
import { events, webhookAttempts, webhookDeliveries, webhookEndpoints } from "../db/schema.js";
import { newId } from "../lib/ids.js";

/** What the log says of an attempt whose dispatcher stopped before it had an answer. */
export const CUT_BY_CRASH = "unknown: the dispatcher stopped before the answer was recorded; its lease lapsed and the delivery is attempted again";

export type ClaimOptions = {
  now: Date;
  leaseMs: number;
  /** Deliveries at most, in all. */
  limit: number;
  /** Requests in flight to one endpoint at most. */
  endpointConcurrency: number;
  /** Requests this dispatcher has in flight per endpoint id: an endpoint's room is what is left of its limit. */
  busy: ReadonlyMap<string, number>;
  /** Record each attempt `in_flight` with the claim (the dispatcher); without, only leased (tests of a crash). */
  startAttempts: boolean;
};

/**
 * A claimed delivery (as the claim left it), oldest first, with its event and endpoint; `attemptId` names its attempt
 * record (null: nothing is to be sent).
 */
export type ClaimedDelivery = {
  delivery: typeof webhookDeliveries.$inferSelect;
  event: typeof events.$inferSelect;
  endpoint: typeof webhookEndpoints.$inferSelect;
  attemptId: string | null;
};

type RawClaim = { delivery: Record<string, unknown>; event: Record<string, unknown>; endpoint: Record<string, unknown>; attempt_id: string | null };

/** A row the statement returned as JSON (`to_jsonb`), typed as Drizzle reads the table. */
function fromJson<T extends Table>(table: T, json: Record<string, unknown>): T["$inferSelect"] {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = json[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as T["$inferSelect"];
}

export async function claimDue(db: Queryable, { now, leaseMs, limit, endpointConcurrency, busy, startAttempts }: ClaimOptions): Promise<ClaimedDelivery[]> {
  if (limit <= 0) return [];
  const at = now.toISOString();
  const lockedUntil = new Date(now.getTime() + leaseMs).toISOString();
  const inFlight = JSON.stringify(Object.fromEntries(busy));
  // Ids for the attempts, handed out in the claimed rows' order (the ids sort by time, as the attempt log does).
  const attemptIds = JSON.stringify(startAttempts ? Array.from({ length: limit }, () => newId("wa", now.getTime())) : []);
  const d = webhookDeliveries;
  const { rows } = (await db.execute(sql`
    with candidate as (
      select ${d.id} as id, ${d.endpointId} as endpoint_id, ${d.nextAttemptAt} as next_attempt_at
      from ${d}
      where ${d.status} = 'pending' and ${d.nextAttemptAt} <= ${at}::timestamptz
        and (${d.lockedUntil} is null or ${d.lockedUntil} <= ${at}::timestamptz)
        and coalesce((${inFlight}::jsonb ->> ${d.endpointId})::int, 0) < ${endpointConcurrency}::int
      order by ${d.nextAttemptAt}, ${d.id}
      limit ${limit}::int
      for update skip locked
    ), chosen as (
      select ranked.id from (
        select c.id, c.endpoint_id, row_number() over (partition by c.endpoint_id order by c.next_attempt_at, c.id) as n
        from candidate c
      ) ranked
      where ranked.n <= ${endpointConcurrency}::int - coalesce((${inFlight}::jsonb ->> ranked.endpoint_id)::int, 0)
    ), claimed as (
      update ${d} set
        locked_until = ${lockedUntil}::timestamptz,
        attempts = ${d.attempts} + case when ${startAttempts}::boolean and e.disabled_at is null and e.deleted_at is null then 1 else 0 end,
        last_attempt_at = case when ${startAttempts}::boolean and e.disabled_at is null and e.deleted_at is null then ${at}::timestamptz else ${d.lastAttemptAt} end
      from chosen, ${webhookEndpoints} e
      where ${d.id} = chosen.id and e.id = ${d.endpointId}
      returning ${d.id} as id, ${d.eventId} as event_id, ${d.nextAttemptAt} as next_attempt_at, to_jsonb(${sql.identifier(getTableName(d))}) as delivery, to_jsonb(e) as endpoint,
        (${startAttempts}::boolean and e.disabled_at is null and e.deleted_at is null) as sending
    ), numbered as (
      select claimed.id, row_number() over (order by claimed.next_attempt_at, claimed.id) - 1 as n from claimed where claimed.sending
    ), cut as (
      update ${webhookAttempts} set outcome = 'unknown', error = ${CUT_BY_CRASH}, finished_at = ${at}::timestamptz
      from numbered where ${webhookAttempts.deliveryId} = numbered.id and ${webhookAttempts.outcome} = 'in_flight'
    ), started as (
      insert into ${webhookAttempts} (id, delivery_id, attempted_at, latency_ms, outcome)
      select ${attemptIds}::jsonb ->> numbered.n::int, numbered.id, ${at}::timestamptz, 0, 'in_flight' from numbered
      returning id, delivery_id
    )
    select claimed.delivery, claimed.endpoint, to_jsonb(ev) as event, started.id as attempt_id
    from claimed join ${events} ev on ev.id = claimed.event_id left join started on started.delivery_id = claimed.id
    order by claimed.next_attempt_at, claimed.id`)) as unknown as { rows: RawClaim[] };
  return rows.map((row) => ({
    delivery: fromJson(webhookDeliveries, row.delivery),
    event: fromJson(events, row.event),
    endpoint: fromJson(webhookEndpoints, row.endpoint),
    attemptId: row.attempt_id,
  }));
}
