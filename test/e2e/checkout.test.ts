/**
 * The hosted checkout in a real browser: headless Debian Chromium (playwright-core) opens an order's `cashierUrl`
 * on the local stack (dev chain, router and test tokens, the Ponder indexer, the API with its confirmer), with a
 * test wallet announced through EIP-6963 that signs with a funded dev account. The page only ever shows what the
 * confirmer decided.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { type Address, createWalletClient, erc20Abi, http } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as admin from "../../api/admin/commands.js";
import { parseConfig } from "../../api/config.js";
import { openDatabase } from "../../api/db/client.js";
import { migrate } from "../../api/db/migrate.js";
import { ChainCatalog } from "../../api/chains/catalog.js";
import { type RunningApi, startApi } from "../../api/main.js";
import { freePort } from "../../shared/ports.js";
import { DEV_ACCOUNTS, tokenBySymbol } from "../support/payments.js";
import { type TestStack, startTestStack } from "../support/stack.js";
import { waitFor } from "../support/wait.js";
import { installTestWallet, type TestWallet } from "./support/test-wallet.js";
import { type VerifyingReceiver, startVerifyingReceiver } from "./support/webhook-receiver.js";

const CHAIN = 31337;
const payer = DEV_ACCOUNTS.payers[0];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SCREENSHOT = path.join(root, "test/artifacts/checkout.png");

type Order = { id: string; status: string; cashierUrl: string; toAddress: Address };

describe("hosted checkout in Chromium", () => {
  let stack: TestStack;
  let api: RunningApi;
  let apiKey: string;
  let dataDir: string;
  let shop: Server;
  let shopUrl: string;
  /** The merchant's server: hears the signed webhooks, verified with `standardwebhooks`. */
  let receiver: VerifyingReceiver;
  let browser: Browser;
  let page: Page | undefined;
  let orderCount = 0;

  const createOrder = async (symbol: string, amount: string, extra: Record<string, unknown> = {}): Promise<Order> => {
    const response = await fetch(`${api.url}/v1/orders`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ chainId: CHAIN, symbol, amount, merchantOrderId: `checkout-${++orderCount}`, ...extra }),
    });
    const body = await response.json();
    if (response.status !== 201) throw new Error(`create order: ${response.status} ${JSON.stringify(body)}`);
    return body as Order;
  };
  const publicStatus = async (id: string) => ((await (await fetch(`${api.url}/pay/${id}/status`)).json()) as { status: string }).status;

  const open = async (
    order: Order,
    { chainId = CHAIN, account = payer as Address, mobile = false }: { chainId?: number; account?: Address; mobile?: boolean } = {},
  ): Promise<{ page: Page; wallet: TestWallet }> => {
    const context = await browser.newContext(
      mobile ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } : { viewport: { width: 1100, height: 1000 } },
    );
    page = await context.newPage();
    page.on("pageerror", (error) => console.error("page error:", error));
    const wallet = await installTestWallet(page, { rpcUrl: stack.chain(CHAIN).url, nodeChainId: CHAIN, chainId, account });
    await page.goto(order.cashierUrl);
    return { page, wallet };
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
    stack = await startTestStack({ payers: [payer] });
    const indexer = await stack.startIndexer();

    dataDir = await mkdtemp(path.join(tmpdir(), "stablegate-checkout-"));
    const handle = await openDatabase({ dataDir });
    await migrate(handle.db);
    const chains = await ChainCatalog.load({ dir: stack.deploymentsDir });
    const merchant = await admin.createMerchant(handle.db, { name: "Acme Coffee" });
    await admin.setPayoutAddress(handle.db, chains, { merchantId: merchant.id, chainId: CHAIN, address: DEV_ACCOUNTS.merchant });
    apiKey = (await admin.issueApiKey(handle.db, { merchantId: merchant.id })).key;
    await handle.close();

    const config = parseConfig({
      API_HOST: "127.0.0.1",
      API_PORT: String(await freePort()),
      API_DATA_DIR: dataDir,
      DEPLOYMENTS_DIR: stack.deploymentsDir,
      INDEXER_URL: indexer.url,
      CHAIN_CONFIRMATIONS: `${CHAIN}=1`,
      CONFIRMER_INTERVAL_MS: "100",
      EXPIRY_INTERVAL_MS: "200",
      AUTH_CACHE_MS: "0",
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    });
    api = await startApi(config, { log: () => {} });
    receiver = await startVerifyingReceiver();
    const endpoint = await fetch(`${api.url}/v1/webhook-endpoints`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ url: receiver.url, eventTypes: ["order.paid"] }),
    });
    receiver.useSecret(((await endpoint.json()) as { secret: string }).secret);

    // The merchant's shop: where the checkout sends the customer back.
    shop = createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><title>Shop</title><h1>Thanks for your order</h1><p>${req.url}</p>`);
    });
    await new Promise<void>((resolve) => shop.listen(0, "127.0.0.1", resolve));
    shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;

    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });

  afterEach(async () => {
    vi.useRealTimers();
    await page?.context().close();
    page = undefined;
  });

  afterAll(async () => {
    await browser?.close();
    if (shop) await new Promise((resolve) => shop.close(resolve));
    await receiver?.stop();
    await api?.stop();
    await stack?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("serves a page with the order's public facts only, strict security headers, a QR code and a friendly 404", async () => {
    const order = await createOrder("USDT", "3.5", { customerId: "cust-secret-42", metadata: { note: "internal-only" } });
    const response = await fetch(order.cashierUrl);
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await response.text();
    expect(html).toContain("Acme Coffee");
    expect(html).toContain(DEV_ACCOUNTS.merchant);
    for (const secret of ["cust-secret-42", "internal-only", "checkout-", "sk_"]) expect(html).not.toContain(secret);
    expect(html).not.toMatch(/<script src="https?:/);

    const status = (await (await fetch(`${api.url}/pay/${order.id}/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ status: "pending", amount: "3.5", amountReceived: "0", toAddress: order.toAddress });
    expect(status.token).toMatchObject({ symbol: "USDT", decimals: 6, permit: false });
    expect(status).not.toHaveProperty("customerId");
    expect(status).not.toHaveProperty("metadata");
    expect(status).not.toHaveProperty("merchantOrderId");

    const qr = await fetch(`${api.url}/pay/${order.id}/qr.svg`);
    expect(qr.headers.get("content-type")).toBe("image/svg+xml");
    expect(await qr.text()).toMatch(/^<svg/);
    const script = await fetch(`${api.url}/pay/assets/checkout.js`);
    expect(script.headers.get("content-type")).toMatch(/javascript/);

    const missing = await fetch(`${api.url}/pay/ord_01JD3S6X2V8Q0000000000000`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/text\/html/);
    expect(await missing.text()).toContain("could not find this checkout");
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
    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.click("#connect");
    await page.locator("#pay").waitFor({ state: "visible" });
    await page.click("#pay");
    await waitForPageStatus(page, "paid");
    expect(await publicStatus(order.id)).toBe("paid");

    const sends = wallet.calls.filter((c) => c.method === "eth_sendTransaction").map((c) => (c.params[0] as { to: string; data: string }));
    expect(sends.map((tx) => tx.to.toLowerCase())).toEqual([usdt.address, usdt.address, record.router].map((a) => a.toLowerCase()));
    expect(sends[0]!.data.slice(-64)).toBe("0".repeat(64)); // approve(router, 0) first
    expect(BigInt(`0x${sends[1]!.data.slice(-64)}`)).toBe(12_500_000n);
    expect(await page.locator("#steps").textContent()).toContain("allowance to 0");

    await expect(page.locator("#redirect-notice").textContent()).resolves.toContain("Payment confirmed");
    await page.waitForURL(`${shopUrl}/thanks?order=A-1`, { timeout: 15_000 });
    // The redirect proves nothing; the merchant's server learns it from the signed webhook.
    const paidEvent = await waitFor("a verified order.paid at the merchant's receiver", () =>
      receiver.delivered.find((e) => e.orderId === order.id && e.type === "order.paid"),
    );
    expect(paidEvent.status).toBe("paid");
    expect(receiver.rejected).toEqual([]);
  });

  it("pays a permit token (USDC) with one signature and one transaction, after a rejected signature is explained", async () => {
    const { record } = stack.chain(CHAIN);
    const order = await createOrder("USDC", "7.25");
    const { page, wallet } = await open(order);
    await page.click("#connect");
    await page.locator("#pay").waitFor({ state: "visible" });

    wallet.rejectNext = true;
    await page.click("#pay");
    await page.locator("#wallet-message", { hasText: "rejected" }).waitFor();
    expect(await page.locator("#wallet-message").textContent()).toContain("nothing was sent");
    expect(await statusOf(page)).toBe("pending");

    wallet.calls.length = 0;
    await page.click("#pay");
    await waitForPageStatus(page, "paid");
    expect(wallet.calls.filter((c) => c.method === "eth_signTypedData_v4")).toHaveLength(1);
    const sends = wallet.calls.filter((c) => c.method === "eth_sendTransaction").map((c) => c.params[0] as { to: string });
    expect(sends.map((tx) => tx.to.toLowerCase())).toEqual([record.router.toLowerCase()]);
    expect(await publicStatus(order.id)).toBe("paid");
  });

  it("asks a wallet on the wrong network to switch before paying, and explains a declined switch", async () => {
    const order = await createOrder("USDT", "2");
    const { page, wallet } = await open(order, { chainId: 1 });
    await page.click("#connect");
    await page.locator("#pay").waitFor({ state: "visible" });
    wallet.rejectNext = true; // the customer first declines the switch
    await page.click("#pay");
    await page.locator("#wallet-message", { hasText: "Wrong network" }).waitFor();
    expect(wallet.calls.some((c) => c.method === "eth_sendTransaction")).toBe(false);
    await page.click("#pay");
    await waitForPageStatus(page, "paid");
    const switches = wallet.calls.filter((c) => c.method === "wallet_switchEthereumChain");
    expect(switches).toEqual(Array(2).fill({ method: "wallet_switchEthereumChain", params: [{ chainId: "0x7a69" }] }));
    expect(await page.locator("#steps").textContent()).toContain("switch to");
  });

  it("tells a customer whose wallet lacks the tokens, before asking for anything, on a phone-sized screen", async () => {
    const order = await createOrder("USDT", "5");
    const { page, wallet } = await open(order, { account: DEV_ACCOUNTS.payers[3], mobile: true });
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, "-mobile.png"), fullPage: true });
    await page.click("#connect");
    await page.locator("#pay").waitFor({ state: "visible" });
    await page.click("#pay");
    await page.locator("#wallet-message", { hasText: "Insufficient balance" }).waitFor();
    expect(await page.locator("#wallet-message").textContent()).toContain("the order needs 5");
    expect(wallet.calls.some((c) => c.method === "eth_sendTransaction" || c.method === "eth_signTypedData_v4")).toBe(false);
    expect(await page.locator("#pay").isEnabled()).toBe(true);
  });

  it("shows an expired order as expired and offers no way to pay it", async () => {
    const order = await createOrder("USDT", "4", { expiresIn: 60 });
    // The API runs in this process: its clock jumps past the expiry and the expiry loop does the rest.
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 2 * 60_000);
    await waitFor("the order to expire", async () => (await publicStatus(order.id)) === "expired");
    const { page } = await open(order);
    expect(await statusOf(page)).toBe("expired");
    expect(await page.locator("#pay").isVisible()).toBe(false);
    expect(await page.locator("#connect").isVisible()).toBe(false);
    expect(await page.locator("#status-detail").textContent()).toContain("can no longer be paid");
  });
});
