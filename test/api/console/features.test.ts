/**
 * What each role does in the console, through the real app on PGlite: developers issue (shown once), revoke and see
 * the last use of keys, and manage webhook endpoints; support attaches an unmatched payment (credited with the
 * normal event) or resolves it with a note; finance's totals and CSV equal `GET /v1/balance`; owners change a payout
 * address only with a signature from the new address.
 */
import { eq } from "drizzle-orm";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, confirmerCursors, events, orders, payments, unmatchedPayments, webhookDeliveries } from "../../../api/db/schema.js";
import * as balanceRoutes from "../../../api/routes/balance/balance.routes.js";
import * as orderRoutes from "../../../api/routes/orders/orders.routes.js";
import { readAs } from "../../support/api-client.js";
import { createHarness, describeBackends, LOCAL, orderBody, PAYOUT, ROUTER, TOKENS, type Harness, type TestMerchant } from "../../support/harness.js";
import { consolePerson, signedIn, type ConsoleBrowser } from "./support.js";

describeBackends("console features", (backend) => {
  let h: Harness;
  let shop: TestMerchant;
  let owner: ConsoleBrowser;
  let support: ConsoleBrowser;
  let finance: ConsoleBrowser;
  let developer: ConsoleBrowser;
  const m = () => `/console/m/${shop.id}`;
  const shownOnce = (html: string) => /id="shown-once" class="secret">([^<]+)</.exec(html)?.[1];

  beforeAll(async () => {
    h = await createHarness(backend, { env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" } });
    shop = await h.merchant({ name: "Shop" });
    for (const role of ["owner", "support", "finance", "developer"] as const) await consolePerson(h, `${role}@shop.test`, { merchantId: shop.id, role });
    owner = await signedIn(h, "owner@shop.test");
    support = await signedIn(h, "support@shop.test");
    finance = await signedIn(h, "finance@shop.test");
    developer = await signedIn(h, "developer@shop.test");
  });
  afterAll(async () => {
    await h.close();
  });

  let logIndex = 0;
  const tx = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
  function log(overrides: Partial<typeof unmatchedPayments.$inferInsert> = {}) {
    logIndex += 1;
    return {
      chainId: LOCAL, txHash: tx(1000 + logIndex), logIndex, logOrdinal: 0, blockNumber: 10n, blockHash: tx(9), blockTimestamp: h.clock.now(), routerAddress: ROUTER,
      orderRef: tx(77), merchantAddress: PAYOUT, payerAddress: "0x00000000000000000000000000000000000000E1", tokenAddress: TOKENS.USDT, amount: 12_500_000n, ...overrides,
    };
  }
  async function createOrder(extra: Record<string, unknown> = {}) {
    return await readAs(await shop.call("POST", "/v1/orders", { body: orderBody(extra) }), orderRoutes.createQrOrder, 201);
  }

  describe("developers", () => {
    it("issue a scoped key shown once, see its last use, revoke it", async () => {
      await developer.get(`${m()}/developers`);
      const issued = await developer.post(`${m()}/developers/keys`, { label: "reader", "scope:orders:read": "1" });
      const key = shownOnce(issued.html)!;
      expect(key).toMatch(/^sk_live_/);
      const listing = await developer.get(`${m()}/developers`);
      expect(listing.html).not.toContain(key);
      expect(listing.html).toContain(`${key.slice(0, 12)}…`);
      expect((await h.app.request("/v1/orders", { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const row = /<tr><td class="mono">([^<]+)…<\/td><td>reader<\/td><td>orders:read<\/td><td>(.*?)<\/td><td>(.*?)<\/td>/.exec((await developer.get(`${m()}/developers`)).html)!;
      expect(row[3]).toContain("<time");
      const readerRow = listing.html.split("<tr>").find((tr) => tr.includes("<td>reader</td>"))!;
      const keyId = /\/keys\/(key_[0-9A-Z]+)\/revoke"/.exec(readerRow)?.[1];
      expect(keyId).toBeDefined();
      expect((await developer.post(`${m()}/developers/keys/${keyId}/revoke`)).status).toBe(303);
      h.clock.advance(5_000);
      expect((await h.app.request("/v1/orders", { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
    });

    it("create an endpoint (secret once), send a test event, rotate, disable, redeliver a delivery", async () => {
      await developer.get(`${m()}/developers`);
      const created = await developer.post(`${m()}/developers/webhooks`, { url: "http://127.0.0.1:9/hook", "event:order.paid": "1" });
      expect(shownOnce(created.html)).toMatch(/^whsec_/);
      const endpointId = /\/developers\/webhooks\/(we_[0-9A-Z]+)"/.exec(created.html)![1]!;
      const path = `${m()}/developers/webhooks/${endpointId}`;
      await developer.get(path);
      expect((await developer.post(`${path}/test`)).status).toBe(303);
      const [delivery] = await h.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId));
      expect(delivery).toBeDefined();
      await h.db.update(webhookDeliveries).set({ status: "failed", nextAttemptAt: null }).where(eq(webhookDeliveries.id, delivery!.id));
      const page = await developer.get(path);
      expect(page.html).toContain("webhook.test");
      expect((await developer.post(`${path}/deliveries/${delivery!.id}/redeliver`)).status).toBe(303);
      const [again] = await h.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, delivery!.id));
      expect(again!.status).toBe("pending");
      expect(again!.nextAttemptAt).not.toBeNull();
      const rotated = await developer.post(`${path}/rotate`);
      expect(shownOnce(rotated.html)).toMatch(/^whsec_/);
      expect(shownOnce(rotated.html)).not.toBe(shownOnce(created.html));
      expect((await developer.post(`${path}/disable`)).status).toBe(303);
      expect((await developer.get(path)).html).toContain("disabled (disabled by the merchant)");
      const actions = (await h.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.merchantId, shop.id))).map((r) => r.action);
      expect(actions).toEqual(expect.arrayContaining(["webhook_endpoint.created", "webhook_endpoint.test_sent", "webhook.redelivered", "webhook_endpoint.secret_rotated", "webhook_endpoint.disabled"]));
    });

    it("support cannot reach keys or endpoints", async () => {
      expect((await support.get(`${m()}/developers`)).status).toBe(403);
      expect((await support.get(`${m()}/developers/webhooks/we_x`)).status).toBe(403);
    });
  });

  describe("unmatched payments", () => {
    it("support attaches one to its order: credited with the normal event, audited with before and after", async () => {
      const order = await createOrder();
      const [row] = await h.db.insert(unmatchedPayments).values({ id: "unm_TEST1", ...log({ orderRef: order.orderRef }), reason: "unknown_order_ref", orderId: null }).returning();
      await h.db.insert(confirmerCursors).values({ chainId: LOCAL, settledBlock: 20n, indexedHead: 20n }).onConflictDoNothing();
      const queue = await support.get(`${m()}/unmatched`);
      expect(queue.html).toContain("unm_TEST1");
      const done = await support.post(`${m()}/unmatched/${row!.id}/attach`, { orderId: order.id });
      expect(done.status, done.html).toBe(303);
      const [after] = await h.db.select().from(orders).where(eq(orders.id, order.id));
      expect(after!.status).toBe("paid");
      expect(after!.amountReceived).toBe(12_500_000n);
      expect((await h.db.select().from(events).where(eq(events.orderId, order.id))).map((e) => e.type)).toContain("order.paid");
      const [entry] = await h.db.select().from(auditLog).where(eq(auditLog.action, "unmatched.attached"));
      expect(entry!.before).toMatchObject({ status: "pending", amountReceived: "0" });
      expect(entry!.after).toMatchObject({ status: "paid", amountReceived: "12.5" });
      expect((await support.post(`${m()}/unmatched/${row!.id}/attach`, { orderId: order.id })).status).toBe(409);
    });

    it("refuses to credit a payment that did not reach the order's wallet in its token, or is not final", async () => {
      const order = await createOrder();
      const cases = [
        { id: "unm_WRONGTOKEN", overrides: { tokenAddress: TOKENS.USDC }, reason: /another token/ },
        { id: "unm_NOTFINAL", overrides: { blockNumber: 500n }, reason: /not final/ },
      ];
      for (const { id, overrides, reason } of cases) {
        await h.db.insert(unmatchedPayments).values({ id, ...log({ orderRef: order.orderRef, ...overrides }), reason: "wrong_token", orderId: order.id });
        await support.get(`${m()}/unmatched`);
        const refused = await support.post(`${m()}/unmatched/${id}/attach`, { orderId: order.id });
        expect(refused.status).toBe(422);
        expect(refused.html).toMatch(reason);
      }
      expect((await h.db.select().from(payments).where(eq(payments.orderId, order.id)))).toHaveLength(0);
      await support.get(`${m()}/unmatched`);
      expect((await support.post(`${m()}/unmatched/unm_WRONGTOKEN/dismiss`, { note: "" })).status).toBe(422);
      expect((await support.post(`${m()}/unmatched/unm_WRONGTOKEN/dismiss`, { note: "customer refunded off-platform" })).status).toBe(303);
      expect((await support.get(`${m()}/unmatched`)).html).toContain("customer refunded off-platform");
    });
  });

  describe("finance", () => {
    it("the range totals, the all-time table and the payments CSV all equal GET /v1/balance", async () => {
      const balance = await readAs(await shop.call("GET", "/v1/balance"), balanceRoutes.getBalance, 200);
      expect(balance.balances.length).toBeGreaterThan(0);
      const day = h.clock.now().toISOString().slice(0, 10);
      const page = await finance.get(`${m()}/finance?from=2029-01-01&to=${day}`);
      expect(page.status).toBe(200);
      expect(page.html).toContain("<svg");
      const csv = (await finance.get(`${m()}/finance/payments.csv?from=2029-01-01&to=${day}`)).html;
      const [header, ...lines] = csv.trim().split("\r\n");
      const cols = header!.split(",");
      const sums = new Map<string, bigint>();
      for (const line of lines) {
        const cells = line.split(",");
        if (cells[cols.indexOf("state")] !== "confirmed") continue;
        const key = `${cells[cols.indexOf("chain_id")]}:${cells[cols.indexOf("token")]}`;
        const [whole, frac = ""] = cells[cols.indexOf("amount")]!.split(".");
        sums.set(key, (sums.get(key) ?? 0n) + BigInt(whole!) * 1_000_000n + BigInt(frac.padEnd(6, "0")));
      }
      for (const b of balance.balances) {
        const [whole, frac = ""] = b.received.split(".");
        expect(sums.get(`${b.chainId}:${b.symbol}`)).toBe(BigInt(whole!) * 1_000_000n + BigInt(frac.padEnd(6, "0")));
        expect(page.html).toContain(`<td class="num received">${b.received}</td>`);
      }
      expect((await finance.get(`${m()}/finance?from=2029-13-01`)).status).toBe(422);
    });

    it("the orders CSV quotes what a spreadsheet would run", async () => {
      await createOrder({ customerId: "=HYPERLINK(\"x\")" });
      const day = h.clock.now().toISOString().slice(0, 10);
      const csv = (await finance.get(`${m()}/finance/orders.csv?from=${day}&to=${day}`)).html;
      expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
      expect(csv.split("\r\n")[0]).toBe("order_id,merchant_order_id,customer_id,status,chain_id,token,token_address,amount,amount_received,created_at,expires_at,cancelled_at");
    });
  });

  describe("ways to pay", () => {
    it("the owner turns plain transfers off for new orders, audited; none at all is refused", async () => {
      const page = await owner.get(`${m()}/settings`);
      expect(page.html).toMatch(/id="method-router" checked/);
      expect(page.html).toMatch(/id="method-transfer" checked/);
      expect((await createOrder()) as unknown).toMatchObject({ paymentMethods: ["router", "transfer"] });

      const saved = await owner.post(`${m()}/settings/payment-methods`, { "method:router": "on" });
      expect(saved.status, saved.html).toBe(303);
      expect((await owner.get(saved.location!)).html).toContain("Ways to pay saved");
      h.clock.advance(h.config.authCacheMs + 1); // the API remembers a key's merchant that long
      expect((await createOrder()) as unknown).toMatchObject({ paymentMethods: ["router"], depositAddress: null });
      const [entry] = await h.db.select().from(auditLog).where(eq(auditLog.action, "merchant.payment_methods_changed"));
      expect(entry).toMatchObject({ before: { paymentMethods: ["router", "transfer"] }, after: { paymentMethods: ["router"] } });

      const none = await owner.post(`${m()}/settings/payment-methods`, {});
      expect(none.status).toBe(422);
      expect(none.html).toContain("keep at least one way to pay");
      expect((await owner.get(`${m()}/settings`)).html).not.toMatch(/id="method-transfer" checked/);

      expect((await owner.post(`${m()}/settings/payment-methods`, { "method:router": "on", "method:transfer": "on" })).status).toBe(303);
      h.clock.advance(h.config.authCacheMs + 1);
      expect((await createOrder()) as unknown).toMatchObject({ paymentMethods: ["router", "transfer"] });
    });

    it("is the owner's alone", async () => {
      await developer.get(`${m()}/orders`);
      expect((await developer.post(`${m()}/settings/payment-methods`, { "method:router": "on" })).status).toBe(403);
    });
  });

  describe("payout address", () => {
    const wallet = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    const stranger = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");

    it("changes only with a signature from the new address", async () => {
      await owner.get(`${m()}/settings`);
      const started = await owner.post(`${m()}/settings/payout`, { chainId: String(LOCAL), address: wallet.address });
      expect(started.status).toBe(303);
      const signPage = await owner.get(started.location!);
      const message = /<pre class="message" id="challenge-message">([\s\S]*?)<\/pre>/.exec(signPage.html)![1]!.replace(/&#39;/g, "'").replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">");
      expect(message).toContain(wallet.address);
      const wrong = await owner.post(started.location!, { signature: await stranger.signMessage({ message }) });
      expect(wrong.status).toBe(422);
      expect(wrong.html).toContain(`was not made by ${wallet.address}`);
      const right = await owner.post(started.location!, { signature: await wallet.signMessage({ message }) });
      expect(right.status, right.html).toBe(303);
      expect((await owner.get(`${m()}/settings`)).html).toContain(`data-chain="${LOCAL}">${wallet.address}`);
      const [entry] = await h.db.select().from(auditLog).where(eq(auditLog.action, "payout_address.changed"));
      expect(entry!.before).toEqual({ address: PAYOUT });
      expect(entry!.after).toEqual({ address: wallet.address, proof: "eoa" });
      expect((await owner.post(started.location!, { signature: await wallet.signMessage({ message }) })).status).toBe(404);
    });

    it("is the owner's alone", async () => {
      await developer.get(`${m()}/orders`);
      expect((await developer.post(`${m()}/settings/payout`, { chainId: String(LOCAL), address: wallet.address })).status).toBe(403);
    });
  });
});
