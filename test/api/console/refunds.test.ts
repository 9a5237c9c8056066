/**
 * Refunds in the console, through the real app on PGlite / Postgres: support and owners refund part of a paid order
 * from its page (the refunds domain decides; the page lists the refund with the transaction to send), cancel a
 * pending one, see refused refunds as a message (422); finance and developers get no form and a 403; another
 * merchant's order is a 404; every action is audited; after a `RefundSent` confirms, finance's refunded totals equal
 * `GET /v1/balance`.
 */
import { and, eq } from "drizzle-orm";
import { getAddress, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Confirmer } from "../../../api/confirmer/confirmer.js";
import { auditLog, refunds } from "../../../api/db/schema.js";
import * as balanceRoutes from "../../../api/routes/balance/balance.routes.js";
import * as orderRoutes from "../../../api/routes/orders/orders.routes.js";
import * as refundRoutes from "../../../api/routes/refunds/refunds.routes.js";
import { readAs } from "../../support/api-client.js";
import { formatAmount, parseAmount } from "../../../api/lib/amount.js";
import { confirmRefunds } from "../../../api/refunds/confirm.js";
import { MemoryPaymentSource } from "../../support/memory-source.js";
import { MemoryRefundSource } from "../../support/memory-refunds.js";
import { createHarness, describeBackends, LOCAL, orderBody, PAYOUT, REFUND_ROUTER, ROUTER, TOKENS, type Harness, type TestMerchant } from "../../support/harness.js";
import { consolePerson, signedIn, type ConsoleBrowser } from "./support.js";

const PAYER = getAddress("0x000000000000000000000000000000000000fa11");
const head = (payments: MemoryPaymentSource) => payments.heads.get(LOCAL) ?? 0n;

