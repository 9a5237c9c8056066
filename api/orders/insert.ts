/**
 * The order insert: `createQrOrder` is the hottest write. Orders that arrive in the same turn of the event loop
 * go to the database together, as one `INSERT … SELECT FROM json_populate_recordset($1)`: one round trip and one
 * commit for the batch, one parameter (the batch as a JSON array, which V8 serialises natively), and one
 * statement whatever the batch's size, prepared once per connection. If a batch fails, its orders are retried
 * one by one, so one bad row fails only its own request.
 */
import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { orders } from "../db/schema.js";

type NewOrder = typeof orders.$inferInsert;
type OrderRow = typeof orders.$inferSelect;

/** What each order of a batch carries; every other column starts at its initial value (INITIAL). */
const FIELDS = [
  "id",
  "merchantId",
  "merchantOrderId",
  "orderRef",
  "checkoutToken",
  "chainId",
  "routerAddress",
  "tokenSymbol",
  "tokenAddress",
  "tokenDecimals",
  "payoutAddress",
  "depositAddress",
  "paymentMethods",
  "amount",
  "status",
  "confirmations",
  "underpaymentToleranceBps",
  "overpaymentToleranceBps",
  "description",
  "customerId",
  "metadata",
  "successUrl",
  "cancelUrl",
  "expiresAt",
  "createdAt",
  "updatedAt",
] as const satisfies readonly (keyof NewOrder)[];

const TABLE_COLUMNS = getTableColumns(orders);
/** Each field with its column's name: the keys of the batch's JSON records. */
const FIELD_COLUMNS = FIELDS.map((property) => [TABLE_COLUMNS[property].name, property] as const);

export type OrderValues = { [K in (typeof FIELDS)[number]]-?: Exclude<NewOrder[K], undefined> };

/** What the insert writes into the columns an order starts without: their defaults. */
const INITIAL: Partial<Record<keyof NewOrder, SQL>> = { amountReceived: sql`0`, amountRefunded: sql`0`, cancelledAt: sql`null` };

/**
 * The select list, in the table's column order (Drizzle inserts into every column): the batch's field for the
 * columns in FIELDS, the initial value for the others. A column added to the schema and known to neither fails here,
 * when the module loads, rather than inserting a NULL.
 */
const provided = new Set<string>(FIELDS);
const SELECT_LIST = sql.join(
  Object.entries(TABLE_COLUMNS).map(([property, column]) => {
    if (provided.has(property)) return sql.identifier(column.name);
    const initial = INITIAL[property as keyof NewOrder];
    if (!initial) throw new Error(`orders.${property}: the batched order insert (orders.queries.ts) does not set this column`);
    return initial;
  }),
  sql`, `,
);

const MAX_BATCH = 100;

type Pending = { values: OrderValues; resolve(row: OrderRow | undefined): void; reject(error: unknown): void };

/**
 * One order as a JSON object keyed by column. Amounts travel as decimal strings (exact; Postgres reads them into
 * `numeric`), times as ISO 8601 (converted here: cheaper than `JSON.stringify` calling `Date#toJSON`), metadata
 * as the nested object that `jsonb` stores.
 */
function toRecord(values: OrderValues): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [column, property] of FIELD_COLUMNS) {
    const value = values[property];
    record[column] = typeof value === "bigint" ? value.toString() : value instanceof Date ? value.toISOString() : value;
  }
  return record;
}

/**
 * The row as the database now holds it: the values given, the columns' initial values, and the metadata as `jsonb`
 * stored it (it orders keys its own way), so the response to the create reads the same as every later read.
 */
function toRow(values: OrderValues, metadata: OrderRow["metadata"]): OrderRow {
  return { ...values, metadata, amountReceived: 0n, amountRefunded: 0n, cancelledAt: null };
}

function prepareInsert(db: Database) {
  return db
    .insert(orders)
    .select(sql`select ${SELECT_LIST} from json_populate_recordset(null::${orders}, ${sql.placeholder("records")}::json)`)
    .onConflictDoNothing({ target: [orders.merchantId, orders.merchantOrderId] })
    .returning({ id: orders.id, metadata: orders.metadata })
    .prepare("stablegate_insert_orders");
}

class OrderInserter {
  readonly #statement: ReturnType<typeof prepareInsert>;
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(db: Database) {
    this.#statement = prepareInsert(db);
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

  /** Id → stored metadata of the orders written; an order whose merchantOrderId the merchant already has is skipped. */
  async #insert(batch: Pending[]): Promise<Map<string, OrderRow["metadata"]>> {
    const rows = await this.#statement.execute({ records: JSON.stringify(batch.map((p) => toRecord(p.values))) });
    return new Map(rows.map((row) => [row.id, row.metadata]));
  }

  async #write(batch: Pending[]) {
    try {
      const written = await this.#insert(batch);
      // Not written: the merchant already had that merchantOrderId (or an earlier order of this batch did).
      for (const p of batch) p.resolve(written.has(p.values.id) ? toRow(p.values, written.get(p.values.id) ?? null) : undefined);
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
