/**
 * The confirmer's pass is set-based: the statements it sends do not grow with the number of payments it handles.
 * Counted with Drizzle's logger on a second Drizzle instance over the harness's own connection (PGlite client or
 * Postgres pool), so the confirmer runs exactly as in production.
 */
import { readAs } from "../support/api-client.js";
import * as ordersRoutes from "../../api/routes/orders/orders.routes.js";
import { drizzle as drizzlePostgres } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Confirmer } from "../../api/confirmer/confirmer.js";
import type { Database } from "../../api/db/client.js";
import * as schema from "../../api/db/schema.js";
import { events, orders, webhookDeliveries } from "../../api/db/schema.js";
import type { OrderView } from "../../api/orders/views.js";
import { MemoryPaymentSource } from "../support/memory-source.js";
import { createHarness, describeBackends, LOCAL, orderBody, type Harness, type TestMerchant } from "../support/harness.js";

describeBackends("confirmer queries per pass", (backend) => {
  let h: Harness;
  let m: TestMerchant;
  let source: MemoryPaymentSource;
  let confirmer: Confirmer;
  let block = 10n;
  const statements: string[] = [];

  beforeAll(async () => {
    // One confirmation: a payment is credited and confirmed in the same pass, the bench's case.
    h = await createHarness(backend, { env: { CHAIN_CONFIRMATIONS: `${LOCAL}=1` } });
    m = await h.merchant();
    const logger = { logQuery: (query: string) => void statements.push(query) };
    const counted = (
      h.handle.kind === "pglite" ? drizzlePglite(h.handle.client, { schema, logger }) : drizzlePostgres(h.handle.pool, { schema, logger })
    ) as unknown as Database;
    source = new MemoryPaymentSource();
    source.setHead(LOCAL, block);
    confirmer = new Confirmer({ db: counted, source, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
    expect((await m.call("POST", "/v1/webhook-endpoints", { body: { url: "https://merchant.example.com/hooks" } })).status).toBe(201);
  });
  afterAll(() => h?.close());

  /** `n` orders paid in full in one new block; the statements of the one pass that credits and confirms them. */
  const passOver = async (n: number) => {
    const created: OrderView[] = [];
    for (let i = 0; i < n; i++) created.push(await readAs(await m.call("POST", "/v1/orders", { body: orderBody({ amount: "5" }) }), ordersRoutes.createQrOrder, 201));
    block += 1n;
    created.forEach((order, logIndex) => source.payOrder(order, { amount: 5_000_000n, blockNumber: block, blockTimestamp: h.clock.now(), logIndex }));
    statements.length = 0;
    const pass = await confirmer.confirmChain(LOCAL);
    expect(pass).toMatchObject({ credited: n, confirmed: n });
    const paid = await h.db.select({ status: orders.status }).from(orders).where(inArray(orders.id, created.map((o) => o.id)));
    expect(paid.map((o) => o.status)).toEqual(created.map(() => "paid"));
    for (const order of created) {
      const written = await h.db.select({ type: events.type, id: events.id }).from(events).where(eq(events.orderId, order.id)).orderBy(events.id);
      expect(written.map((e) => e.type)).toEqual(["order.confirming", "order.paid"]);
      const deliveries = await h.db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.eventId, written.map((e) => e.id)));
      expect(deliveries).toHaveLength(2);
    }
    // Each order's two events go out side by side (oldest first): the median order.paid is not behind every other
    // order's order.confirming.
    const ids = created.map((o) => o.id);
    const inIdOrder = await h.db.select({ orderId: events.orderId }).from(events).where(inArray(events.orderId, ids)).orderBy(events.id);
    expect(inIdOrder.map((e) => e.orderId)).toEqual(created.flatMap((o) => [o.id, o.id]));
    const queued = await h.db
      .select({ orderId: events.orderId })
      .from(webhookDeliveries)
      .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
      .where(inArray(events.orderId, ids))
      .orderBy(webhookDeliveries.nextAttemptAt, webhookDeliveries.id);
    expect(queued.map((d) => d.orderId)).toEqual(created.flatMap((o) => [o.id, o.id]));
    return statements.length;
  };

  it("sends as many statements for a pass over 50 payments in one block as for one payment", async () => {
    await passOver(1); // first pass of the chain: the cursor row is new
    const one = await passOver(1);
    const fifty = await passOver(50);
    console.log(`[confirmer queries] ${backend}: a pass over 1 payment ${one} statements, over 50 payments ${fifty}`);
    expect(fifty).toBe(one);
  });

  it("sends no more for a pass with nothing new than for one with payments", async () => {
    const busy = await passOver(3);
    statements.length = 0;
    await confirmer.confirmChain(LOCAL);
    expect(statements.length).toBeLessThanOrEqual(busy);
  });
});
