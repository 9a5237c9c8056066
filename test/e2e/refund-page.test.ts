/**
 * The refund page and the claim link in a real browser, on the real stack: headless Chromium (playwright-core), the
 * dev chain with the RefundRouter and the Tether-faithful USDT, the Ponder indexer, the API with its confirmer. A
 * customer who paid from an exchange fills in the claim link (a wrong checksum and a mismatch refused first); the
 * merchant then sends the refund from the refund page with the EIP-6963 test wallet (a wrong wallet refused, an old
 * allowance reset to zero, approve, refund); the refund turns `succeeded` and the merchant's server gets verified
 * `refund.destination_set` and `refund.succeeded` webhooks. Screenshots of every state in test/artifacts/
 * (desktop, phone, dark), axe-core after each state change.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { type Address, createPublicClient, createWalletClient, erc20Abi, getAddress, http, parseUnits } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningApi } from "../../api/main.js";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import * as refundRoutes from "../../api/routes/refunds/refunds.routes.js";
import * as endpointRoutes from "../../api/routes/webhook-endpoints/webhook-endpoints.routes.js";
import { hexOf, type JsonOf } from "../support/api-client.js";
import { type InProcessApi, type InProcessMerchant, startInProcessApi } from "../support/in-process-api.js";
import { mine } from "../support/chain.js";
import { launchChromium } from "../support/chromium.js";
import { DEV_ACCOUNTS, pay, tokenBySymbol } from "../support/payments.js";
import { type TestStack, startTestStack } from "../support/stack.js";
import { waitFor } from "../support/wait.js";
import { type VerifyingReceiver, startVerifyingReceiver } from "../support/webhook-receiver.js";
import { seriousA11yViolations, visiblePaymentOffers } from "../support/checkout-checks.js";
import { installTestWallet, sentTransactions } from "../support/test-wallet.js";

const CHAIN = 31337;
const CONFIRMATIONS = 2;
const payer = DEV_ACCOUNTS.payers[0];
const merchantWallet = DEV_ACCOUNTS.merchant;
/** The customer's address at an exchange (not a dev account): where the claim sends the refund. */
const CUSTOMER = getAddress("0x52908400098527886e0f7030069857d2e4169ee7");
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ARTIFACTS = path.join(root, "test/artifacts");
const PUBLIC_BASE_URL = "https://pay.acme-coffee.test";

type Refund = JsonOf<typeof refundRoutes.createRefund, 201>;

