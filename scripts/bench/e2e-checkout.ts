/**
 * `bench:e2e`'s hook for the hosted checkout's "block to Paid" (Chromium on `/pay/:id`, a few samples): not measured
 * yet. Whoever adds the pushed checkout status fills this in; `e2e.ts` writes what it returns as
 * `checkoutBlockToPaid` and counts its payments among the merchant's paid orders.
 */
import type { Gateway, GatewayMerchant } from "../../test/e2e/support/gateway.js";

export type CheckoutFigures = { payments: number; p50Ms: number; maxMs: number; samplesMs: number[] };

export async function measureCheckoutPaid(_context: { gateway: Gateway; merchant: GatewayMerchant }): Promise<CheckoutFigures | null> {
  return null;
}
