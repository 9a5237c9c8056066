/**
 * Orders and payments as merchants see them, in responses and in event snapshots alike: amounts as exact decimal
 * strings, times as ISO 8601, confirmations counted against the indexer's head.
 */
import { z } from "@hono/zod-openapi";
import type { orders, payments } from "../db/schema.js";
import { orderStatuses, paymentMethods } from "../db/schema.js";
import { formatAmount } from "../lib/amount.js";
import { paymentUris } from "../lib/eip681.js";

export type OrderRow = typeof orders.$inferSelect;
export type PaymentRow = typeof payments.$inferSelect;

export const decimalString = (description: string, example = "12.5") =>
  z.string().openapi({ description: `${description} Exact decimal string in token units.`, example });

export const tokenSchema = z
  .object({
    symbol: z.string().openapi({ example: "USDT" }),
    address: z.string().openapi({ example: "0xdAC17F958D2ee523a2206206994597C13D831ec7" }),
    decimals: z.number().int().openapi({ example: 6 }),
  })
  .openapi("Token");

export const forwardSchema = z
  .object({
    status: z.enum(["pending", "sent", "forwarded", "failed"]).openapi({
      description:
        "`pending`: waiting for its confirmations or the sweeper's next batch; `sent`: in a forward transaction not yet mined; " +
        "`forwarded`: on your payout wallet; `failed`: the forward failed (see error) and is retried at retryAt. The funds stay at the deposit address until forwarded.",
    }),
    txHash: z.string().nullable().openapi({ description: "The forward transaction (DepositFactory), once sent." }),
    attempts: z.number().int().openapi({ description: "Forward transactions that failed so far." }),
    error: z.string().nullable(),
    retryAt: z.string().nullable().openapi({ format: "date-time" }),
  })
  .openapi("Forward");

export const paymentSchema = z
  .object({
    id: z.string().openapi({ example: "pay_01JD3S6X2V8Q0000000000000" }),
    orderId: z.string(),
    chainId: z.number().int(),
    txHash: z.string(),
    logIndex: z.number().int().openapi({
      description: "The log's position in its block, as last seen (a reorg that re-includes the transaction may move it).",
    }),
    blockNumber: z.number().int(),
    blockHash: z.string(),
    blockTimestamp: z.string().openapi({ format: "date-time" }),
    method: z.enum(paymentMethods).openapi({
      description: "`router`: paid through the PaymentRouter; `transfer`: a plain token transfer to the order's deposit address.",
    }),
    payer: z.string().openapi({ description: "The wallet the tokens came from (for a transfer, its sender)." }),
    depositAddress: z.string().nullable().openapi({ description: "For a transfer: the deposit address it went to. Null for router payments." }),
    forward: forwardSchema.nullable().openapi({
      description: "For a transfer: its forward from the deposit address to your payout wallet. Null for router payments (paid straight to you).",
    }),
    amount: decimalString("What the merchant's wallet received."),
    symbol: z.string(),
    state: z.enum(["confirming", "confirmed", "reverted"]).openapi({
      description: "`confirming` until it has enough confirmations; `reverted` if a reorg removed it (see revertReason).",
    }),
    revertReason: z.enum(["reorged_before_confirmation", "reorged_after_confirmation"]).nullable().openapi({
      description:
        "Why a `reverted` payment stopped counting: a reorg removed its block before its confirmations, or after them " +
        "(deeper than the confirmations: an incident). Null otherwise. If the transaction is mined again it counts again.",
    }),
    confirmations: z.number().int().openapi({ description: "Blocks on top of and including the payment's block, by the indexer's head." }),
    confirmationsRequired: z.number().int(),
    createdAt: z.string().openapi({ format: "date-time", description: "When the gateway first saw it." }),
  })
  .openapi("Payment");

