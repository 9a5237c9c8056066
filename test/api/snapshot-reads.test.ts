/**
 * The attack: a confirmer pass commits between two reads of one view. Every view that shows an order's status (or a
 * payment's state) beside its payments' confirmations must read them from one snapshot, so the pass is either
 * wholly in the answer or not at all. Postgres only: there the pass runs on another connection while the view's
 * reads are in flight (PGlite has one connection, and the tear shows only by chance).
 */
import { hc } from "hono/client";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { Confirmer } from "../../api/confirmer/confirmer.js";
import type { OrderView } from "../../api/orders/views.js";
import * as ordersRoutes from "../../api/routes/orders/orders.routes.js";
import * as paymentsRoutes from "../../api/routes/payments/payments.routes.js";
import type { checkoutRouter } from "../../api/routes/checkout/checkout.index.js";
import { bodyOf, readAs } from "../support/api-client.js";
import { describeWithPostgres } from "../support/database.js";
import { BASE, createHarness, orderBody, PAYOUT, ROUTER, TOKENS, type Harness, type TestMerchant } from "../support/harness.js";
import { MemoryPaymentSource } from "../support/memory-source.js";

type Query = (...args: unknown[]) => Promise<unknown>;

/**
 * Makes the pool run `between` (once, awaited) right after the first statement that reads the `orders` or `payments` table
 * returns, on whichever connection it ran: inside a transaction (pool.connect) or on its own (pool.query).
 * Callback-style calls (the pool's own internals) pass through untouched.
 */
function interleave(pool: pg.Pool, between: () => Promise<void>) {
  let armed = true;
  let fired = 0;
  const hook = (query: Query): Query =>
    async function (this: unknown, ...args: unknown[]) {
      const result = await query.apply(this, args);
      const first = args[0] as string | { text?: string } | undefined;
      const text = typeof first === "string" ? first : (first?.text ?? "");
      if (armed && /from "(\w+"\.")?(orders|payments)"/.test(text)) {
        armed = false;
        fired++;
        await between();
      }
      return result;
    };
  const passThrough = (args: unknown[]) => typeof args[args.length - 1] === "function";
  const query = pool.query.bind(pool) as unknown as Query;
  const connect = pool.connect.bind(pool) as unknown as (...args: unknown[]) => Promise<pg.PoolClient>;
  const hookedQuery = hook(query);
  Object.assign(pool, {
    query: (...args: unknown[]) => (passThrough(args) ? query(...args) : hookedQuery(...args)),
    connect: async (...args: unknown[]) => {
      if (passThrough(args)) return connect(...args);
      const client = await connect();
      const clientQuery = client.query.bind(client) as unknown as Query;
      const hooked = hook(clientQuery);
      return Object.assign(Object.create(client) as pg.PoolClient, {
        query: (...a: unknown[]) => (passThrough(a) ? clientQuery(...a) : hooked(...a)),
        release: (...a: unknown[]) => client.release(...(a as [])),
      });
    },
  });
  return {
    get fired() {
      return fired;
    },
    restore() {
      Object.assign(pool, { query, connect });
    },
  };
}

describeWithPostgres("views read from one snapshot [postgres]", () => {
  let h: Harness;
  let m: TestMerchant;
  let pool: pg.Pool;
  let order: OrderView;
  let source: MemoryPaymentSource;
  let confirmer: Confirmer;
  beforeAll(async () => {
    h = await createHarness("postgres");
    if (h.handle.kind !== "postgres") throw new Error("expected Postgres");
    pool = h.handle.pool;
    m = await h.merchant();
  });
  afterAll(() => h?.close());

  // Each case: an order on Base (20 confirmations) paid in full at block 200 and seen with the head there, so it is
  // `confirming`; then the head moves to 219, so the next pass (run between the view's reads) makes it `paid`.
  beforeEach(async () => {
    order = await readAs(await m.call("POST", "/v1/orders", { body: orderBody({ chainId: BASE, symbol: "USDC", amount: "3.25" }) }), ordersRoutes.createQrOrder, 201);
    source = new MemoryPaymentSource();
    confirmer = new Confirmer({ db: h.db, source, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
    source.pay({ chainId: BASE, router: ROUTER, orderRef: order.orderRef as `0x${string}`, merchant: PAYOUT, token: TOKENS.BASE_USDC, amount: 3_250_000n, blockNumber: 200n, blockTimestamp: h.clock.now() });
    await confirmer.confirmAll();
    source.setHead(BASE, 219n);
  });

  /** Runs `view` with a confirmer pass committing right after its first read of the order; checks the pass ran. */
  async function withPassBetween<T>(view: () => Promise<T>): Promise<T> {
    const hook = interleave(pool, async () => void (await confirmer.confirmAll()));
    try {
      return await view();
    } finally {
      hook.restore();
      expect(hook.fired).toBe(1);
      // The pass did commit: read now, the order is paid.
      const after = await readAs(await m.call("GET", `/v1/orders/${order.id}`), ordersRoutes.getOrder, 200);
      expect(after.status).toBe("paid");
    }
  }

  it("contractPayment: the status and the payments come from the same moment", async () => {
    const view = await withPassBetween(async () =>
      readAs(await m.call("GET", `/v1/contract-payment?orderId=${order.id}`), ordersRoutes.contractPayment, 200),
    );
    expect(view.status).toBe("confirming");
    expect(view.payments).toEqual([expect.objectContaining({ state: "confirming", confirmations: 1, confirmationsRequired: 20 })]);
  });

  it("an order's payments: each state agrees with its confirmations", async () => {
    const list = await withPassBetween(async () =>
      readAs(await m.call("GET", `/v1/orders/${order.id}/payments`), ordersRoutes.listOrderPayments, 200),
    );
    expect(list.data).toEqual([expect.objectContaining({ state: "confirming", confirmations: 1 })]);
  });

  it("the merchant's payments list: the same", async () => {
    const list = await withPassBetween(async () =>
      readAs(await m.call("GET", `/v1/payments?orderId=${order.id}`), paymentsRoutes.listPayments, 200),
    );
    expect(list.data).toEqual([expect.objectContaining({ state: "confirming", confirmations: 1 })]);
  });

  it("the checkout's status: the customer never sees 'confirming' beside a confirmed payment", async () => {
    const token = new URL(order.cashierUrl).pathname.split("/").pop()!;
    // The checkout's JSON through Hono's typed client: typed as its handler returns it.
    const checkout = hc<typeof checkoutRouter>("http://localhost", { fetch: (input: RequestInfo | URL, init?: RequestInit) => h.app.request(input, init) });
    const status = await withPassBetween(async () => bodyOf(await checkout.pay[":token"].status.$get({ param: { token } }), 200));
    expect(status.status).toBe("confirming");
    expect(status.payments).toEqual([expect.objectContaining({ state: "confirming", confirmations: 1 })]);
  });
});
