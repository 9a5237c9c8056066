/**
 * An order's deposit address: the one place the API (order views, the checkout, detection, the sweeper) derives it.
 * It depends only on the chain's `DepositFactory`, the payout address the order was created with and the order's
 * reference, so it is computed, never stored; `contracts/deposit-address.ts` mirrors the factory's own derivation.
 */
import type { Address } from "viem";
import { depositAddress } from "../../contracts/deposit-address.js";
import type { AcceptedChain } from "../chains/catalog.js";
import type { OrderRow } from "./views.js";

/**
 * The deposit address of `order` on `chain` (checksummed), or `null` when the chain has no `DepositFactory` in its
 * deployment record (then the order can be paid through the router only). Throws a `TypeError` naming the field
 * when the stored payout address or order reference is malformed (a corrupt row, never user input).
 */
export function orderDepositAddress(
  chain: Pick<AcceptedChain, "depositFactory"> | undefined,
  order: Pick<OrderRow, "payoutAddress" | "orderRef">,
): Address | null {
  const factory = chain?.depositFactory;
  if (!factory) return null;
  return depositAddress({ factory, payout: order.payoutAddress as Address, orderRef: order.orderRef as `0x${string}` });
}
