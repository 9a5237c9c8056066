/**
 * `bench:e2e`'s hosted checkout "block to Paid": headless Chromium (playwright-core) opens an order's checkout on the
 * API, waits until the page's status stream is open, then the order is paid through the router from a dev account
 * (automine: the send returns with the receipt, once the block exists) and the page's own clock notes the moment
 * its status badge first says paid (a MutationObserver). `e2e.ts` writes the figures as `checkoutBlockToPaid` and
 * counts these payments among the merchant's paid orders.
 */
import { type Hex, parseUnits } from "viem";
import type { Page } from "playwright-core";
import { launchChromium } from "../../test/support/chromium.js";
import { DEV_ACCOUNTS, sendPayments, tokenBySymbol } from "../../test/support/payments.js";
import { waitFor } from "../../test/support/wait.js";
import { CHAIN, type Gateway, type GatewayMerchant, type GatewayOrder } from "../../test/support/gateway.js";

export type CheckoutFigures = { payments: number; p50Ms: number; maxMs: number; samplesMs: number[] };

const SAMPLES = Number(process.env.BENCH_CHECKOUT_SAMPLES ?? 5);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Paid = Window & { paidAt?: number };

/** Opens the order's checkout and returns once its event stream answered, with an observer stamping "paid". */
async function openCheckout(page: Page, url: string) {
  const stream = page.waitForResponse((response) => response.url().endsWith("/events"));
  await page.goto(url);
  await stream;
  await page.waitForFunction(() => document.querySelector("#status")?.getAttribute("data-status") === "pending");
  await page.evaluate(() => {
    const badge = document.querySelector("#status")!;
    new MutationObserver(() => {
      if (badge.getAttribute("data-status") === "paid" && !(window as Paid).paidAt) (window as Paid).paidAt = Date.now();
    }).observe(badge, { attributes: true, childList: true, characterData: true, subtree: true });
  });
}

/** One sample: from the payment's receipt to the page showing paid, in ms. */
async function sample(page: Page, { gateway, merchant }: { gateway: Gateway; merchant: GatewayMerchant }, i: number): Promise<number> {
  const chain = gateway.stack.chain(CHAIN);
  const usdt = tokenBySymbol(chain.record, "USDT");
  const order = await merchant.createOrder("2.5");
  await openCheckout(page, `${gateway.api.url}${new URL(order.cashierUrl).pathname}`);
  await sleep(Math.random() * 300); // the block lands anywhere in the indexer's polling cycle
  const payer = DEV_ACCOUNTS.payers[i % DEV_ACCOUNTS.payers.length]!;
  await sendPayments(chain.url, chain.record, [{ token: usdt.address, amount: parseUnits(order.amount, usdt.decimals), orderRef: order.orderRef as Hex, payer, merchant: merchant.payout }]);
  const receiptAt = Date.now();
  await waitFor("the checkout to show paid", async () => (await page.evaluate(() => (window as Paid).paidAt)) !== undefined, { timeoutMs: 30_000, intervalMs: 50 });
  return (await page.evaluate(() => (window as Paid).paidAt))! - receiptAt;
}

export async function measureCheckoutPaid(context: { gateway: Gateway; merchant: GatewayMerchant }): Promise<CheckoutFigures | null> {
  if (SAMPLES <= 0) return null;
  const browser = await launchChromium();
  try {
    const samplesMs: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const page = await (await browser.newContext({ viewport: { width: 1100, height: 1000 } })).newPage();
      try {
        samplesMs.push(await sample(page, context, i));
      } finally {
        await page.context().close();
      }
    }
    const sorted = [...samplesMs].sort((a, b) => a - b);
    return { payments: samplesMs.length, p50Ms: sorted[Math.ceil(sorted.length / 2) - 1]!, maxMs: sorted.at(-1)!, samplesMs };
  } finally {
    await browser.close();
  }
}
