import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { createHash } from "node:crypto";
import { idempotencyKeys } from "../../api/db/schema.js";
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import type { AppDeps, AppEnv, Merchant } from "../../api/http/context.js";
import { idempotency, IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_TTL_MS } from "../../api/middlewares/idempotency.js";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import * as endpointRoutes from "../../api/routes/webhook-endpoints/webhook-endpoints.routes.js";
import { readAs, readError, readOpenApiDocument } from "../support/api-client.js";
import { createHarness, describeBackends, orderBody, type Harness, type TestMerchant } from "../support/harness.js";

describeBackends("Idempotency-Key", (backend) => {
  let h: Harness;
  let m: TestMerchant;
  beforeAll(async () => {
    h = await createHarness(backend);
    m = await h.merchant();
  });
  afterAll(() => h?.close());

  const post = (key: string, body: unknown, path = "/v1/orders") => m.call("POST", path, { body, headers: { "Idempotency-Key": key } });
  const ordersWith = async (merchantOrderId: string) => readAs(await m.call("GET", `/v1/orders?merchantOrderId=${merchantOrderId}`), orderRoutes.listOrders, 200);

  it("returns the first response to a retry with the same key and body, creating one order", async () => {
    const body = orderBody();
    const first = await post("key-same", body);
    expect(first.status).toBe(201);
    const firstBody = await first.text();
    const retry = await post("key-same", body);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.headers.get("content-type")).toBe("application/json");
    // A replay is still a response to this request: its own request id and rate-limit count.
    expect(retry.headers.get("x-request-id")).toBeTruthy();
    expect(retry.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));
    expect(Number(retry.headers.get("ratelimit-remaining"))).toBe(Number(first.headers.get("ratelimit-remaining")) - 1);
    expect(await retry.text()).toBe(firstBody);
    const list = await ordersWith(body.merchantOrderId);
    expect(list.data).toHaveLength(1);
  });

  it("refuses the same key with a different body or path (422)", async () => {
    await post("key-diff", orderBody());
    const other = await post("key-diff", orderBody());
    expect((await readError(other, 422)).error.code).toBe("idempotency_key_reused");
    const otherPath = await post("key-diff", {}, "/v1/orders/ord_00000000000000000000000000/cancel");
    expect(otherPath.status).toBe(422);
  });

  it("runs concurrent duplicates once: the others get 409 or, once it finished, its response", async () => {
    const body = orderBody();
    const results = await Promise.all([post("key-race", body), post("key-race", body), post("key-race", body)]);
    const ran = results.filter((r) => r.status === 201 && r.headers.get("idempotent-replayed") === null);
    expect(ran).toHaveLength(1);
    for (const res of results.filter((r) => !ran.includes(r))) {
      if (res.status === 201) expect(res.headers.get("idempotent-replayed")).toBe("true");
      else {
        expect((await readError(res, 409)).error.code).toBe("idempotency_in_progress");
      }
    }
    const list = await ordersWith(body.merchantOrderId);
    expect(list.data).toHaveLength(1);
  });

  /** A create's claim on `key` for `body`, as the API writes it before it makes the order: no response yet. */
  const claimWithoutAnswer = (key: string, body: string) =>
    h.db.insert(idempotencyKeys).values({
      merchantId: m.id,
      key,
      requestHash: createHash("sha256").update(`POST\n/v1/orders\n${body}`).digest("hex"),
      createdAt: h.clock.now(),
      expiresAt: new Date(h.clock.current.getTime() + IDEMPOTENCY_TTL_MS),
    });

  it("answers 409 while the first request with the key is still in flight", async () => {
    const body = JSON.stringify(orderBody());
    // The first request has claimed the key and not finished: its row has no response yet.
    await claimWithoutAnswer("key-in-flight", body);
    const res = await post("key-in-flight", body);
    expect((await readError(res, 409)).error.code).toBe("idempotency_in_progress");
    expect(Number(res.headers.get("retry-after"))).toBe(IDEMPOTENCY_LEASE_MS / 1000);
  });

  it("lets a retry take over a claim whose lease ran out (the API died in flight): the order is made once", async () => {
    const order = orderBody();
    const body = JSON.stringify(order);
    // A claim left by an instance that crashed before creating the order.
    await claimWithoutAnswer("key-crashed", body);
    h.clock.advance(IDEMPOTENCY_LEASE_MS - 1000);
    expect((await post("key-crashed", body)).status).toBe(409);
    h.clock.advance(1000);
    const retry = await post("key-crashed", body);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    const again = await post("key-crashed", body);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const list = await ordersWith(order.merchantOrderId);
    expect(list.data).toHaveLength(1);
  });

  it("fences a request that outlived its lease: it neither overwrites nor frees the key a retry took over", async () => {
    // A route that waits for the test, behind the real middleware: the first request stalls past its lease.
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const app = new Hono<AppEnv>()
      .use(async (c, next) => {
        c.set("deps", { db: h.db, now: h.clock.now, config: h.config } as unknown as AppDeps);
        c.set("merchant", { id: m.id } as Merchant);
        await next();
      })
      .post("/slow", idempotency, async (c) => {
        const call = ++calls;
        if (call === 1) await stalled;
        return c.json({ call }, 201);
      });
    const send = () => app.request("/slow", { method: "POST", headers: { "Idempotency-Key": "key-fenced" }, body: "{}" });

    const first = send();
    await vi.waitFor(() => expect(calls).toBe(1));
    h.clock.advance(IDEMPOTENCY_LEASE_MS);
    const second = await send();
    expect(second.status).toBe(201);
    expect(await second.json()).toEqual({ call: 2 });
    release();
    expect(await (await first).json()).toEqual({ call: 1 });
    const replay = await send();
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual({ call: 2 });
  });

  it("keeps the webhook secrets of endpoint creation and rotation out of the stored replay, and replays them", async () => {
    const created = await post("key-endpoint", { url: "https://shop.example.com/hooks" }, "/v1/webhook-endpoints");
    const endpoint = await readAs(created, endpointRoutes.createEndpoint, 201);
    const rotated = await post("key-rotate", undefined, `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`);
    const { secret: newSecret } = await readAs(rotated, endpointRoutes.rotateSecret, 200);

    const rows = await h.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.merchantId, m.id));
    const stored = rows.filter((row) => row.key === "key-endpoint" || row.key === "key-rotate");
    expect(stored).toHaveLength(2);
    for (const row of stored) {
      expect(row.responseBody).not.toContain(endpoint.secret);
      expect(row.responseBody).not.toContain(newSecret);
      expect(row.responseBody).not.toContain("whsec_");
    }

    const replayCreate = await post("key-endpoint", { url: "https://shop.example.com/hooks" }, "/v1/webhook-endpoints");
    expect(replayCreate.headers.get("idempotent-replayed")).toBe("true");
    expect((await readAs(replayCreate, endpointRoutes.createEndpoint, 201)).secret).toBe(endpoint.secret);
    const replayRotate = await post("key-rotate", undefined, `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`);
    expect(replayRotate.headers.get("idempotent-replayed")).toBe("true");
    expect((await readAs(replayRotate, endpointRoutes.rotateSecret, 200)).secret).toBe(newSecret);
  });

  it("keeps business outcomes (409 duplicate) but frees the key after a validation failure", async () => {
    const body = orderBody();
    await post("key-a", body);
    const duplicate = orderBody({ merchantOrderId: body.merchantOrderId });
    expect((await post("key-dup", duplicate)).status).toBe(409);
    const replayed = await post("key-dup", duplicate);
    expect(replayed.status).toBe(409);
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");

    expect((await post("key-fix", orderBody({ amount: "1.0000001" }))).status).toBe(422);
    expect((await post("key-fix", orderBody())).status).toBe(201);
  });

  it("forgets a key after 24 hours", async () => {
    const body = orderBody();
    expect((await post("key-old", body)).status).toBe(201);
    h.clock.advance(IDEMPOTENCY_TTL_MS + 1000);
    // Same body, so the same merchantOrderId: the request now really runs, and is a duplicate.
    const later = await post("key-old", body);
    expect(later.status).toBe(409);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
  });

  it("applies to cancel as well", async () => {
    const order = await readAs(await m.call("POST", "/v1/orders", { body: orderBody() }), orderRoutes.createQrOrder, 201);
    const first = await post("key-cancel", undefined, `/v1/orders/${order.id}/cancel`);
    expect(first.status).toBe(200);
    const retry = await post("key-cancel", undefined, `/v1/orders/${order.id}/cancel`);
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
  });

  it("refuses a malformed key with 422 naming the header", async () => {
    const res = await post("x".repeat(256), orderBody());
    expect((await readError(res, 422)).error.details).toEqual([expect.objectContaining({ field: "Idempotency-Key", in: "header" })]);
  });

  it("runs on every POST the OpenAPI document lists (each one checks the key before anything else)", async () => {
    const doc = await readOpenApiDocument(h.app);
    const posts = Object.entries(doc.paths).filter(([, methods]) => "post" in methods).map(([path]) => path.replace(/\{[^}]+\}/g, "x_none"));
    expect(posts.length).toBeGreaterThanOrEqual(5);
    for (const path of posts) {
      const res = await post("not a valid key", {}, path);
      expect(res.status, path).toBe(422);
      expect((await readError(res, 422)).error.details, path).toEqual([expect.objectContaining({ field: "Idempotency-Key", in: "header" })]);
    }
  });
});