export const orderSchema = z
  .object({
    id: z.string().openapi({ example: "ord_01JD3S6X2V8Q0000000000000" }),
    merchantOrderId: z.string().openapi({ example: "A-1001" }),
    status: z.enum(orderStatuses),
    amount: decimalString("What the customer is asked to pay."),
    amountReceived: decimalString("Sum of the confirmed payments.", "0"),
    amountRefunded: decimalString("Sum of the succeeded refunds (sent back from your wallet, confirmed).", "0"),
    symbol: z.string().openapi({ example: "USDT" }),
    token: tokenSchema,
    chainId: z.number().int().openapi({ example: 1 }),
    toAddress: z.string().openapi({
      description: "Where the customer's wallet sends the transaction: the PaymentRouter (never a wallet that holds funds).",
    }),
    payoutAddress: z.string().openapi({ description: "The merchant wallet the router pays into." }),
    depositAddress: z.string().nullable().openapi({
      description:
        "The order's own deposit address: a plain `transfer` of the token to it (from any wallet or exchange) pays the order, and " +
        "the gateway's sweeper forwards it to payoutAddress (a contract only the payout wallet can receive from). Null when the order does not take transfers.",
    }),
    paymentMethods: z.array(z.enum(paymentMethods)).openapi({ description: "How this order may be paid: `router` and/or `transfer`." }),
    orderRef: z.string().openapi({ description: "The order's random bytes32 reference, passed to the router's `pay`." }),
    cashierUrl: z.string().openapi({
      description: "The hosted checkout page for this order. Its path carries a random token (192 bits), not the order id: nobody finds it by guessing.",
    }),
    paymentUri: z.string().openapi({
      description:
        "EIP-681 URI calling the router's `pay(token, amount, merchant, orderRef)`; the wallet must have approved the router first (see approveUri).",
    }),
    approveUri: z.string().openapi({ description: "EIP-681 URI approving the router to move the amount of the token." }),
    description: z.string().nullable(),
    customerId: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    successUrl: z.string().nullable(),
    cancelUrl: z.string().nullable(),
    confirmationsRequired: z.number().int(),
    expiresAt: z.string().openapi({ format: "date-time" }),
    cancelledAt: z.string().nullable().openapi({ format: "date-time" }),
    createdAt: z.string().openapi({ format: "date-time" }),
    updatedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Order");

export type OrderView = z.infer<typeof orderSchema>;
export type PaymentView = z.infer<typeof paymentSchema>;

export type ViewContext = {
  publicBaseUrl: string;
  /** Indexed head per chain, for counting confirmations. */
  heads: ReadonlyMap<number, bigint>;
};

export function confirmationsOf(blockNumber: bigint, head: bigint | undefined): number {
  if (head === undefined || head < blockNumber) return 0;
  return Number(head - blockNumber + 1n);
}

type ForwardFacts = Pick<PaymentRow, "forwardStatus" | "forwardTxHash" | "forwardAttempts" | "forwardError" | "forwardRetryAt">;

export function forwardView(row: ForwardFacts): z.infer<typeof forwardSchema> | null {
  if (row.forwardStatus === null) return null;
  return {
    status: row.forwardStatus,
    txHash: row.forwardTxHash,
    attempts: row.forwardAttempts,
    error: row.forwardError,
    retryAt: row.forwardStatus === "failed" ? (row.forwardRetryAt?.toISOString() ?? null) : null,
  };
}

export function toPaymentView(payment: PaymentRow, order: OrderRow, ctx: ViewContext): PaymentView {
  return {
    id: payment.id,
    orderId: payment.orderId,
    chainId: payment.chainId,
    txHash: payment.txHash,
    logIndex: payment.logIndex,
    blockNumber: Number(payment.blockNumber),
    blockHash: payment.blockHash,
    blockTimestamp: payment.blockTimestamp.toISOString(),
    method: payment.method,
    payer: payment.payerAddress,
    depositAddress: payment.method === "transfer" ? payment.merchantAddress : null,
    forward: forwardView(payment),
    amount: formatAmount(payment.amount, order.tokenDecimals),
    symbol: order.tokenSymbol,
    state: payment.state,
    revertReason: payment.state === "reverted" ? payment.revertReason : null,
    confirmations: payment.state === "reverted" ? 0 : confirmationsOf(payment.blockNumber, ctx.heads.get(payment.chainId)),
    confirmationsRequired: order.confirmations,
    createdAt: payment.createdAt.toISOString(),
  };
}

export function toOrderView(order: OrderRow, ctx: ViewContext): OrderView {
  const { paymentUri, approveUri } = paymentUris({
    chainId: order.chainId,
    router: order.routerAddress,
    token: order.tokenAddress,
    amount: order.amount,
    payout: order.payoutAddress,
    orderRef: order.orderRef,
  });
  return {
    id: order.id,
    merchantOrderId: order.merchantOrderId,
    status: order.status,
    amount: formatAmount(order.amount, order.tokenDecimals),
    amountReceived: formatAmount(order.amountReceived, order.tokenDecimals),
    amountRefunded: formatAmount(order.amountRefunded, order.tokenDecimals),
    symbol: order.tokenSymbol,
    token: { symbol: order.tokenSymbol, address: order.tokenAddress, decimals: order.tokenDecimals },
    chainId: order.chainId,
    toAddress: order.routerAddress,
    payoutAddress: order.payoutAddress,
    depositAddress: order.depositAddress,
    paymentMethods: order.paymentMethods,
    orderRef: order.orderRef,
    cashierUrl: `${ctx.publicBaseUrl}/pay/${order.checkoutToken}`,
    paymentUri,
    approveUri,
    description: order.description,
    customerId: order.customerId,
    metadata: order.metadata,
    successUrl: order.successUrl,
    cancelUrl: order.cancelUrl,
    confirmationsRequired: order.confirmations,
    expiresAt: order.expiresAt.toISOString(),
    cancelledAt: order.cancelledAt?.toISOString() ?? null,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
