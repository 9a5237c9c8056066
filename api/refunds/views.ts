/**
 * Refunds as merchants see them, in responses and event snapshots alike: amounts as exact decimal strings, and the
 * exact transaction (to, value, data) the merchant's wallet or Safe sends once the destination is known.
 */
import { z } from "@hono/zod-openapi";
import { encodeFunctionData, type Address, type Hex } from "viem";
import { refundRouterAbi } from "../../contracts/abi/RefundRouter.js";
import { refundStatuses, type refunds } from "../db/schema.js";
import { formatAmount } from "../lib/amount.js";
import { decimalString, tokenSchema, type OrderRow } from "../orders/views.js";

export type RefundRow = typeof refunds.$inferSelect;

export const refundTransactionSchema = z
  .object({
    to: z.string().openapi({ description: "The RefundRouter." }),
    value: z.string().openapi({ description: "Native coin to send: always 0.", example: "0" }),
    data: z.string().openapi({ description: "Calldata of `refund(token, to, amount, refundRef, orderRef)`." }),
  })
  .openapi("RefundTransaction");

export const refundSchema = z
  .object({
    id: z.string().openapi({ example: "rfd_01JD3S6X2V8Q0000000000000" }),
    orderId: z.string(),
    status: z.enum(refundStatuses).openapi({
      description:
        "`pending`: waiting for a destination or the merchant's transaction; `submitted`: transaction seen; `succeeded`: confirmed; `failed`: its recorded transaction reverted or no longer pays it (`failureReason`), no longer counted against the order; `cancelled`.",
    }),
    amount: decimalString("What goes back to the customer."),
    symbol: z.string(),
    token: tokenSchema,
    chainId: z.number().int(),
    reason: z.string(),
    destination: z.string().nullable().openapi({ description: "Where the tokens go; null while the refund waits for one." }),
    from: z.string().openapi({ description: "The merchant's payout wallet, which must send the refund." }),
    refundRef: z.string().openapi({ description: "The refund's random bytes32 reference, carried on-chain by `RefundSent`." }),
    orderRef: z.string(),
    transaction: refundTransactionSchema.nullable().openapi({
      description:
        "What the payout wallet sends (after approving the RefundRouter for the amount); null while there is no destination or no RefundRouter on the chain.",
    }),
    refundUrl: z.string().openapi({
      description:
        "Your refund page (`/refund/<token>`, 192 random bits): your payout wallet sends the refund from it, or it shows the Safe transaction. Keep it to yourself.",
    }),
    claimUrl: z.string().nullable().openapi({
      description:
        'For a refund created with `destination: "claim"`: the link you give the customer, where they enter the address the refund goes to (once). Null otherwise.',
    }),
    destinationSetAt: z.string().nullable().openapi({ format: "date-time", description: "When the customer set the destination through the claim link." }),
    txHash: z.string().nullable(),
    recordedTxHash: z.string().nullable().openapi({ description: "The transaction recorded by hash (`POST /v1/refunds/{id}/transaction`), if it was sent another way." }),
    amountDelivered: decimalString("What the customer's balance grew by: the amount less a fee-on-transfer token's fee; null until seen.").nullable(),
    failureReason: z.string().nullable(),
    createdAt: z.string().openapi({ format: "date-time" }),
    updatedAt: z.string().openapi({ format: "date-time" }),
    submittedAt: z.string().nullable().openapi({ format: "date-time" }),
    succeededAt: z.string().nullable().openapi({ format: "date-time" }),
    cancelledAt: z.string().nullable().openapi({ format: "date-time" }),
    failedAt: z.string().nullable().openapi({ format: "date-time" }),
  })
  .openapi("Refund");

export type RefundView = z.infer<typeof refundSchema>;

/** The RefundRouter call that pays this refund, or null when it cannot be built yet. */
export function refundTransaction(refund: RefundRow, order: OrderRow, refundRouter: Address | undefined) {
  if (!refund.destination || !refundRouter) return null;
  const data = encodeFunctionData({
    abi: refundRouterAbi,
    functionName: "refund",
    args: [order.tokenAddress as Address, refund.destination as Address, refund.amount, refund.refundRef as Hex, order.orderRef as Hex],
  });
  return { to: refundRouter, value: "0", data };
}

const iso = (at: Date | null) => at?.toISOString() ?? null;

export function toRefundView(refund: RefundRow, order: OrderRow, refundRouter: Address | undefined, publicBaseUrl: string): RefundView {
  return {
    id: refund.id,
    orderId: refund.orderId,
    status: refund.status,
    amount: formatAmount(refund.amount, order.tokenDecimals),
    symbol: order.tokenSymbol,
    token: { symbol: order.tokenSymbol, address: order.tokenAddress, decimals: order.tokenDecimals },
    chainId: order.chainId,
    reason: refund.reason,
    destination: refund.destination,
    from: order.payoutAddress,
    refundRef: refund.refundRef,
    orderRef: order.orderRef,
    transaction: refundTransaction(refund, order, refundRouter),
    refundUrl: `${publicBaseUrl}/refund/${refund.pageToken}`,
    claimUrl: refund.claimToken ? `${publicBaseUrl}/claim/${refund.claimToken}` : null,
    destinationSetAt: iso(refund.destinationSetAt),
    txHash: refund.txHash,
    recordedTxHash: refund.recordedTxHash,
    amountDelivered: refund.amountDelivered === null ? null : formatAmount(refund.amountDelivered, order.tokenDecimals),
    failureReason: refund.failureReason,
    createdAt: refund.createdAt.toISOString(),
    updatedAt: refund.updatedAt.toISOString(),
    submittedAt: iso(refund.submittedAt),
    succeededAt: iso(refund.succeededAt),
    cancelledAt: iso(refund.cancelledAt),
    failedAt: iso(refund.failedAt),
  };
}
