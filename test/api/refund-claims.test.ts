/**
 * The customer's claim link and the merchant's refund page, in-process on PGlite and Postgres: a refund created with
 * `destination: "claim"` has no destination and nothing to send until the claim link sets one (once, checksummed,
 * confirmed, with `refund.destination_set`); every bad claim is a 4xx naming the field; a cancelled refund's link is
 * closed; tokens that are not a refund's open nothing; the claim POST is rate limited per client address.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { decodeFunctionData, erc20Abi, getAddress } from "viem";
import { refundRouterAbi } from "../../contracts/abi/RefundRouter.js";
import { Confirmer } from "../../api/confirmer/confirmer.js";
import type { OrderView } from "../../api/orders/views.js";
import type { RefundView } from "../../api/refunds/views.js";
import { MemoryPaymentSource } from "../support/memory-source.js";
import { createHarness, describeBackends, LOCAL, orderBody, PAYOUT, REFUND_ROUTER, ROUTER, TOKENS, type Harness, type TestMerchant } from "../support/harness.js";
import * as eventsRoutes from "../../api/routes/events/events.routes.js";
import * as ordersRoutes from "../../api/routes/orders/orders.routes.js";
import * as refundsRoutes from "../../api/routes/refunds/refunds.routes.js";
import { refundSchema } from "../../api/refunds/views.js";
import { hexOf, bodyOf, fieldErrorsOf, readAs, readError } from "../support/api-client.js";
import { hc } from "hono/client";
import type { refundPagesRouter } from "../../api/routes/refund-pages/refund-pages.index.js";


/** An exchange's deposit address, in its EIP-55 checksummed form. */
const CUSTOMER = getAddress("0x52908400098527886e0f7030069857d2e4169ee7");
/** The same address with one letter's case flipped: a wrong checksum. */
const BAD_CHECKSUM = CUSTOMER.replace("E", "e");


