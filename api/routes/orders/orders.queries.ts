/**
 * The order insert: `createQrOrder` is the hottest write. Orders that arrive in the same turn of the event loop
 * go to the database together, as one `INSERT … SELECT FROM unnest(<one array per column>)`: one round trip and
 * one commit for the batch, and the same statement text whatever its size. If a batch fails, its orders are
 * retried one by one, so one bad row fails only its own request.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import type { orders } from "../../db/schema.js";

type NewOrder = typeof orders.$inferInsert;
type OrderRow = typeof orders.$inferSelect;

/** Column, its Postgres array type, and its property; the order is the statement's. */
const COLUMNS = [
  ["id", "text", "id"],
  ["merchant_id", "text", "merchantId"],
  ["merchant_order_id", "text", "merchantOrderId"],
  ["order_ref", "text", "orderRef"],
  ["chain_id", "integer", "chainId"],
  ["router_address", "text", "routerAddress"],
  ["token_symbol", "text", "tokenSymbol"],
  ["token_address", "text", "tokenAddress"],
  ["token_decimals", "integer", "tokenDecimals"],
  ["payout_address", "text", "payoutAddress"],
  ["amount", "numeric", "amount"],
  ["status", "text", "status"],
  ["confirmations", "integer", "confirmations"],
  ["underpayment_tolerance_bps", "integer", "underpaymentToleranceBps"],
  ["overpayment_tolerance_bps", "integer", "overpaymentToleranceBps"],
  ["description", "text", "description"],
  ["customer_id", "text", "customerId"],
  ["metadata", "jsonb", "metadata"],
  ["success_url", "text", "successUrl"],
  ["cancel_url", "text", "cancelUrl"],
  ["expires_at", "timestamptz", "expiresAt"],
  ["created_at", "timestamptz", "createdAt"],
  ["updated_at", "timestamptz", "updatedAt"],
] as const satisfies readonly (readonly [string, string, keyof NewOrder])[];

export type OrderValues = { [K in (typeof COLUMNS)[number][2]]-?: Exclude<NewOrder[K], undefined> };

const MAX_BATCH = 100;

type Pending = { values: OrderValues; resolve(row: OrderRow | undefined): void; reject(error: unknown): void };

/** Drivers hand arrays over as they are; each element is made a plain string, number, Date or null here. */
function toDriver(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "object" && !(value instanceof Date)) return JSON.stringify(value);
  return value;
}

function fromDriver(raw: Record<string, unknown>): OrderRow {
  const row: Record<string, unknown> = {};
  for (const [column, type, property] of COLUMNS) {
    const value = raw[column];
    if (value === null || value === undefined) row[property] = null;
    else if (type === "numeric") row[property] = BigInt(value as string);
    else if (type === "timestamptz") row[property] = value instanceof Date ? value : new Date(value as string);
    else if (type === "jsonb") row[property] = typeof value === "string" ? JSON.parse(value) : value;
    else row[property] = value;
  }
  row.amountReceived = BigInt(raw.amount_received as string);
  row.cancelledAt = raw.cancelled_at == null ? null : new Date(raw.cancelled_at as string | Date);
  return row as OrderRow;
}

class OrderInserter {
  readonly #db: Database;
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(db: Database) {
    this.#db = db;
  }

  insert(values: OrderValues): Promise<OrderRow | undefined> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ values, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush() {
    this.#scheduled = false;
    while (this.#queue.length > 0) void this.#write(this.#queue.splice(0, MAX_BATCH));
  }

  async #insert(batch: Pending[]): Promise<Map<string, OrderRow>> {
    const arrays = COLUMNS.map(([, type, property]) => sql`${sql.param(batch.map((p) => toDriver(p.values[property])))}::${sql.raw(type)}[]`);
    const result = (await this.#db.execute(sql`
      insert into stablegate.orders (${sql.raw(COLUMNS.map(([column]) => column).join(", "))})
      select * from unnest(${sql.join(arrays, sql`, `)})
      on conflict (merchant_id, merchant_order_id) do nothing
      returning *`)) as unknown as { rows: Record<string, unknown>[] };
    return new Map(result.rows.map((raw) => [raw.id as string, fromDriver(raw)]));
  }

  async #write(batch: Pending[]) {
    try {
      const rows = await this.#insert(batch);
      // Not returned: the merchant already had that merchantOrderId (or an earlier order of this batch did).
      for (const p of batch) p.resolve(rows.get(p.values.id));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      await Promise.all(batch.map((p) => this.#write([p])));
    }
  }
}

const inserters = new WeakMap<Database, OrderInserter>();

/** Inserts the order; resolves to undefined when the merchant already has that merchantOrderId. */
export function insertOrder(db: Database, order: OrderValues): Promise<OrderRow | undefined> {
  let inserter = inserters.get(db);
  if (!inserter) {
    inserter = new OrderInserter(db);
    inserters.set(db, inserter);
  }
  return inserter.insert(order);
}
