/**
 * CSV exports for a date range: orders (by creation time), payments (by block time) and refunds (by creation time),
 * amounts as exact decimal
 * strings in token units. Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) is prefixed with
 * a quote; amounts are never text from outside.
 */
import { and, asc, eq, gte, lt } from "drizzle-orm";
import type { Queryable } from "../../db/client.js";
import { orders, payments, refunds } from "../../db/schema.js";
import { formatAmount } from "../../lib/amount.js";
import type { DateRange } from "./report.js";

type Cell = string | number | null;

function cell(value: Cell, { text = true } = {}): string {
  if (value === null) return "";
  let out = String(value);
  if (text && /^[=+\-@\t\r]/.test(out)) out = `'${out}`;
  return /[",\r\n]/.test(out) ? `"${out.replace(/"/g, '""')}"` : out;
}

const line = (cells: string[]) => `${cells.join(",")}\r\n`;

export async function ordersCsv(db: Queryable, merchantId: string, range: DateRange): Promise<string> {
  const rows = await db
    .select()
    .from(orders)
    .where(and(eq(orders.merchantId, merchantId), gte(orders.createdAt, range.from), lt(orders.createdAt, range.to)))
    .orderBy(asc(orders.id));
  const header = ["order_id", "merchant_order_id", "customer_id", "status", "chain_id", "token", "token_address", "amount", "amount_received", "created_at", "expires_at", "cancelled_at"];
  return (
    line(header) +
    rows
      .map((o) =>
        line([
          cell(o.id), cell(o.merchantOrderId), cell(o.customerId), cell(o.status), cell(o.chainId), cell(o.tokenSymbol), cell(o.tokenAddress),
          cell(formatAmount(o.amount, o.tokenDecimals), { text: false }), cell(formatAmount(o.amountReceived, o.tokenDecimals), { text: false }),
          cell(o.createdAt.toISOString()), cell(o.expiresAt.toISOString()), cell(o.cancelledAt?.toISOString() ?? null),
        ]),
      )
      .join("")
  );
}

export async function paymentsCsv(db: Queryable, merchantId: string, range: DateRange): Promise<string> {
  const rows = await db
    .select({ payment: payments, order: orders })
    .from(payments)
    .innerJoin(orders, eq(orders.id, payments.orderId))
    .where(and(eq(payments.merchantId, merchantId), gte(payments.blockTimestamp, range.from), lt(payments.blockTimestamp, range.to)))
    .orderBy(asc(payments.blockTimestamp), asc(payments.id));
  const header = ["payment_id", "order_id", "merchant_order_id", "customer_id", "state", "chain_id", "token", "token_address", "amount", "tx_hash", "log_index", "block_number", "block_time", "payer"];
  return (
    line(header) +
    rows
      .map(({ payment: p, order: o }) =>
        line([
          cell(p.id), cell(o.id), cell(o.merchantOrderId), cell(o.customerId), cell(p.state), cell(p.chainId), cell(o.tokenSymbol), cell(o.tokenAddress),
          cell(formatAmount(p.amount, o.tokenDecimals), { text: false }), cell(p.txHash), cell(p.logIndex), cell(p.blockNumber.toString()),
          cell(p.blockTimestamp.toISOString()), cell(p.payerAddress),
        ]),
      )
      .join("")
  );
}

export async function refundsCsv(db: Queryable, merchantId: string, range: DateRange): Promise<string> {
  const rows = await db
    .select({ refund: refunds, order: orders })
    .from(refunds)
    .innerJoin(orders, eq(orders.id, refunds.orderId))
    .where(and(eq(refunds.merchantId, merchantId), gte(refunds.createdAt, range.from), lt(refunds.createdAt, range.to)))
    .orderBy(asc(refunds.createdAt), asc(refunds.id));
  const header = ["refund_id", "order_id", "merchant_order_id", "customer_id", "status", "chain_id", "token", "token_address", "amount", "destination", "reason", "tx_hash", "block_number", "created_at", "succeeded_at"];
  return (
    line(header) +
    rows
      .map(({ refund: r, order: o }) =>
        line([
          cell(r.id), cell(o.id), cell(o.merchantOrderId), cell(o.customerId), cell(r.status), cell(o.chainId), cell(o.tokenSymbol), cell(o.tokenAddress),
          cell(formatAmount(r.amount, o.tokenDecimals), { text: false }), cell(r.destination), cell(r.reason), cell(r.txHash),
          cell(r.blockNumber?.toString() ?? null), cell(r.createdAt.toISOString()), cell(r.succeededAt?.toISOString() ?? null),
        ]),
      )
      .join("")
  );
}