describeBackends("console refunds", (backend) => {
  let h: Harness;
  let shop: TestMerchant;
  let other: TestMerchant;
  let payments: MemoryPaymentSource;
  let source: MemoryRefundSource;
  let confirmer: Confirmer;
  const people = {} as Record<"owner" | "support" | "finance" | "developer", ConsoleBrowser>;
  const m = () => `/console/m/${shop.id}`;

  beforeAll(async () => {
    h = await createHarness(backend);
    shop = await h.merchant({ name: "Shop", confirmations: { [LOCAL]: 3 } });
    other = await h.merchant({ name: "Other" });
    for (const role of ["owner", "support", "finance", "developer"] as const) {
      await consolePerson(h, `${role}@shop.test`, { merchantId: shop.id, role });
      people[role] = await signedIn(h, `${role}@shop.test`);
    }
    payments = new MemoryPaymentSource();
    source = new MemoryRefundSource(payments);
    confirmer = new Confirmer({ db: h.db, source: payments, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
  });
  afterAll(() => h?.close());

  const newOrder = async (merchant = shop) => readAs(await merchant.call("POST", "/v1/orders", { body: orderBody({ amount: "10" }) }), orderRoutes.createQrOrder, 201);
  /** A 10 USDT order paid by PAYER through the router and confirmed. */
  async function paidOrder() {
    const order = await newOrder();
    payments.pay({ chainId: LOCAL, router: ROUTER, orderRef: order.orderRef as Hex, merchant: PAYOUT, token: TOKENS.USDT, amount: 10_000_000n, blockNumber: head(payments) + 1n, blockTimestamp: h.clock.now(), payer: PAYER });
    payments.setHead(LOCAL, head(payments) + 3n);
    await confirmer.confirmAll();
    const paid = await readAs(await shop.call("GET", `/v1/orders/${order.id}`), orderRoutes.getOrder, 200);
    expect(paid.amountReceived).toBe("10");
    return paid;
  }
  const apiRefunds = async (orderId: string) => (await readAs(await shop.call("GET", `/v1/refunds?orderId=${orderId}`), refundRoutes.listRefunds, 200)).data;
  async function refundThroughConsole(who: ConsoleBrowser, orderId: string, fields: Record<string, string>) {
    await who.get(`${m()}/orders/${orderId}`);
    return who.post(`${m()}/orders/${orderId}/refund`, fields);
  }

  it("support refunds part of a paid order and sees it listed with its transaction, its events, and the audit entry", async () => {
    const order = await paidOrder();
    const done = await refundThroughConsole(people.support, order.id, { amount: "4", reason: "one item returned", destination: "" });
    expect(done.status, done.html).toBe(303);
    expect(done.location).toBe(`${m()}/orders/${order.id}?done=refund-created`);
    const [refund] = await apiRefunds(order.id);
    expect(refund).toMatchObject({ amount: "4", status: "pending", destination: PAYER, reason: "one item returned" });
    expect(refund!.transaction).toMatchObject({ to: REFUND_ROUTER, value: "0" });
    const page = (await people.support.get(done.location!)).html;
    const item = page.slice(page.indexOf(`data-refund="${refund!.id}"`));
    expect(item).toContain("4 USDT");
    expect(item).toContain(PAYER);
    expect(item).toContain(refund!.refundRef);
    expect(item).toContain(`data-tx="to">${refund!.transaction!.to}<`);
    expect(item).toContain(`data-tx="value">0<`);
    expect(item).toContain(`data-tx="data">${refund!.transaction!.data}<`);
    expect(page).toContain("Refund requested: 4 USDT (one item returned)");
    expect(page).toContain("Event refund.created");
    const [entry] = await h.db.select().from(auditLog).where(and(eq(auditLog.action, "refund.created"), eq(auditLog.target, refund!.id)));
    expect(entry!.merchantId).toBe(shop.id);
    expect(entry!.before).toMatchObject({ orderId: order.id, amountReceived: "10", amountRefunded: "0" });
    expect(entry!.after).toMatchObject({ orderId: order.id, by: "support@shop.test", amount: "4", destination: PAYER, status: "pending" });
  });

  it("a refund with destination claim shows its refund page and the claim link for the customer, until the customer fills it in", async () => {
    const order = await paidOrder();
    expect((await refundThroughConsole(people.support, order.id, { amount: "1", reason: "paid from an exchange", destination: "claim" })).status).toBe(303);
    const [refund] = await apiRefunds(order.id);
    expect(refund).toMatchObject({ destination: null, transaction: null, claimUrl: expect.stringContaining("/claim/") });
    const page = (await people.support.get(`${m()}/orders/${order.id}`)).html;
    const item = page.slice(page.indexOf(`data-refund="${refund!.id}"`));
    expect(item).toContain(`data-claim-url>${refund!.claimUrl}<`);
    expect(item).toContain(`href="${refund!.refundUrl}"`);
  });

  it("an owner refunds too, and cancels a pending refund (audited, shown in the timeline)", async () => {
    const order = await paidOrder();
    expect((await refundThroughConsole(people.owner, order.id, { amount: "2.5", reason: "goodwill", destination: "0x00000000000000000000000000000000000000b0" })).status).toBe(303);
    const [refund] = await apiRefunds(order.id);
    expect(refund).toMatchObject({ amount: "2.5", destination: "0x00000000000000000000000000000000000000B0" });
    await people.owner.get(`${m()}/orders/${order.id}`);
    const cancelled = await people.owner.post(`${m()}/orders/${order.id}/refunds/${refund!.id}/cancel`);
    expect(cancelled.status, cancelled.html).toBe(303);
    expect((await apiRefunds(order.id))[0]!.status).toBe("cancelled");
    const page = (await people.owner.get(cancelled.location!)).html;
    expect(page).toContain("Refund cancelled: 2.5 USDT");
    expect(page).not.toContain(`/refunds/${refund!.id}/cancel"`);
    const [entry] = await h.db.select().from(auditLog).where(and(eq(auditLog.action, "refund.cancelled"), eq(auditLog.target, refund!.id)));
    expect(entry!.before).toMatchObject({ status: "pending" });
    expect(entry!.after).toMatchObject({ status: "cancelled" });
    // Cancelling again is refused on the page (the domain's 409), not an error page.
    const again = await people.owner.post(`${m()}/orders/${order.id}/refunds/${refund!.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.html).toContain("Only a pending refund can be cancelled; this one is cancelled");
  });

  it("finance and developers see no refund form and are refused (403)", async () => {
    const order = await paidOrder();
    for (const role of ["finance", "developer"] as const) {
      const page = await people[role].get(`${m()}/orders/${order.id}`);
      expect(page.status).toBe(200);
      expect(page.html).toContain('id="refunds"');
      expect(page.html).not.toContain('id="refund-form"');
      expect((await people[role].post(`${m()}/orders/${order.id}/refund`, { amount: "1", reason: "x" })).status).toBe(403);
    }
    expect(await apiRefunds(order.id)).toHaveLength(0);
  });

  it("another merchant's order is a 404, in this merchant's pages and in theirs", async () => {
    const theirs = await newOrder(other);
    await people.support.get(`${m()}/orders`);
    expect((await people.support.get(`${m()}/orders/${theirs.id}`)).status).toBe(404);
    expect((await people.support.post(`${m()}/orders/${theirs.id}/refund`, { amount: "1", reason: "x" })).status).toBe(404);
    expect((await people.support.post(`/console/m/${other.id}/orders/${theirs.id}/refund`, { amount: "1", reason: "x" })).status).toBe(404);
    expect(await h.db.select().from(refunds).where(eq(refunds.orderId, theirs.id))).toHaveLength(0);
  });

  it("refused refunds are a message on the order page (422): over-refund, unpaid order, bad destination, bad fields", async () => {
    const order = await paidOrder();
    expect((await refundThroughConsole(people.support, order.id, { amount: "6", reason: "first part" })).status).toBe(303);
    const cases: [string, Record<string, string>, string][] = [
      [order.id, { amount: "4.000001", reason: "too much" }, "The order received 10; 6 is already refunded or being refunded, so at most 4 can be refunded"],
      [(await newOrder()).id, { amount: "1", reason: "unpaid" }, "The order received 0; 0 is already refunded or being refunded, so at most 0 can be refunded"],
      [order.id, { amount: "1", reason: "to ourselves", destination: PAYOUT }, "destination: is the merchant&#39;s own payout address, which sends the refund"],
      [order.id, { amount: "1", reason: "typo", destination: "0x1234" }, "destination: must be a 0x address of 40 hex digits"],
      [order.id, { amount: "1.5e3", reason: "float" }, "amount: must be a positive decimal number in plain notation"],
      [order.id, { amount: "1", reason: "" }, "reason:"],
    ];
    for (const [orderId, fields, message] of cases) {
      const refused = await refundThroughConsole(people.support, orderId, fields);
      expect(refused.status, refused.html).toBe(422);
      expect(refused.html).toContain('id="refund-error"');
      expect(refused.html).toContain(message);
      expect(refused.html).toContain('id="refund-form"');
    }
    expect((await apiRefunds(order.id)).map((r) => r.amount)).toEqual(["6"]);
  });

  it("refund forms are CSRF-protected like every console POST", async () => {
    const order = await paidOrder();
    await people.support.get(`${m()}/orders/${order.id}`);
    expect((await people.support.post(`${m()}/orders/${order.id}/refund`, { amount: "1", reason: "x" }, { csrf: false })).status).toBe(403);
    expect((await people.support.post(`${m()}/orders/${order.id}/refund`, { amount: "1", reason: "x", _csrf: "forged" }, { csrf: false })).status).toBe(403);
    expect((await people.support.post(`${m()}/orders/${order.id}/refund`, { amount: "1", reason: "x" }, { origin: "https://evil.example" })).status).toBe(403);
    expect(await apiRefunds(order.id)).toHaveLength(0);
  });

  it("after a refund succeeds on-chain, finance's refunded and net totals equal GET /v1/balance", async () => {
    const order = await paidOrder();
    expect((await refundThroughConsole(people.owner, order.id, { amount: "3.25", reason: "damaged" })).status).toBe(303);
    const [refund] = await apiRefunds(order.id);
    source.send(refund!, head(payments) + 1n, { amount: 3_250_000n });
    const pass = () => confirmRefunds({ db: h.db, source, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
    expect(await pass()).toBe(1);
    expect((await apiRefunds(order.id))[0]!.status).toBe("submitted");
    // Three confirmations: the block of the RefundSent and two more.
    payments.setHead(LOCAL, head(payments) + 2n);
    expect(await pass()).toBe(1);
    expect((await apiRefunds(order.id))[0]!.status).toBe("succeeded");
    const balance = await readAs(await shop.call("GET", "/v1/balance"), balanceRoutes.getBalance, 200);
    const usdt = balance.balances.find((b) => b.chainId === LOCAL && b.symbol === "USDT")!;
    expect(usdt.refunded).toBe("3.25");
    // The default range, the last 30 days, holds every payment and refund of this test.
    const page = (await people.finance.get(`${m()}/finance`)).html;
    const row = page.slice(page.indexOf(`<tr data-chain="${LOCAL}" data-symbol="USDT">`));
    expect(row).toContain(`<td class="num received">${usdt.received}</td>`);
    expect(row).toContain(`<td class="num refunded">${usdt.refunded}</td>`);
    const net = formatAmount(parseAmount(usdt.received, 6) - parseAmount(usdt.refunded, 6), 6);
    expect(row).toContain(`<td class="num net">${net}</td>`);
    const range = page.slice(page.indexOf('id="range-totals"'), page.indexOf("</table>", page.indexOf('id="range-totals"')));
    expect(range).toContain(`<td class="num">${usdt.received}</td><td class="num">${usdt.refunded}</td>`);

    // The refunds CSV has it with its exact amount, status and transaction; finance may export it, support may not.
    expect(page).toContain("refunds.csv?");
    const exported = await people.finance.get(`${m()}/finance/refunds.csv`);
    expect(exported.status).toBe(200);
    const [header, ...lines] = exported.html.trim().split("\r\n");
    expect(header).toBe("refund_id,order_id,merchant_order_id,customer_id,status,chain_id,token,token_address,amount,destination,reason,tx_hash,block_number,created_at,succeeded_at");
    const mine = lines.map((l) => l.split(",")).filter((cells) => cells[0] === refund!.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.slice(1, 11)).toEqual([order.id, expect.any(String), expect.any(String), "succeeded", String(LOCAL), "USDT", expect.any(String), "3.25", refund!.destination, "damaged"]);
    expect(mine[0]![11]).toMatch(/^0x[0-9a-f]{64}$/);
    expect((await people.support.get(`${m()}/finance/refunds.csv`)).status).toBe(403);
  });
});
