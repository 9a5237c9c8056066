/**
 * Creating a refund: inside one transaction that holds the order's row lock, so two refunds arriving together are
 * counted one after the other and their sum, with every open and succeeded refund of the order, never exceeds what
 * the order received.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { getAddress, type Address } from "viem";
import type { Database, Transaction } from "../db/client.js";
import { countedRefundStatuses, orders, payments, refunds } from "../db/schema.js";
import { AmountError, formatAmount, parseAmount } from "../lib/amount.js";
import { newId, newRefundRef, newUrlToken } from "../lib/ids.js";
import { notifyOutbox } from "../webhooks/outbox-signal.js";
import { InvalidOrderError, OrderNotFoundError } from "../orders/errors.js";
import type { OrderRow } from "../orders/views.js";
import { RefundDestinationRequiredError, RefundExceedsReceivedError } from "./errors.js";
import { writeRefundEvent, type RefundContext } from "./events.js";
import type { RefundRow } from "./views.js";

/** `destination: "claim"`: the customer enters the address through the refund's claim link (`claimUrl`). */
export const CLAIM_DESTINATION = "claim";

export type CreateRefundInput = { amount: string; reason: string; destination?: string | undefined };

export async function createRefund(
  db: Database,
  { merchantId, orderId, input, now, ctx }: { merchantId: string; orderId: string; input: CreateRefundInput; now: Date; ctx: RefundContext },
): Promise<{ refund: RefundRow; order: OrderRow }> {
  const result = await db.transaction(async (tx) => {
    const [order] = await tx
      .select()
      .from(orders)
      .where(and(eq(orders.id, orderId), eq(orders.merchantId, merchantId)))
      .for("update");
    if (!order) throw new OrderNotFoundError();
    const amount = refundAmount(input.amount, order.tokenDecimals);
    await assertWithinReceived(tx, order, amount);
    const claim = input.destination === CLAIM_DESTINATION;
    const destination = claim ? null : input.destination !== undefined ? checkedDestination(input.destination, order) : await payerOf(tx, order);
    const [refund] = await tx
      .insert(refunds)
      .values({
        id: newId("rfd", now.getTime()),
        merchantId,
        orderId,
        refundRef: newRefundRef(),
        amount,
        reason: input.reason,
        destination,
        pageToken: newUrlToken(),
        claimToken: claim ? newUrlToken() : null,
        status: "pending",
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await writeRefundEvent(tx, "refund.created", { refund: refund!, order, ctx, now });
    return { refund: refund!, order };
  });
  notifyOutbox();
  return result;
}

function refundAmount(value: string, decimals: number): bigint {
  try {
    return parseAmount(value, decimals);
  } catch (error) {
    if (error instanceof AmountError) throw new InvalidOrderError([{ field: "amount", in: "body", message: error.message }]);
    throw error;
  }
}

/** Open and succeeded refunds plus this one must fit in what the order received. */
async function assertWithinReceived(tx: Transaction, order: OrderRow, amount: bigint) {
  const [row] = await tx
    .select({ sum: sql<string>`coalesce(sum(${refunds.amount}), 0)::text` })
    .from(refunds)
    .where(and(eq(refunds.orderId, order.id), inArray(refunds.status, [...countedRefundStatuses])));
  const counted = BigInt(row?.sum ?? "0");
  if (counted + amount > order.amountReceived) {
    const available = order.amountReceived > counted ? order.amountReceived - counted : 0n;
    const format = (units: bigint) => formatAmount(units, order.tokenDecimals);
    throw new RefundExceedsReceivedError({ received: format(order.amountReceived), refunded: format(counted), available: format(available) });
  }
}

function checkedDestination(value: string, order: OrderRow): Address {
  const address = getAddress(value);
  if (BigInt(address) === 0n) throw new RefundDestinationRequiredError("must not be the zero address");
  if (address === getAddress(order.payoutAddress)) throw new RefundDestinationRequiredError("is the merchant's own payout address, which sends the refund");
  return address;
}

/**
 * The default destination: the one wallet the order's confirmed router payments came from. A plain transfer to the
 * deposit address has none: its sender may be an exchange's hot wallet, which would not credit the refund back.
 */
async function payerOf(tx: Transaction, order: OrderRow): Promise<Address> {
  const rows = await tx
    .selectDistinct({ payer: payments.payerAddress, method: payments.method })
    .from(payments)
    .where(and(eq(payments.orderId, order.id), eq(payments.state, "confirmed")));
  if (rows.some((row) => row.method === "transfer")) {
    throw new RefundDestinationRequiredError(
      'the order was paid by a plain transfer, whose sender may be an exchange that cannot take a refund back; give the customer\'s address, or "claim" to let the customer enter it',
    );
  }
  const payers = [...new Set(rows.map((row) => getAddress(row.payer)))];
  if (payers.length !== 1) throw new RefundDestinationRequiredError("the order was paid from several wallets; say which one gets the refund");
  return payers[0]!;
}
