/**
 * The hosted checkout in a real browser: headless Debian Chromium (playwright-core) opens an order's `cashierUrl`
 * on the local stack (dev chain, router and test tokens, the Ponder indexer, the API with its confirmer), with a
 * test wallet announced through EIP-6963 that signs with a funded dev account. The page only ever shows what the
 * confirmer decided.
 */
import { hexOf } from "../support/api-client.js";
import * as ordersRoutes from "../../api/routes/orders/orders.routes.js";
import * as endpointRoutes from "../../api/routes/webhook-endpoints/webhook-endpoints.routes.js";
import type { OrderView } from "../../api/orders/views.js";
import { mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContextOptions, Page, Request } from "playwright-core";
import { type Address, createPublicClient, createWalletClient, erc20Abi, http, parseUnits } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { streamSettings } from "../../api/checkout/status-stream.js";
import type { RunningApi } from "../../api/main.js";
import { type InProcessApi, type InProcessMerchant, startInProcessApi } from "../support/in-process-api.js";
import { launchChromium } from "../support/chromium.js";
import { checkoutStatus } from "../support/gateway.js";
import { DEV_ACCOUNTS, pay as payOnChain, tokenBySymbol } from "../support/payments.js";
import { type TestStack, startTestStack } from "../support/stack.js";
import { waitFor } from "../support/wait.js";
import { parse as parseEthUrl } from "eth-url-parser";
import QRCode from "qrcode";
import { depositAddress } from "../../contracts/deposit-address.js";
import { seriousA11yViolations, unusableWalletLinks, visiblePaymentOffers } from "../support/checkout-checks.js";
import { installTestWallet, sentTransactions, type TestWallet } from "../support/test-wallet.js";
import { type VerifyingReceiver, startVerifyingReceiver } from "../support/webhook-receiver.js";

const CHAIN = 31337;
const payer = DEV_ACCOUNTS.payers[0];
/** Pays orders outside the page (the part already paid of an underpaid order, a late payment), from its own balance. */
const otherPayer = DEV_ACCOUNTS.payers[1];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ARTIFACTS = path.join(root, "test/artifacts");
const SCREENSHOT = path.join(ARTIFACTS, "checkout.png");
/** The public base URL the API is told it is reached at: https, so the page offers MetaMask's dapp link. */
const PUBLIC_BASE_URL = "https://pay.acme-coffee.test";

const balanceOf = async (url: string, token: Address, holder: Address) =>
  await createPublicClient({ transport: http(url) }).readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [holder] });

type Order = OrderView;

