/**
 * The console in a real browser (headless Chromium through playwright-core) on the local stack: dev chain with the
 * router and test tokens, the Ponder indexer, the API with its confirmer and webhook dispatcher, a merchant's
 * verifying webhook receiver. People sign in with TOTP; support finds a paid order by its transaction hash; finance
 * downloads a CSV whose totals equal `GET /v1/balance`; a developer redelivers a webhook; an owner changes a
 * payout address with a signature from the EIP-6963 test wallet; support never sees API keys. Every page passes
 * axe-core (no serious or critical violation) and is photographed at desktop and phone size into test/artifacts/.
 */
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AxeBuilder } from "@axe-core/playwright";
import { eq } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentTotp, newTotpSecret } from "../../api/console/access/totp.js";
import { createUser, setMembership } from "../../api/console/access/users.js";
import { consoleUsers, type ConsoleRole } from "../../api/db/schema.js";
import type { RunningApi } from "../../api/main.js";
import * as balanceRoutes from "../../api/routes/balance/balance.routes.js";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import * as endpointRoutes from "../../api/routes/webhook-endpoints/webhook-endpoints.routes.js";
import { hexOf } from "../support/api-client.js";
import { launchChromium } from "../support/chromium.js";
import { type InProcessApi, type InProcessMerchant, startInProcessApi } from "../support/in-process-api.js";
import { encryptSecret, loadOrCreateKeyFile } from "../../api/webhooks/secret-box.js";
import { DEV_ACCOUNTS, pay, randomOrderRef, tokenBySymbol } from "../support/payments.js";
import { type TestStack, startTestStack } from "../support/stack.js";
import { waitFor } from "../support/wait.js";
import { installTestWallet } from "../support/test-wallet.js";
import { type VerifyingReceiver, startVerifyingReceiver } from "../support/webhook-receiver.js";

const CHAIN = 31337;
const payer = DEV_ACCOUNTS.payers[0];
const newPayout = DEV_ACCOUNTS.payers[1] as Address;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ARTIFACTS = path.join(root, "test/artifacts");
const PASSWORD = "console e2e password";

type Person = { email: string; secret: string };