describe("refund page and claim link in Chromium", () => {
  let stack: TestStack;
  let api: RunningApi;
  /** The merchant's own calls to the API, with its API key. */
  let shop: InProcessMerchant;
  let inProcess: InProcessApi;
  let receiver: VerifyingReceiver;
  let browser: Browser;
  const pages: Page[] = [];

  const usdt = () => tokenBySymbol(stack.chain(CHAIN).record, "USDT");
  const rpc = () => stack.chain(CHAIN).url;
  const balanceOf = (owner: Address) =>
    createPublicClient({ transport: http(rpc()) }).readContract({ address: usdt().address, abi: erc20Abi, functionName: "balanceOf", args: [owner] });
  /** The page as this machine reaches it: the public URL's path on the API. */
  const local = (url: string) => `${api.url}${new URL(url).pathname}`;

  let count = 0;
  const paidOrder = async (amount: string) => {
    const order = await shop.read(orderRoutes.createQrOrder, 201, "/v1/orders", { chainId: CHAIN, symbol: "USDT", amount, merchantOrderId: `refund-page-${++count}` });
    await pay(rpc(), stack.chain(CHAIN).record, { token: usdt().address, amount: parseUnits(amount, 6), orderRef: hexOf(order.orderRef), payer });
    await mine(rpc(), CONFIRMATIONS);
    await waitFor(`order ${order.id} paid`, async () => (await shop.read(orderRoutes.getOrder, 200, `/v1/orders/${order.id}`)).status === "paid", { intervalMs: 150 });
    return order;
  };

  const DESKTOP: BrowserContextOptions = { viewport: { width: 1100, height: 1000 } };
  const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
  const open = async (url: string, { mobile = false, dark = false, account }: { mobile?: boolean; dark?: boolean; account?: Address } = {}) => {
    const context = await browser.newContext({ ...(mobile ? PHONE : DESKTOP), colorScheme: dark ? "dark" : "light" });
    const page = await context.newPage();
    pages.push(page);
    page.on("pageerror", (error) => console.error("page error:", error));
    const wallet = account ? await installTestWallet(page, { rpcUrl: rpc(), nodeChainId: CHAIN, account }) : undefined;
    await page.goto(local(url));
    return { page, wallet };
  };
  /** The page's state in a screenshot under test/artifacts/ (git-ignored), with no serious or critical axe finding. */
  const snapshot = async (page: Page, name: string) => {
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    expect(await seriousA11yViolations(page), `axe-core in state ${name}`).toEqual([]);
  };
  const statusOf = (page: Page) => page.locator("#status").getAttribute("data-status");
  const waitForText = (page: Page, selector: string, pattern: RegExp) =>
    waitFor(`${selector} to say ${pattern}`, async () => pattern.test((await page.locator(selector).textContent()) ?? ""), { intervalMs: 150, timeoutMs: 30_000 });

  beforeAll(async () => {
    stack = await startTestStack({ payers: [payer] });
    const indexer = await stack.startIndexer();
    inProcess = await startInProcessApi(stack, {
      indexerUrl: indexer.url,
      merchants: [{ name: "Acme Coffee", payouts: [{ chainId: CHAIN, address: merchantWallet }] }],
      env: { PUBLIC_BASE_URL, CHAIN_CONFIRMATIONS: `${CHAIN}=${CONFIRMATIONS}` },
    });
    ({ api } = inProcess);
    shop = inProcess.merchants[0]!;
    receiver = await startVerifyingReceiver();
    const endpoint = await shop.read(endpointRoutes.createEndpoint, 201, "/v1/webhook-endpoints", {
      url: receiver.url,
      eventTypes: ["refund.destination_set", "refund.succeeded"],
    });
    receiver.useSecret(endpoint.secret);
    browser = await launchChromium();
  });

  afterEach(async () => {
    for (const page of pages.splice(0)) await page.context().close();
  });

  afterAll(async () => {
    await browser?.close();
    await receiver?.stop();
    await inProcess?.stop();
    await stack?.stop();
  });

  it("claim link filled in, refund sent from the refund page by the payout wallet, succeeded, webhooks verified", async () => {
    const order = await paidOrder("12");
    const refund = await shop.read(refundRoutes.createRefund, 201, `/v1/orders/${order.id}/refunds`, { amount: "12", reason: "Paid from an exchange", destination: "claim" });
    expect(refund).toMatchObject({ status: "pending", destination: null, claimUrl: expect.stringContaining(`${PUBLIC_BASE_URL}/claim/`) });

    // The refund page before the claim: nothing to send, the claim link to copy.
    const waiting = await open(refund.refundUrl);
    expect(await waiting.page.locator("#send-methods").isVisible()).toBe(false);
    expect(await waiting.page.locator("#claim-url").textContent()).toBe(refund.claimUrl);
    await snapshot(waiting.page, "refund-page-awaiting-claim");

    await claimPageStates(refund);
    await fillInClaim(refund);
    // The refund page hears of the claim by itself (pushed or polled) and now offers sending.
    await waitFor("the refund page to offer sending", () => waiting.page.locator("#send-methods").isVisible(), { intervalMs: 150, timeoutMs: 30_000 });
    expect(await waiting.page.locator("#destination").textContent()).toBe(CUSTOMER);

    await wrongWalletRefused(refund);
    const before = await balanceOf(CUSTOMER);
    const { page, wallet } = await sendFromRefundPage(refund);
    expect(await balanceOf(CUSTOMER)).toBe(before + 12_000_000n);
    await mine(rpc(), CONFIRMATIONS);
    await waitFor("the page to show succeeded", async () => (await statusOf(page)) === "succeeded", { intervalMs: 150, timeoutMs: 60_000 });
    expect(await page.locator("#send-methods").isVisible()).toBe(false);
    expect(await visiblePaymentOffers(page)).toEqual([]);
    await snapshot(page, "refund-page-succeeded");
    const approvals = sentTransactions(wallet).map((tx) => tx.to.toLowerCase());
    expect(approvals).toEqual([usdt().address.toLowerCase(), usdt().address.toLowerCase(), stack.chain(CHAIN).record.refundRouter!.toLowerCase()]);

    expect(await shop.read(refundRoutes.getRefund, 200, `/v1/refunds/${refund.id}`)).toMatchObject({ status: "succeeded", destination: CUSTOMER });
    expect(await shop.read(orderRoutes.getOrder, 200, `/v1/orders/${order.id}`)).toMatchObject({ amountRefunded: "12" });
    const events = await waitFor("refund.succeeded at the receiver", () => {
      const mine = receiver.delivered.filter((e) => e.refund?.id === refund.id);
      return mine.some((e) => e.type === "refund.succeeded") ? mine : undefined;
    });
    expect(events.map((e) => [e.type, e.refund?.status, e.refund?.destination])).toEqual([
      ["refund.destination_set", "pending", CUSTOMER],
      ["refund.succeeded", "succeeded", CUSTOMER],
    ]);
    expect(receiver.rejected).toEqual([]);
  }, 300_000); // a dozen page states, each with axe-core, on a loaded machine

  /** The open claim form on a phone and in dark mode. */
  async function claimPageStates(refund: Refund) {
    for (const [name, options] of [["phone", { mobile: true }], ["dark", { dark: true }]] as const) {
      const { page } = await open(refund.claimUrl!, options);
      expect(await page.locator("#claim-network").textContent()).toBe(stack.chain(CHAIN).record.chainName);
      await snapshot(page, `claim-page-${name}`);
      await page.context().close();
      pages.pop();
    }
  }

  /** A wrong checksum, then a mismatch, each refused naming the field; then the right address twice. */
  async function fillInClaim(refund: Refund) {
    const { page } = await open(refund.claimUrl!);
    await snapshot(page, "claim-page-desktop");
    const wrongChecksum = CUSTOMER.replace("E", "e");
    await page.fill("#address", wrongChecksum);
    await page.fill("#confirmation", wrongChecksum);
    await page.click("#claim-submit");
    await waitForText(page, "#address-error", /wrong checksum/);
    await snapshot(page, "claim-page-bad-checksum");
    await page.fill("#address", CUSTOMER);
    await page.fill("#confirmation", CUSTOMER.slice(0, -1) + "8");
    await page.click("#claim-submit");
    await waitForText(page, "#confirmation-error", /does not match/);
    expect(await page.locator("#address-error").textContent()).toBe("");
    await snapshot(page, "claim-page-mismatch");
    await page.fill("#confirmation", CUSTOMER.toLowerCase());
    await page.click("#claim-submit");
    await waitForText(page, "#claimed-address", new RegExp(CUSTOMER));
    expect(await page.locator("#claim-card").isVisible()).toBe(false);
    expect(await page.locator("#status").textContent()).toBe("Address received");
    await snapshot(page, "claim-page-claimed");
  }

  /** Another account connects: the page says it is not the payout wallet and offers no send button. */
  async function wrongWalletRefused(refund: Refund) {
    const { page, wallet } = await open(refund.refundUrl, { account: payer });
    await page.click("#connect");
    await waitForText(page, "#wallet-message", /not the payout wallet/);
    expect(await page.locator("#send").isVisible()).toBe(false);
    expect(wallet!.calls.some((c) => c.method === "eth_sendTransaction")).toBe(false);
    await snapshot(page, "refund-page-wrong-wallet");
  }

  /** The payout wallet, holding an old allowance (USDT: reset to zero first), sends the refund from the page. */
  async function sendFromRefundPage(refund: Refund) {
    const router = stack.chain(CHAIN).record.refundRouter!;
    const client = createWalletClient({ account: merchantWallet, transport: http(rpc()) });
    const leftover = await client.writeContract({ chain: null, address: usdt().address, abi: erc20Abi, functionName: "approve", args: [router, 1n] });
    await createPublicClient({ transport: http(rpc()) }).waitForTransactionReceipt({ hash: leftover });
    for (const [name, options] of [["phone", { mobile: true }], ["dark", { dark: true }]] as const) {
      const view = await open(refund.refundUrl, options);
      await snapshot(view.page, `refund-page-ready-${name}`);
      await view.page.context().close();
      pages.pop();
    }
    const { page, wallet } = await open(refund.refundUrl, { account: merchantWallet });
    expect(await page.locator("#safe-data").textContent()).toMatch(/^0x[0-9a-f]+$/);
    await snapshot(page, "refund-page-ready-desktop");
    await page.click("#connect");
    await page.locator("#send").waitFor({ state: "visible" });
    await page.click("#send");
    await waitFor("the page to show submitted", async () => (await statusOf(page)) === "submitted", { intervalMs: 150, timeoutMs: 60_000 });
    await snapshot(page, "refund-page-submitted");
    return { page, wallet: wallet! };
  }

  it("shows a cancelled refund's claim link as closed, and its refund page offers nothing", async () => {
    const order = await paidOrder("3");
    const refund = await shop.read(refundRoutes.createRefund, 201, `/v1/orders/${order.id}/refunds`, { amount: "3", reason: "Changed mind", destination: "claim" });
    await shop.read(refundRoutes.cancelRefund, 200, `/v1/refunds/${refund.id}/cancel`);
    const claim = await open(refund.claimUrl!);
    expect(await claim.page.locator("#status").textContent()).toBe("Closed");
    expect(await claim.page.locator("#claim-card").isVisible()).toBe(false);
    await snapshot(claim.page, "claim-page-closed");
    const { page } = await open(refund.refundUrl, { account: merchantWallet });
    expect(await statusOf(page)).toBe("cancelled");
    expect(await visiblePaymentOffers(page)).toEqual([]);
    await snapshot(page, "refund-page-cancelled");
  }, 120_000);
});