describe("hosted checkout in Chromium", () => {
  let stack: TestStack;
  let api: RunningApi;
  /** The merchant the orders are for, unless a test says otherwise. */
  let merchant: InProcessMerchant;
  let inProcess: InProcessApi;
  let shop: Server;
  let shopUrl: string;
  /** The merchant's server: hears the signed webhooks, verified with `standardwebhooks`. */
  let receiver: VerifyingReceiver;
  let browser: Browser;
  let page: Page | undefined;
  let orderCount = 0;

  /** A merchant that waits for 3 confirmations, so its orders stay `confirming` until the test mines blocks. */
  let slowMerchant: InProcessMerchant;

  const createOrder = async (symbol: string, amount: string, extra: Record<string, unknown> = {}, by = merchant): Promise<Order> =>
    by.read(ordersRoutes.createQrOrder, 201, "/v1/orders", { chainId: CHAIN, symbol, amount, merchantOrderId: `checkout-${++orderCount}`, ...extra });
  /** The checkout as this machine reaches it: the cashierUrl's path on the API (the public base URL is not served here). */
  const checkoutPath = (order: Order) => new URL(order.cashierUrl).pathname;
  const localCheckout = (order: Order) => `${api.url}${checkoutPath(order)}`;
  const publicOrder = (order: Order) => checkoutStatus(localCheckout(order));
  const publicStatus = async (order: Order) => (await publicOrder(order)).status;
  const payOutside = async (order: Order, symbol: string, amount: string) => {
    const { record, url } = stack.chain(CHAIN);
    const token = tokenBySymbol(record, symbol);
    return payOnChain(url, record, { token: token.address, amount: parseUnits(amount, token.decimals), orderRef: hexOf(order.orderRef), payer: otherPayer });
  };
  const cancel = (order: Order) => merchant.read(ordersRoutes.cancelOrder, 200, `/v1/orders/${order.id}/cancel`);
  const mineBlocks = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await fetch(stack.chain(CHAIN).url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: i, method: "evm_mine", params: [] }) });
    }
  };

  const DESKTOP: BrowserContextOptions = { viewport: { width: 1100, height: 1000 } };
  const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
  const open = async (
    order: Order,
    {
      chainId = CHAIN,
      account = payer as Address,
      mobile = false,
      dark = false,
      withWallet = true,
    }: { chainId?: number; account?: Address; mobile?: boolean; dark?: boolean; withWallet?: boolean } = {},
  ): Promise<{ page: Page; wallet: TestWallet | undefined; requests: Request[] }> => {
    const context = await browser.newContext({ ...(mobile ? PHONE : DESKTOP), colorScheme: dark ? "dark" : "light" });
    page = await context.newPage();
    page.on("pageerror", (error) => console.error("page error:", error));
    const requests: Request[] = [];
    page.on("request", (request) => requests.push(request));
    const wallet = withWallet ? await installTestWallet(page, { rpcUrl: stack.chain(CHAIN).url, nodeChainId: CHAIN, chainId, account }) : undefined;
    await page.goto(localCheckout(order));
    return { page, wallet, requests };
  };
  /** The page's state, in a screenshot under test/artifacts/ (git-ignored) and with no serious or critical axe finding. */
  const snapshot = async (p: Page, name: string) => {
    await mkdir(ARTIFACTS, { recursive: true });
    await p.screenshot({ path: path.join(ARTIFACTS, `checkout-${name}.png`), fullPage: true });
    expect(await seriousA11yViolations(p), `axe-core in state ${name}`).toEqual([]);
  };
  const expectNothingPayable = async (p: Page) => {
    expect(await p.locator("#pay-methods").isVisible()).toBe(false);
    expect(await visiblePaymentOffers(p)).toEqual([]);
  };
  const statusOf = (p: Page) => p.locator("#status").getAttribute("data-status");
  const waitForPageStatus = async (p: Page, status: string, timeoutMs = 30_000) => {
    try {
      await waitFor(`the page to show ${status}`, async () => (await statusOf(p)) === status, { timeoutMs, intervalMs: 200 });
    } catch (error) {
      const said = await p.locator("#wallet-message").textContent().catch(() => "");
      throw new Error(`${(error as Error).message}; the page shows ${await statusOf(p)}, wallet message: ${said}`);
    }
  };

  beforeAll(async () => {
    stack = await startTestStack({ payers: [payer, otherPayer] });
    const indexer = await stack.startIndexer();

    const payouts = [{ chainId: CHAIN, address: DEV_ACCOUNTS.merchant }];
    inProcess = await startInProcessApi(stack, {
      indexerUrl: indexer.url,
      merchants: [
        { name: "Acme Coffee", payouts },
        { name: "Careful Books", confirmations: { [CHAIN]: 3 }, payouts },
      ],
      env: { PUBLIC_BASE_URL, CHAIN_CONFIRMATIONS: `${CHAIN}=1`, EXPIRY_INTERVAL_MS: "200" },
    });
    ({ api } = inProcess);
    [merchant, slowMerchant] = [inProcess.merchants[0]!, inProcess.merchants[1]!];
    receiver = await startVerifyingReceiver();
    const endpoint = await merchant.read(endpointRoutes.createEndpoint, 201, "/v1/webhook-endpoints", { url: receiver.url, eventTypes: ["order.paid"] });
    receiver.useSecret(endpoint.secret);

    // The merchant's shop: where the checkout sends the customer back.
    shop = createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><title>Shop</title><h1>Thanks for your order</h1><p>${req.url}</p>`);
    });
    await new Promise<void>((resolve) => shop.listen(0, "127.0.0.1", resolve));
    shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;

    browser = await launchChromium();
  });

  afterEach(async () => {
    vi.useRealTimers();
    streamSettings.recheckMs = 1_000;
    await page?.context().close();
    page = undefined;
  });

  afterAll(async () => {
    await browser?.close();
    if (shop) await new Promise((resolve) => shop.close(resolve));
    await receiver?.stop();
    await inProcess?.stop();
    await stack?.stop();
  });

  it("serves a page with the order's public facts only, strict security headers, a QR code and a friendly 404", async () => {
    const order = await createOrder("USDT", "3.5", { customerId: "cust-secret-42", metadata: { note: "internal-only" } });
    const response = await fetch(localCheckout(order));
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await response.text();
    expect(html).toContain("Acme Coffee");
    for (const secret of ["cust-secret-42", "internal-only", "checkout-", "sk_"]) expect(html).not.toContain(secret);
    expect(html).not.toMatch(/<script src="https?:/);
    // Only the order's deposit address and amount are offered for copying, never the merchant's own address (a plain
    // transfer to it is never credited); a warning says so.
    expect([...html.matchAll(/data-copy="([^"]+)"/g)].map((m) => m[1])).toEqual(["deposit-amount", "deposit-address"]);
    expect(html).toContain("cannot be matched to this order and are not credited");

    const status = await publicOrder(order);
    expect(status).toMatchObject({ status: "pending", amount: "3.5", amountReceived: "0", amountDue: "3.5", amountDueUnits: "3500000", toAddress: order.toAddress });
    expect(status.token).toMatchObject({ symbol: "USDT", decimals: 6, permit: false });
    expect(status).not.toHaveProperty("customerId");
    expect(status).not.toHaveProperty("metadata");
    expect(status).not.toHaveProperty("merchantOrderId");

    const qr = await fetch(`${localCheckout(order)}/qr.svg`);
    expect(qr.headers.get("content-type")).toBe("image/svg+xml");
    expect(await qr.text()).toMatch(/^<svg/);
    const script = await fetch(`${api.url}/pay/assets/checkout.js`);
    expect(script.headers.get("content-type")).toMatch(/javascript/);

    const missing = await fetch(`${api.url}/pay/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/text\/html/);
    expect(await missing.text()).toContain("could not find this checkout");
  });

  it("gives an unauthenticated 404, never a 500, for asset names that are Object.prototype's", async () => {
    for (const name of ["__proto__", "constructor", "valueOf", "toString", "hasOwnProperty", "nope.js"]) {
      const response = await fetch(`${api.url}/pay/assets/${name}`);
      expect(response.status, name).toBe(404);
    }
  });

  it("puts an unguessable token in every checkout URL: 192 random bits, not the order id, which opens nothing", async () => {
    // Orders made together (same millisecond, consecutive ids) still get unrelated checkout URLs.
    const made = await Promise.all(Array.from({ length: 8 }, () => createOrder("USDT", "1")));
    const tokens = made.map((order) => checkoutPath(order).replace(/^\/pay\//, ""));
    for (const [i, order] of made.entries()) {
      expect(order.cashierUrl).toBe(`${PUBLIC_BASE_URL}/pay/${tokens[i]}`);
      expect(order.cashierUrl).not.toContain(order.id);
      expect(Buffer.from(tokens[i]!, "base64url")).toHaveLength(24);
      expect((await fetch(`${api.url}/pay/${order.id}`)).status).toBe(404);
      expect((await fetch(`${api.url}/pay/${order.id}/status`)).status).toBe(404);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
    // No shared prefix beyond chance: the tokens are not a counter.
    const prefix = (a: string, b: string) => [...a].findIndex((ch, i) => ch !== b[i]);
    expect(Math.max(...tokens.slice(1).map((t, i) => prefix(t, tokens[i]!)))).toBeLessThan(6);
  });

  it("pays a USDT order: connect, allowance reset to zero, approve, pay; shows paid and returns to the shop", async () => {
    const { record, url } = stack.chain(CHAIN);
    const usdt = tokenBySymbol(record, "USDT");
    // A leftover non-zero allowance, so the page must apply Tether's approve-from-zero rule.
    const walletClient = createWalletClient({ transport: http(url) });
    for (const value of [0n, 1n]) {
      await walletClient.writeContract({ account: payer, chain: null, address: usdt.address, abi: erc20Abi, functionName: "approve", args: [record.router, value] });
    }
    const order = await createOrder("USDT", "12.5", { successUrl: `${shopUrl}/thanks?order=A-1` });
    const { page, wallet } = await open(order);
    await expect(page.locator("#merchant-name").textContent()).resolves.toBe("Acme Coffee");
    await expect(page.locator("#amount").textContent()).resolves.toBe("12.5");
    await expect(page.locator("#network-name").textContent()).resolves.toMatch(/\S/);
    await expect(page.locator("#countdown").textContent()).resolves.toMatch(/Expires in \d+:\d\d/);
    // Desktop: the QR code for the phone, no dapp link; the wallet button; no link MetaMask would not execute.
    expect(await page.locator("#method-metamask img.qr").isVisible()).toBe(true);
    expect(await page.locator("#metamask-link").isVisible()).toBe(false);
    expect(await unusableWalletLinks(page)).toEqual([]);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await snapshot(page, "pending");

    await page.click("#connect");
    await page.locator("#pay").waitFor({ state: "visible" });
    await page.click("#pay");
    await waitForPageStatus(page, "paid");
    expect(await publicStatus(order)).toBe("paid");

    const sends = sentTransactions(wallet!);
    expect(sends.map((tx) => tx.to.toLowerCase())).toEqual([usdt.address, usdt.address, record.router].map((a) => a.toLowerCase()));
    expect(sends[0]!.data.slice(-64)).toBe("0".repeat(64)); // approve(router, 0) first
    expect(BigInt(`0x${sends[1]!.data.slice(-64)}`)).toBe(12_500_000n);

    await expect(page.locator("#redirect-notice").textContent()).resolves.toContain("Payment confirmed");
    // Paid: nothing left to pay with, and no stale "Transaction sent…".
    await expectNothingPayable(page);
    expect(await page.locator("#wallet-message").textContent()).toBe("");
    await page.waitForURL(`${shopUrl}/thanks?order=A-1`, { timeout: 15_000 });
    // The redirect proves nothing; the merchant's server learns it from the signed webhook.
    const paidEvent = await waitFor("a verified order.paid at the merchant's receiver", () =>
      receiver.delivered.find((e) => e.orderId === order.id && e.type === "order.paid"),
    );
    expect(paidEvent.status).toBe("paid");
    expect(receiver.rejected).toEqual([]);
  });

  it("offers an underpaid order only the amount still due, and paying exactly that makes it paid", async () => {
    const order = await createOrder("USDT", "10");
    await payOutside(order, "USDT", "3");
    await waitFor("the order to be underpaid", async () => (await publicStatus(order)) === "underpaid");

    const { page, wallet } = await open(order);
    expect(await statusOf(page)).toBe("underpaid");
    await expect(page.locator("#amount").textContent()).resolves.toBe("7");
    await expect(page.locator("#amount-label").textContent()).resolves.toBe("Still to pay");
    await expect(page.locator("#amount-note").textContent()).resolves.toContain("Received 3 of 10 USDT");
    await expect(page.locator("#status-detail").textContent()).resolves.toContain("remaining 7 USDT");
    expect(await page.title()).toContain("Pay 7 USDT");
    expect(await page.locator("#payments").textContent()).toMatch(/3 USDT · confirmed/);
    // Words in the payments list wrap whole (only the hash may break anywhere).
    expect(await page.locator("#payments").evaluate((el) => getComputedStyle(el).wordBreak)).toBe("normal");
    await snapshot(page, "underpaid");

    await page.click("#connect");
    await page.locator("#pay").waitFor({ state: "visible" });
    await expect(page.locator("#pay").textContent()).resolves.toBe("Pay 7 USDT");
    await page.click("#pay");
    await waitForPageStatus(page, "paid");
    const sends = sentTransactions(wallet!);
    // The router's pay(token, amount, merchant, orderRef): the amount is the second word, and it is the rest (7 USDT).
    const payData = sends.at(-1)!.data;
    expect(BigInt(`0x${payData.slice(10 + 64, 10 + 128)}`)).toBe(7_000_000n);
    expect(await publicOrder(order)).toMatchObject({ status: "paid", amountReceived: "10" });
    await expectNothingPayable(page);
    await snapshot(page, "paid");
  });

  it("offers Send from any wallet or exchange: the deposit address, the amount due, network and token, copy buttons, an EIP-681 QR", async () => {
    const { record, url } = stack.chain(CHAIN);
    const usdt = tokenBySymbol(record, "USDT");
    const order = await createOrder("USDT", "12.5");
    const deposit = depositAddress({ factory: record.depositFactory!, payout: DEV_ACCOUNTS.merchant, orderRef: hexOf(order.orderRef) });
    const status = await publicOrder(order);
    expect(status.depositAddress).toBe(deposit);
    // The QR code's URI, read as MetaMask reads it: a plain transfer of 12.5 USDT (base units) to the deposit address.
    const uri = parseEthUrl(status.depositUri!);
    expect(uri).toMatchObject({ target_address: usdt.address, chain_id: String(CHAIN), function_name: "transfer" });
    expect(uri.parameters).toEqual({ address: deposit, uint256: "12500000" });

    const { page, requests } = await open(order);
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    const card = page.locator("#method-deposit");
    expect(await card.isVisible()).toBe(true);
    await expect(card.locator("h3").textContent()).resolves.toBe("Send from any wallet or exchange");
    await expect(page.locator("#deposit-network").textContent()).resolves.toBe(`Send only USDT on ${record.chainName}`);
    expect(await page.locator("#deposit-network").evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(20);
    await expect(page.locator("#deposit-amount").textContent()).resolves.toBe("12.5");
    await expect(page.locator("#deposit-address").textContent()).resolves.toBe(deposit);
    // The browser-wallet path is still offered beside it.
    expect(await page.locator("#connect").isVisible()).toBe(true);
    // The QR image is the one of that URI, as the server draws it.
    const qrSrc = (await page.locator("#deposit-qr").getAttribute("src"))!;
    expect(qrSrc).toBe(`${checkoutPath(order)}/transfer-qr.svg?due=12500000`);
    await waitFor("the deposit QR code to load", async () => requests.some((r) => r.url().endsWith(qrSrc)));
    const drawn = await (await fetch(`${api.url}${qrSrc}`)).text();
    expect(drawn).toBe(await QRCode.toString(status.depositUri!, { type: "svg", errorCorrectionLevel: "M", margin: 1 }));
    await snapshot(page, "deposit");

    await page.click('button[data-copy="deposit-address"]');
    await waitFor("the address to be copied", async () => (await page.evaluate(() => navigator.clipboard.readText())) === deposit);
    await expect(page.locator('button[data-copy="deposit-address"]').textContent()).resolves.toBe("Copied");
    await expect(page.locator("#copy-status").textContent()).resolves.toContain(deposit);
    await page.click('button[data-copy="deposit-amount"]');
    await waitFor("the amount to be copied", async () => (await page.evaluate(() => navigator.clipboard.readText())) === "12.5");
    await snapshot(page, "deposit-copied");

    // A part paid (through the router) lowers what the card asks for, and its QR code, while the page is open.
    await payOutside(order, "USDT", "2");
    await waitForPageStatus(page, "underpaid");
    await expect(page.locator("#deposit-amount").textContent()).resolves.toBe("10.5");
    expect(await page.locator("#deposit-qr").getAttribute("src")).toBe(`${checkoutPath(order)}/transfer-qr.svg?due=10500000`);
    await snapshot(page, "deposit-underpaid");

    // The customer's exchange sends a plain ERC-20 transfer of the rest to the deposit address: the page turns Paid.
    const exchange = createWalletClient({ account: otherPayer as Address, transport: http(url) });
    const before = await balanceOf(url, usdt.address, deposit);
    await exchange.writeContract({ address: usdt.address, abi: erc20Abi, functionName: "transfer", args: [deposit, parseUnits("10.5", 6)], chain: null });
    await waitFor("the transfer to land", async () => (await balanceOf(url, usdt.address, deposit)) === before + 10_500_000n);
    await waitForPageStatus(page, "paid");
    expect(await card.isVisible()).toBe(false); // nothing left to send
    await snapshot(page, "deposit-paid");
    const paid = await publicOrder(order);
    expect(paid).toMatchObject({ status: "paid", amountReceived: "12.5" });
  });

  it("shows the deposit option on a phone (no QR to scan with itself, big copy buttons) and in dark mode", async () => {
    const order = await createOrder("USDT", "4");
    const phone = await open(order, { mobile: true, withWallet: false });
    expect(await phone.page.locator("#method-deposit").isVisible()).toBe(true);
    expect(await phone.page.locator("img.qr:visible").count()).toBe(0);
    for (const button of await phone.page.locator("button[data-copy]").all()) {
      expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(40);
    }
    await expect(phone.page.locator("#deposit-amount").textContent()).resolves.toBe("4");
    await snapshot(phone.page, "deposit-phone");
    await phone.page.context().close();
    const dark = await open(order, { dark: true });
    expect(await dark.page.locator("#deposit-qr").isVisible()).toBe(true);
    await snapshot(dark.page, "deposit-dark");
  });

  it("pays a permit token (USDC) with one signature and one transaction, after a rejected signature is explained", async () => {
    const { record } = stack.chain(CHAIN);
    const order = await createOrder("USDC", "7.25");
    // Dark mode, with the error message showing: its contrast too (was 2.83:1).
    const { page, wallet } = await open(order, { dark: true });
    await page.click("#connect");
    await page.locator("#pay").waitFor({ state: "visible" });

    wallet!.rejectNext = true;
    await page.click("#pay");
    await page.locator("#wallet-message", { hasText: "rejected" }).waitFor();
    expect(await page.locator("#wallet-message").textContent()).toContain("nothing was sent");
    expect(await statusOf(page)).toBe("pending");
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, "-dark.png"), fullPage: true });
    await snapshot(page, "error-dark");

    wallet!.calls.length = 0;
    await page.click("#pay");
    await waitForPageStatus(page, "paid");
    expect(wallet!.calls.filter((c) => c.method === "eth_signTypedData_v4")).toHaveLength(1);
    const sends = sentTransactions(wallet!);
    expect(sends.map((tx) => tx.to.toLowerCase())).toEqual([record.router.toLowerCase()]);
    expect(await publicStatus(order)).toBe("paid");
    await snapshot(page, "paid-dark");
  });

  it("asks a wallet on the wrong network to switch before paying, and explains a declined switch", async () => {
    const order = await createOrder("USDT", "2");
    const { page, wallet } = await open(order, { chainId: 1 });
    await page.click("#connect");
    await page.locator("#pay").waitFor({ state: "visible" });
    wallet!.rejectNext = true; // the customer first declines the switch
    await page.click("#pay");
    await page.locator("#wallet-message", { hasText: "Wrong network" }).waitFor();
    await snapshot(page, "error");
    expect(wallet!.calls.some((c) => c.method === "eth_sendTransaction")).toBe(false);
    await page.click("#pay");
    await waitForPageStatus(page, "paid");
    const switches = wallet!.calls.filter((c) => c.method === "wallet_switchEthereumChain");
    expect(switches).toEqual(Array(2).fill({ method: "wallet_switchEthereumChain", params: [{ chainId: "0x7a69" }] }));
  });

  it("tells a customer whose wallet lacks the tokens, before asking for anything, on a phone-sized screen", async () => {
    const order = await createOrder("USDT", "5");
    const { page, wallet } = await open(order, { account: DEV_ACCOUNTS.payers[3], mobile: true });
    // In a wallet's own browser the wallet card does it all: no "Open in MetaMask" that would reopen this page.
    expect(await page.locator("#method-metamask").isVisible()).toBe(false);
    await page.click("#connect");
    await page.locator("#pay").waitFor({ state: "visible" });
    await page.click("#pay");
    await page.locator("#wallet-message", { hasText: "Insufficient balance" }).waitFor();
    expect(await page.locator("#wallet-message").textContent()).toContain("the order needs 5");
    expect(wallet!.calls.some((c) => c.method === "eth_sendTransaction" || c.method === "eth_signTypedData_v4")).toBe(false);
    expect(await page.locator("#pay").isEnabled()).toBe(true);
  });

  it("gives a phone without a browser wallet a tappable Open in MetaMask link to this checkout, and no Connect button", async () => {
    const order = await createOrder("USDT", "5");
    const { page } = await open(order, { mobile: true, withWallet: false });
    const link = page.locator("#metamask-link");
    expect(await link.isVisible()).toBe(true);
    expect(await link.getAttribute("href")).toBe(`https://metamask.app.link/dapp/${PUBLIC_BASE_URL.replace("https://", "")}${checkoutPath(order)}`);
    const box = (await link.boundingBox())!;
    expect(box.height).toBeGreaterThanOrEqual(44); // a comfortable tap target
    expect(box.width).toBeGreaterThanOrEqual(200);
    expect(await page.locator("img.qr:visible").count()).toBe(0); // no "scan this" on the phone that would scan it
    expect(await page.locator("#no-wallet").isVisible()).toBe(true);
    expect(await page.locator("#connect").isVisible()).toBe(false);
    expect(await page.locator("#transfer-warning").isVisible()).toBe(true);
    expect(await unusableWalletLinks(page)).toEqual([]);
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, "-mobile.png"), fullPage: true });
    await snapshot(page, "pending-phone");
  });

  it("shows a confirming payment as N of M confirmations with nothing to pay, then paid once the blocks arrive", async () => {
    const order = await createOrder("USDT", "6", {}, slowMerchant);
    await payOutside(order, "USDT", "6");
    await waitFor("the order to be confirming", async () => (await publicStatus(order)) === "confirming");
    const { page } = await open(order);
    expect(await statusOf(page)).toBe("confirming");
    await expect(page.locator("#payments").textContent()).resolves.toMatch(/6 USDT · 1 of 3 confirmations/);
    await expectNothingPayable(page);
    await snapshot(page, "confirming");
    await mineBlocks(2);
    await waitForPageStatus(page, "paid");
    await expect(page.locator("#payments").textContent()).resolves.toMatch(/6 USDT · confirmed/);
    expect(await page.locator("#payments").textContent()).not.toContain("/");
  });

  it("shows each closed order's outcome and nothing to pay with: overpaid, cancelled, paid late", async () => {
    const overpaid = await createOrder("USDT", "4");
    await payOutside(overpaid, "USDT", "5");
    const cancelled = await createOrder("USDT", "4");
    await cancel(cancelled);
    const late = await createOrder("USDT", "4");
    await cancel(late);
    await payOutside(late, "USDT", "4"); // after the cancel: paid_late
    for (const [order, status, says] of [
      [overpaid, "overpaid", "Received 5 of 4 USDT"],
      [cancelled, "cancelled", "Do not pay it"],
      [late, "paid_late", "arrived after the order had closed"],
    ] as const) {
      await waitFor(`the order to be ${status}`, async () => (await publicStatus(order)) === status);
      const { page } = await open(order);
      expect(await statusOf(page)).toBe(status);
      expect(await page.locator("#status-detail").textContent()).toContain(says);
      await expectNothingPayable(page);
      expect(await page.locator("#countdown").isVisible()).toBe(false);
      await snapshot(page, status);
      await page.context().close();
    }
  });

  it("pushes status changes over server-sent events: the page shows paid without ever polling", async () => {
    // No re-check during this test: only the confirmer's commit (the order-change signal) can tell the stream.
    streamSettings.recheckMs = 10 * 60_000;
    const order = await createOrder("USDT", "3");
    const events = await fetch(`${localCheckout(order)}/events`);
    expect(events.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(events.headers.get("content-security-policy")).toContain("default-src 'none'");
    const reader = events.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const pushed: object = JSON.parse(/^data: (.*)$/m.exec(first)![1]!);
    const polled = await publicOrder(order);
    expect({ ...pushed, serverTime: null }).toEqual({ ...polled, serverTime: null }); // the same customer-safe fields

    const { page, requests } = await open(order);
    await page.waitForFunction(() => document.querySelector("#status")?.textContent === "Waiting for payment");
    await waitFor("the page's event stream", () => requests.some((r) => r.url().endsWith("/events")));
    // The moment the page first shows "Paid", by the page's own clock (epoch ms).
    await page.evaluate(() => {
      const badge = document.querySelector("#status")!;
      new MutationObserver(() => {
        if (badge.getAttribute("data-status") === "paid" && !(window as { paidAt?: number }).paidAt) (window as { paidAt?: number }).paidAt = Date.now();
      }).observe(badge, { attributes: true, childList: true, characterData: true, subtree: true });
    });
    const paidOnChain = await payOutside(order, "USDT", "3");
    const block = await createPublicClient({ transport: http(stack.chain(CHAIN).url) }).getBlock({ blockNumber: paidOnChain.blockNumber });
    const blockTime = Number(block.timestamp) * 1000;
    const receiptAt = Date.now();
    await waitForPageStatus(page, "paid");
    const paidAt = (await page.evaluate(() => (window as { paidAt?: number }).paidAt))!;
    console.log(`checkout: "Paid" shown ${paidAt - receiptAt} ms after the receipt (block timestamp ${blockTime}, second resolution)`);
    expect(requests.filter((r) => r.url().includes("/status"))).toEqual([]);
    await page.context().close(); // ends the stream while the long re-check is still set
    streamSettings.recheckMs = 1_000;
  });

  it("falls back to polling when the event stream fails, and still shows paid", async () => {
    const order = await createOrder("USDT", "3");
    const context = await browser.newContext(DESKTOP);
    page = await context.newPage();
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    // Every stream is cut as soon as it opens (a proxy that drops it), and the browser's reconnects too.
    let streamsCut = 0;
    await page.route("**/events", async (route) => {
      streamsCut += 1;
      await route.fulfill({ status: 200, headers: { "content-type": "text/event-stream" }, body: "retry: 60000\n\n" });
    });
    await page.goto(localCheckout(order));
    await waitFor("a status poll", () => requests.some((url) => url.endsWith("/status")));
    await payOutside(order, "USDT", "3");
    await waitForPageStatus(page, "paid");
    expect(streamsCut).toBeGreaterThanOrEqual(1);
  });

  it("shows an expired order as expired and offers no way to pay it", async () => {
    const order = await createOrder("USDT", "4", { expiresIn: 60 });
    // The API runs in this process: its clock jumps past the expiry and the expiry loop does the rest.
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 2 * 60_000);
    await waitFor("the order to expire", async () => (await publicStatus(order)) === "expired");
    const { page } = await open(order);
    expect(await statusOf(page)).toBe("expired");
    expect(await page.locator("#status-detail").textContent()).toContain("can no longer be paid");
    await expectNothingPayable(page);
    await snapshot(page, "expired");
  });

  it("pushes an expiry to a page that is already open", async () => {
    // Ten minutes, not one: the test before moved the API's clock 2 minutes ahead, and an expiry pass it started then
    // may still be running with that time when this order is created; it must not find this one already expired.
    const order = await createOrder("USDT", "4", { expiresIn: 600 });
    const { page } = await open(order);
    // The page is open and payable (its client shows the ways to pay once it has started; under load that is after
    // the load event), and only then does the order expire.
    await page.locator("#pay-methods").waitFor({ state: "visible", timeout: 15_000 });
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 11 * 60_000);
    await waitForPageStatus(page, "expired");
    await expectNothingPayable(page);
  });
});