describe("console in Chromium", () => {
  let stack: TestStack;
  let api: RunningApi;
  let merchantId: string;
  let inProcess: InProcessApi;
  /** The merchant's own calls to the API, with its API key. */
  let shop: InProcessMerchant;
  let receiver: VerifyingReceiver;
  let browser: Browser;
  const people = {} as Record<ConsoleRole | "operator", Person>;
  let paidOrder: { id: string; txHash: string };
  const contexts: BrowserContext[] = [];
  /** Signed-in pages kept across tests: a TOTP code is good once, so signing in again would wait for the next step. */
  let ownerPage: Page;
  let supportPage: Page;

  const createOrder = (body: Record<string, unknown>) => shop.read(orderRoutes.createQrOrder, 201, "/v1/orders", { chainId: CHAIN, symbol: "USDT", ...body });

  async function openPage({ mobile = false } = {}): Promise<Page> {
    const context = await browser.newContext(mobile ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } : { viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    page.on("pageerror", (error) => console.error("page error:", error));
    return page;
  }

  async function signIn(page: Page, who: Person) {
    await page.goto(`${api.url}/console/login`);
    await page.fill("#email", who.email);
    await page.fill("#password", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL(/\/console\/login\/2fa$/);
    // Each code is good once: wait for a fresh step if this person already used the current one.
    await page.fill("#code", await freshCode(who));
    await page.click("form[action='/console/login/2fa'] button[type=submit]");
    await page.waitForURL(/\/console\/(m\/[^/]+\/orders|operator)/);
  }

  const usedSteps = new Map<string, number>();
  async function freshCode(who: Person) {
    let step = Math.floor(Date.now() / 30_000);
    if (usedSteps.get(who.email) === step) {
      await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 200));
      step = Math.floor(Date.now() / 30_000);
    }
    usedSteps.set(who.email, step);
    return currentTotp(who.secret, new Date());
  }

  /** axe-core (0 serious/critical) and screenshots at desktop and phone size. */
  async function check(page: Page, name: string) {
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join("; ")})`), name).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, `console-${name}-desktop.png`), fullPage: true });
    const phone = await page.context().browser()!.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, storageState: await page.context().storageState() });
    contexts.push(phone);
    const small = await phone.newPage();
    await small.goto(page.url());
    const phoneResults = await new AxeBuilder({ page: small }).analyze();
    expect(phoneResults.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id), `${name} (phone)`).toEqual([]);
    await small.screenshot({ path: path.join(ARTIFACTS, `console-${name}-phone.png`), fullPage: true });
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    stack = await startTestStack({ payers: [payer] });
    const indexer = await stack.startIndexer();
    inProcess = await startInProcessApi(stack, {
      indexerUrl: indexer.url,
      merchants: [{ name: "Acme Coffee", payouts: [{ chainId: CHAIN, address: DEV_ACCOUNTS.merchant }], keyLabel: "e2e" }],
      env: { CHAIN_CONFIRMATIONS: `${CHAIN}=1` },
      prepare: async (db, { dataDir, merchants }) => {
        const secretsKey = await loadOrCreateKeyFile(dataDir);
        merchantId = merchants[0]!.id;
        for (const role of ["owner", "developer", "support", "finance", "operator"] as const) {
          const email = `${role}@acme.test`;
          const { user } = await createUser(db, { email, password: PASSWORD, isOperator: role === "operator" });
          if (role !== "operator") await setMembership(db, { userId: user.id, merchantId, role });
          // Enrolled already (the owner enrols through the page in its own test): the TOTP secret an authenticator holds.
          const secret = newTotpSecret();
          if (role !== "owner") await db.update(consoleUsers).set({ totpSecretEncrypted: encryptSecret(secretsKey, secret), totpEnabledAt: new Date() }).where(eq(consoleUsers.id, user.id));
          people[role] = { email, secret };
        }
      },
    });
    ({ api } = inProcess);
    shop = inProcess.merchants[0]!;
    receiver = await startVerifyingReceiver();
    const endpoint = await shop.read(endpointRoutes.createEndpoint, 201, "/v1/webhook-endpoints", { url: receiver.url });
    receiver.useSecret(endpoint.secret);

    // Two paid orders, one pending, one payment nobody ordered (unmatched).
    const record = stack.chain(CHAIN).record;
    const usdt = tokenBySymbol(record, "USDT");
    const paid: { id: string; txHash: string }[] = [];
    for (const [i, amount] of [["12.5", 12_500_000n], ["3.25", 3_250_000n]] as const) {
      const order = await createOrder({ amount: i, merchantOrderId: `A-${1000 + paid.length}`, customerId: "cust-7" });
      const log = await pay(stack.chain(CHAIN).url, record, { token: usdt.address, amount, orderRef: hexOf(order.orderRef), payer });
      paid.push({ id: order.id, txHash: log.txHash });
    }
    await createOrder({ amount: "40", merchantOrderId: "A-2000" });
    await pay(stack.chain(CHAIN).url, record, { token: usdt.address, amount: 1_000_000n, orderRef: randomOrderRef(), payer });
    for (const order of paid) {
      await waitFor(`order ${order.id} paid`, async () => (await shop.read(orderRoutes.getOrder, 200, `/v1/orders/${order.id}`)).status === "paid", { timeoutMs: 60_000, intervalMs: 200 });
    }
    await waitFor("both order.paid webhooks", async () => receiver.delivered.filter((e) => e.type === "order.paid").length >= 2, { timeoutMs: 30_000, intervalMs: 100 });
    paidOrder = paid[0]!;

    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await receiver?.stop();
    await inProcess?.stop();
    await stack?.stop();
  });

  it("an owner signs in for the first time: enrols TOTP from the QR page, gets recovery codes, and is in", async () => {
    const page = (ownerPage = await openPage());
    await page.goto(`${api.url}/console/login`);
    await check(page, "sign-in");
    await page.fill("#email", people.owner.email);
    await page.fill("#password", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL(/\/console\/enrol$/);
    await expect(page.locator(".qr svg").count()).resolves.toBe(1);
    await check(page, "enrol");
    people.owner.secret = (await page.locator("#totp-secret").textContent())!.trim();
    usedSteps.set(people.owner.email, Math.floor(Date.now() / 30_000));
    await page.fill("#code", currentTotp(people.owner.secret, new Date()));
    await page.click("form[action='/console/enrol'] button[type=submit]");
    await expect(page.locator("#recovery-codes li").count()).resolves.toBe(10);
    await check(page, "recovery-codes");
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "__Host-sg_session")!;
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict" });
  });

  it("support signs in with TOTP, finds the order by transaction hash and reads its timeline", async () => {
    const page = (supportPage = await openPage());
    await signIn(page, people.support);
    await check(page, "orders");
    await page.fill("#q", paidOrder.txHash);
    await page.click("form.search button[type=submit]");
    await page.click(`a[href$="/orders/${paidOrder.id}"]`);
    await page.waitForURL(new RegExp(`/orders/${paidOrder.id}$`));
    await expect(page.locator("#order-status").textContent()).resolves.toBe("paid");
    const timeline = (await page.locator("#timeline").textContent())!;
    expect(timeline).toContain("Order created");
    expect(timeline).toContain("Payment seen: 12.5 USDT");
    expect(timeline).toContain("Payment confirmed: 12.5 USDT");
    expect(timeline).toContain(paidOrder.txHash);
    expect(timeline).toContain("Event order.paid");
    expect(timeline).toMatch(/Webhook order\.paid → 204 in \d+ ms/);
    await check(page, "order");
    await page.goto(`${api.url}/console/m/${merchantId}/unmatched`);
    await expect(page.locator("text=unknown_order_ref").count()).resolves.toBeGreaterThan(0);
    await check(page, "unmatched");
  });

  it("support never sees API keys: no navigation entry, and the page is refused", async () => {
    const page = supportPage;
    await page.goto(`${api.url}/console/m/${merchantId}/orders`);
    await expect(page.locator("nav a", { hasText: "Developers" }).count()).resolves.toBe(0);
    const response = await page.goto(`${api.url}/console/m/${merchantId}/developers`);
    expect(response!.status()).toBe(403);
    const text = (await page.content())!;
    expect(text).not.toContain("sk_live_");
    expect(text).not.toContain(shop.key.slice(0, 12));
  });

  it("finance downloads the payments CSV; its totals equal GET /v1/balance", async () => {
    const page = await openPage();
    await signIn(page, people.finance);
    await page.goto(`${api.url}/console/m/${merchantId}/finance`);
    const weekAgo = new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    await page.fill("#from", weekAgo);
    await page.click("form.range button[type=submit]");
    await page.waitForURL(new RegExp(`from=${weekAgo}`));
    await expect(page.locator("svg.chart").count()).resolves.toBeGreaterThan(0);
    await check(page, "finance");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-payments")]);
    const csv = await readFile((await download.path())!, "utf8");
    const [header, ...lines] = csv.trim().split("\r\n");
    const cols = header!.split(",");
    let total = 0n;
    for (const cells of lines.map((l) => l.split(","))) {
      if (cells[cols.indexOf("state")] !== "confirmed") continue;
      const [whole, frac = ""] = cells[cols.indexOf("amount")]!.split(".");
      total += BigInt(whole!) * 1_000_000n + BigInt(frac.padEnd(6, "0"));
    }
    const balance = await shop.read(balanceRoutes.getBalance, 200, "/v1/balance");
    const usdt = balance.balances.find((b) => b.symbol === "USDT")!;
    expect(usdt.received).toBe("15.75");
    expect(total).toBe(15_750_000n);
    await expect(page.locator('#all-time td.received').first().textContent()).resolves.toBe(usdt.received);
  });

  it("a developer redelivers a delivery and the merchant's server hears it again", async () => {
    const page = await openPage();
    await signIn(page, people.developer);
    await page.goto(`${api.url}/console/m/${merchantId}/developers`);
    await check(page, "developers");
    await page.click("#webhooks table a");
    await expect(page.locator("#deliveries .delivery").count()).resolves.toBeGreaterThan(0);
    await check(page, "webhook-endpoint");
    const before = receiver.delivered.length;
    await page.locator("#deliveries .delivery").first().locator("button", { hasText: "Redeliver" }).click();
    await expect(page.locator(".notice").textContent()).resolves.toContain("Queued again");
    await waitFor("the redelivered webhook", async () => receiver.delivered.length > before, { timeoutMs: 20_000, intervalMs: 100 });
    expect(receiver.rejected).toEqual([]);
  });

  it("an owner changes the payout address with a signature from the EIP-6963 test wallet", async () => {
    const page = ownerPage;
    const wallet = await installTestWallet(page, { rpcUrl: stack.chain(CHAIN).url, nodeChainId: CHAIN, account: newPayout });
    await page.goto(`${api.url}/console/m/${merchantId}/settings`);
    await check(page, "settings");
    await page.selectOption("#payout-chain", String(CHAIN));
    await page.fill("#payout-address", newPayout);
    await page.click("form[action$='/settings/payout'] button[type=submit]");
    await page.waitForURL(/\/settings\/payout\/pch_/);
    await check(page, "sign-payout");
    await page.click("#sign-with-wallet");
    await page.waitForURL(/\/settings\?done=payout-changed$/);
    expect(wallet.calls.map((c) => c.method)).toContain("personal_sign");
    await expect(page.locator(`td[data-chain="${CHAIN}"]`).textContent()).resolves.toBe(newPayout);
    const order = await createOrder({ amount: "1", merchantOrderId: "after-change" });
    expect(order.payoutAddress).toBe(newPayout);
    await page.goto(`${api.url}/console/m/${merchantId}/audit`);
    const audit = (await page.locator("#audit").textContent())!;
    expect(audit).toContain("payout_address.changed");
    expect(audit).toContain(newPayout);
    await check(page, "audit");
    await page.goto(`${api.url}/console/account`);
    await check(page, "account");
  });

  it("an operator sees every merchant and the whole audit log", async () => {
    const page = await openPage();
    await signIn(page, people.operator);
    await page.goto(`${api.url}/console/operator`);
    await expect(page.locator("text=Acme Coffee").count()).resolves.toBeGreaterThan(0);
    await check(page, "operator");
    await page.goto(`${api.url}/console/operator/audit`);
    await expect(page.locator("#audit").textContent()).resolves.toContain("sign_in");
  });
});
