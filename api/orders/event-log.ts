/** Reading the merchant's events (the outbox the webhooks deliver), for replay through the API. */
import { and, desc, eq, gte, lt } from "drizzle-orm";
import type { Queryable } from "../db/client.js";
import { events } from "../db/schema.js";
import { cursorPage } from "../lib/pagination.js";
import { toEventView } from "./events.js";

export type EventFilter = {
  type?: string | undefined;
  orderId?: string | undefined;
  createdFrom?: string | undefined;
  createdTo?: string | undefined;
  cursor?: string | undefined;
  limit: number;
};

/** The merchant's events, newest first, one page. */
export function listEvents(db: Queryable, merchantId: string, q: EventFilter) {
  const conditions = [eq(events.merchantId, merchantId)];
  if (q.type !== undefined) conditions.push(eq(events.type, q.type));
  if (q.orderId !== undefined) conditions.push(eq(events.orderId, q.orderId));
  if (q.createdFrom !== undefined) conditions.push(gte(events.createdAt, new Date(q.createdFrom)));
  if (q.createdTo !== undefined) conditions.push(lt(events.createdAt, new Date(q.createdTo)));
  if (q.cursor !== undefined) conditions.push(lt(events.id, q.cursor));
  return cursorPage(
    q.limit,
    (take) => db.select().from(events).where(and(...conditions)).orderBy(desc(events.id)).limit(take),
    (e) => e.id,
    (page) => page.map(toEventView),
  );
}