describeBackends("refund claim links and refund pages", (backend) => {
  let h: Harness;
  let m: TestMerchant;
  let source: MemoryPaymentSource;
  let confirmer: Confirmer;
  let block = 10n;
  beforeAll(async () => {
    h = await createHarness(backend);
    m = await h.merchant({ name: "Claim Shop" });
    source = new MemoryPaymentSource();
    confirmer = new Confirmer({ db: h.db, source, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
  });
  afterAll(() => h?.close());

  const paidOrder = async (amount: string): Promise<OrderView> => {
    const order = await readAs(await m.call("POST", "/v1/orders", { body: orderBody({ amount }) }), ordersRoutes.createQrOrder, 201);
    block += 1n;
    source.pay({ chainId: LOCAL, router: ROUTER, orderRef: hexOf(order.orderRef), merchant: PAYOUT, token: TOKENS.USDT, amount: BigInt(amount) * 1_000_000n, blockNumber: block, blockTimestamp: h.clock.now(), payer: "0x000000000000000000000000000000000000fa11" });
    await confirmer.confirmAll();
    return order;
  };
  const claimRefund = async (amount = "2"): Promise<RefundView> => {
    const order = await paidOrder("5");
    return readAs(await m.call("POST", `/v1/orders/${order.id}/refunds`, { body: { amount, reason: "Paid from an exchange", destination: "claim" } }), refundsRoutes.createRefund, 201);
  };
  const pathOf = (url: string) => new URL(url).pathname;
  /** The refund pages' JSON through Hono's typed client: each answer typed as its handler returns it. */
  const pages = () => hc<typeof refundPagesRouter>("http://localhost", { fetch: (input: RequestInfo | URL, init?: RequestInit) => h.app.request(input, init) });
  const pageStatus = async (refund: RefundView) =>
    bodyOf(await pages().refund[":token"].status.$get({ param: { token: pathOf(refund.refundUrl).split("/")[2]! } }), 200);
  const claim = (refund: RefundView, body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
    h.app.request(pathOf(refund.claimUrl!), { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  const fieldErrors = async (res: Response, status = 422) => {
    const body = await readError(res, status);
    return { code: body.error.code, details: fieldErrorsOf(body.error) };
  };

  it("creates a claim refund with no destination and nothing to send, a claimUrl and a refundUrl with unguessable tokens", async () => {
    const refund = await claimRefund();
    expect(refund).toMatchObject({ status: "pending", destination: null, transaction: null, destinationSetAt: null });
    expect(refund.claimUrl).toMatch(/^https:\/\/pay\.example\.com\/claim\/[A-Za-z0-9_-]{32}$/);
    expect(refund.refundUrl).toMatch(/^https:\/\/pay\.example\.com\/refund\/[A-Za-z0-9_-]{32}$/);
    // 32 base64url characters are 192 bits; the two tokens are different and neither is the refund id.
    expect(pathOf(refund.claimUrl!)).not.toContain(refund.id);
    expect(pathOf(refund.claimUrl!).split("/")[2]).not.toBe(pathOf(refund.refundUrl).split("/")[2]);
    const page = await h.app.request(pathOf(refund.refundUrl));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Waiting for the customer&#39;s address");
    expect(html).toMatch(/id="send-methods"[^>]* hidden/);
    const status = await pageStatus(refund);
    expect(status).toMatchObject({ awaitingClaim: true, transaction: null, claimUrl: refund.claimUrl });
    // A refund with a destination has no claim link.
    const order = await paidOrder("1");
    const direct = await readAs(await m.call("POST", `/v1/orders/${order.id}/refunds`, { body: { amount: "1", reason: "r" } }), refundsRoutes.createRefund, 201);
    expect(direct.claimUrl).toBeNull();
    expect(direct.refundUrl).toMatch(/\/refund\//);
  });

  it("shows the claim page with the amount, token and network in large print, and only customer-safe facts", async () => {
    const refund = await claimRefund("2.5");
    const res = await h.app.request(pathOf(refund.claimUrl!));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html).toContain('<strong id="claim-token">USDT</strong>');
    expect(html).toMatch(/<strong id="claim-network">[^<]+<\/strong>/);
    expect(html).toContain(">2.5<");
    expect(html).not.toContain("Paid from an exchange"); // the merchant's reason stays with the merchant
    expect(html).not.toContain(refund.refundUrl.split("/").pop()!);
  });

  it.each([
    ["address", { address: BAD_CHECKSUM, confirmation: BAD_CHECKSUM }, /wrong checksum/],
    ["address", { address: "0x1234", confirmation: "0x1234" }, /40 hex digits/],
    ["address", { address: "", confirmation: CUSTOMER }, /required/],
    ["address", { address: 42, confirmation: CUSTOMER }, /string/],
    ["confirmation", { address: CUSTOMER, confirmation: getAddress("0x52908400098527886e0f7030069857d2e4169ee8") }, /does not match/],
    ["confirmation", { address: CUSTOMER }, /required/],
    ["address", { address: "0x0000000000000000000000000000000000000000", confirmation: "0x0000000000000000000000000000000000000000" }, /zero address/],
    ["address", { address: PAYOUT, confirmation: PAYOUT }, /merchant's own wallet/],
    ["address", { address: TOKENS.USDT, confirmation: TOKENS.USDT }, /contract/],
    ["address", { address: REFUND_ROUTER, confirmation: REFUND_ROUTER }, /contract/],
  ])("refuses a bad claim (%s: %j) with a 422 naming the field, and sets nothing", async (field, body, message) => {
    const refund = await claimRefund();
    const { code, details } = await fieldErrors(await claim(refund, body));
    expect(code).toBe("validation_failed");
    const named = details.find((d) => d.field === field);
    expect(named, JSON.stringify(details)).toMatchObject({ in: "body", message: expect.stringMatching(message) });
    expect(await readAs(await m.call("GET", `/v1/refunds/${refund.id}`), refundsRoutes.getRefund, 200)).toMatchObject({ destination: null, transaction: null });
  });

  it("sets the destination once: the refund gets its transaction and a refund.destination_set event; a second claim is 409", async () => {
    const refund = await claimRefund("2");
    const claimed = await bodyOf(
      await pages().claim[":token"].$post(
        { param: { token: pathOf(refund.claimUrl!).split("/")[2]! } },
        { headers: { "content-type": "application/json" }, init: { body: JSON.stringify({ address: ` ${CUSTOMER} `, confirmation: CUSTOMER.toLowerCase() }) } },
      ),
      200,
    );
    expect(claimed).toMatchObject({ destination: CUSTOMER, status: "pending" });
    const after = await readAs(await m.call("GET", `/v1/refunds/${refund.id}`), refundsRoutes.getRefund, 200);
    expect(after).toMatchObject({ destination: CUSTOMER, destinationSetAt: h.clock.now().toISOString() });
    const call = decodeFunctionData({ abi: refundRouterAbi, data: hexOf(after.transaction!.data) });
    expect(call.args).toEqual([getAddress(TOKENS.USDT), CUSTOMER, 2_000_000n, refund.refundRef, refund.orderRef]);
    const events = await readAs(await m.call("GET", `/v1/events?type=refund.destination_set&orderId=${refund.orderId}`), eventsRoutes.listEvents, 200);
    expect(events.data.map((e) => [e.type, refundSchema.parse(e.data.refund).id, refundSchema.parse(e.data.refund).destination])).toEqual([["refund.destination_set", refund.id, CUSTOMER]]);

    const other = getAddress("0x1111111111111111111111111111111111111111");
    for (const address of [other, CUSTOMER]) {
      const again = await fieldErrors(await claim(refund, { address, confirmation: address }), 409);
      expect(again.code).toBe("refund_destination_already_set");
      expect(again.details).toEqual([{ field: "address", in: "body", message: expect.stringMatching(/cannot be changed/) }]);
    }
    expect((await readAs(await m.call("GET", `/v1/refunds/${refund.id}`), refundsRoutes.getRefund, 200)).destination).toBe(CUSTOMER);
    // The refund page's Safe transactions: approve(RefundRouter, amount) on the token, then the refund itself.
    const view = await pageStatus(refund);
    expect(view.transaction).toEqual(after.transaction);
    expect(view.approveTransaction).toMatchObject({ to: TOKENS.USDT, value: "0" });
    expect(decodeFunctionData({ abi: erc20Abi, data: view.approveTransaction!.data }).args).toEqual([getAddress(REFUND_ROUTER), 2_000_000n]);
    const page = await (await h.app.request(pathOf(refund.refundUrl))).text();
    expect(page).toContain("Ready to send");
    expect(page).not.toMatch(/id="send-methods"[^>]* hidden/);
    expect(page).toContain(after.transaction!.data);
  });

  it("lets only one of two claims racing each other set the address", async () => {
    const refund = await claimRefund();
    const a = getAddress("0x2222222222222222222222222222222222222222");
    const b = getAddress("0x3333333333333333333333333333333333333333");
    const answers = await Promise.all([claim(refund, { address: a, confirmation: a }), claim(refund, { address: b, confirmation: b })]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const events = await readAs(await m.call("GET", `/v1/events?type=refund.destination_set&orderId=${refund.orderId}`), eventsRoutes.listEvents, 200);
    expect(events.data).toHaveLength(1);
  });

  it("closes the claim link of a cancelled refund: the page says so and a claim is 409", async () => {
    const refund = await claimRefund();
    await readAs(await m.call("POST", `/v1/refunds/${refund.id}/cancel`), refundsRoutes.cancelRefund, 200);
    const closed = (await readError(await claim(refund, { address: CUSTOMER, confirmation: CUSTOMER }), 409)).error;
    expect(closed.code).toBe("refund_claim_closed");
    const html = await (await h.app.request(pathOf(refund.claimUrl!))).text();
    expect(html).toContain(">Closed<");
    expect(html).toMatch(/id="claim-card"[^>]* hidden/);
    const page = await (await h.app.request(pathOf(refund.refundUrl))).text();
    expect(page).toMatch(/id="send-methods"[^>]* hidden/);
    expect(page).toMatch(/id="claim-box"[^>]* hidden/);
    expect((await readAs(await m.call("GET", `/v1/refunds/${refund.id}`), refundsRoutes.getRefund, 200)).destination).toBeNull();
  });

  it("opens nothing for a wrong token: unknown, malformed, the refund id, or the refund page's token used as a claim token", async () => {
    const refund = await claimRefund();
    const pageToken = pathOf(refund.refundUrl).split("/")[2]!;
    const body = { address: CUSTOMER, confirmation: CUSTOMER };
    for (const token of ["A".repeat(32), "short", refund.id, pageToken, "..%2F..%2Fpay"]) {
      const res = await h.app.request(`/claim/${token}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(res.status, token).toBe(404);
      expect((await h.app.request(`/claim/${token}`)).status, token).toBe(404);
    }
    expect((await h.app.request(`/refund/${"B".repeat(32)}`)).status).toBe(404);
    expect((await h.app.request(`/refund/${refund.id}/status`)).status).toBe(404);
    expect((await readAs(await m.call("GET", `/v1/refunds/${refund.id}`), refundsRoutes.getRefund, 200)).destination).toBeNull();
  });

  it("pushes the claim page's and the refund page's status as server-sent events, and documents the API shape in OpenAPI", async () => {
    const refund = await claimRefund();
    for (const url of [refund.claimUrl!, refund.refundUrl]) {
      const res = await h.app.request(`${pathOf(url)}/events`);
      expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      expect(first).toMatch(/^event: status\ndata: \{.*"status":"pending".*"destination":null/);
    }
    const docAnswer = await h.app.request("/openapi.json");
    expect(docAnswer.status).toBe(200);
    const doc = JSON.stringify(await docAnswer.json());
    expect(doc).toContain('"refund.destination_set"');
    expect(doc).toContain('"claimUrl"');
    expect(doc).toContain('"refundUrl"');
    expect(doc).toContain('`\\"claim\\"`');
  });

  it("takes JSON only: a form post or a broken body is a 4xx, never a 500", async () => {
    const refund = await claimRefund();
    const form = await claim(refund, `address=${CUSTOMER}&confirmation=${CUSTOMER}`, { "content-type": "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);
    expect((await claim(refund, `address=${CUSTOMER}`, { "content-type": "text/plain" })).status).toBe(415);
    expect((await claim(refund, "{not json", { "content-type": "application/json" })).status).toBe(400);
    expect((await fieldErrors(await claim(refund, "[1,2]"))).details.map((d) => d.field)).toEqual(["address", "confirmation"]);
  });
});

describeBackends("the claim POST's rate limit", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(backend, { env: { PUBLIC_RATE_LIMIT_PER_MINUTE: "3" } });
  });
  afterAll(() => h?.close());

  it("answers 429 with Retry-After once a client address has used its budget", async () => {
    const address = getAddress("0x52908400098527886e0f7030069857d2e4169ee7");
    const body = JSON.stringify({ address, confirmation: address });
    const post = () => h.app.request(`/claim/${"C".repeat(32)}`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await post());
    expect(statuses.map((r) => r.status)).toEqual([404, 404, 404, 429]);
    expect(Number(statuses[3]!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(statuses[0]!.headers.get("ratelimit-limit")).toBe("3");
  });
});
