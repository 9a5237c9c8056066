/**
 * The customer's claim link (`claimUrl`) sets the destination of a refund created with `destination: "claim"`:
 * once, while the refund is `pending`, under the order's row lock (as every refund write takes it), with a
 * `refund.destination_set` event in the same transaction. From then on the refund has its RefundRouter transaction
 * and the merchant's refund page lets the payout wallet send it. The address never changes after: a wrong one is
 * fixed by the merchant cancelling the refund and creating another.
 */
import { eq } from "drizzle-orm";
import { getAddress, type Address } from "viem";
import type { Database } from "../db/client.js";
import { orders, refunds } from "../db/schema.js";
import { notifyOutbox } from "../webhooks/outbox-signal.js";
import type { OrderRow } from "../orders/views.js";
import { RefundClaimAddressError, RefundClaimClosedError, RefundDestinationAlreadySetError, RefundNotFoundError } from "./errors.js";
import { writeRefundEvent, type RefundContext } from "./events.js";
import type { RefundRow } from "./views.js";

export async function claimRefundDestination(
  db: Database,
  { claimToken, address, now, ctx }: { claimToken: string; address: Address; now: Date; ctx: RefundContext },
): Promise<{ refund: RefundRow; order: OrderRow }> {
  const result = await db.transaction(async (tx) => {
    const [found] = await tx.select({ id: refunds.id, orderId: refunds.orderId }).from(refunds).where(eq(refunds.claimToken, claimToken));
    if (!found) throw new RefundNotFoundError();
    const [order] = await tx.select().from(orders).where(eq(orders.id, found.orderId)).for("update");
    const [refund] = await tx.select().from(refunds).where(eq(refunds.id, found.id));
    if (refund!.destination) throw new RefundDestinationAlreadySetError(refund!.destination);
    if (refund!.status !== "pending") throw new RefundClaimClosedError(refund!.status);
    const destination = receivable(address, order!, ctx);
    const [updated] = await tx
      .update(refunds)
      .set({ destination, destinationSetAt: now, updatedAt: now })
      .where(eq(refunds.id, found.id))
      .returning();
    await writeRefundEvent(tx, "refund.destination_set", { refund: updated!, order: order!, ctx, now });
    return { refund: updated!, order: order! };
  });
  notifyOutbox();
  return result;
}

/** The address, checksummed, unless the tokens would be lost or go back to the merchant there. */
function receivable(address: Address, order: OrderRow, ctx: RefundContext): Address {
  const checksummed = getAddress(address);
  if (BigInt(checksummed) === 0n) throw new RefundClaimAddressError("must not be the zero address");
  if (checksummed === getAddress(order.payoutAddress)) throw new RefundClaimAddressError("is the merchant's own wallet, which sends the refund");
  const chain = ctx.chains.chain(order.chainId);
  const contracts = [order.tokenAddress, order.routerAddress, chain?.refundRouter].filter((a): a is string => !!a).map((a) => getAddress(a));
  if (contracts.includes(checksummed)) throw new RefundClaimAddressError("is a contract (the token or a router), not a wallet: tokens sent there are lost");
  return checksummed;
}
