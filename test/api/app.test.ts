import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readError, readOpenApiDocument } from "../support/api-client.js";
import { createHarness, describeBackends, orderBody, type Harness, type TestMerchant } from "../support/harness.js";

describeBackends("app: health, OpenAPI, docs, error shape", (backend) => {
  let h: Harness;
  let m: TestMerchant;
  beforeAll(async () => {
    h = await createHarness(backend);
    m = await h.merchant();
  });
  afterAll(() => h?.close());

  it("GET /health answers without auth; /ready checks the database", async () => {
    const health = await h.app.request("/health");
    expect(health.status).toBe(200);
    // An app without a confirmer (the harness runs none) does not lead.
    expect(await health.json()).toEqual({ status: "ok", instanceId: h.config.instanceId, confirmerLeader: false });
    const metrics = await h.app.request("/metrics");
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await metrics.text()).toContain(`stablegate_confirmer_leader{instance="${h.config.instanceId}"} 0\n`);
    expect(health.headers.get("x-request-id")).toBeTruthy();
    const ready = await h.app.request("/ready");
    expect(await ready.json()).toEqual({ status: "ready", database: backend });
  });

  it("serves an OpenAPI 3.1 document built from the route schemas", async () => {
    const doc = await readOpenApiDocument(h.app);
    expect(doc.openapi).toBe("3.1.0");
    const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    expect(operations).toEqual(
      expect.arrayContaining(["createQrOrder", "contractPayment", "getOrder", "listOrders", "cancelOrder", "listPayments", "getBalance", "listEvents", "getHealth"]),
    );
    expect(doc.paths["/v1/orders"]!.post!.responses).toHaveProperty("422");
    expect(doc.paths["/v1/orders"]!.post!.responses).toHaveProperty("429");
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!methods.post) continue;
      expect(methods.post.parameters, path).toContainEqual(expect.objectContaining({ name: "Idempotency-Key", in: "header" }));
    }
    expect(doc.components.schemas).toHaveProperty("Error");
    expect(doc.components.schemas).toHaveProperty("Order");
    expect(doc.components.securitySchemes).toHaveProperty("bearerAuth");
  });

  it("serves the interactive reference and its assets locally", async () => {
    const page = await h.app.request("/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("/docs/assets/swagger-ui-bundle.js");
    expect(html).not.toMatch(/https?:\/\//);
    const bundle = await h.app.request("/docs/assets/swagger-ui-bundle.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toContain("javascript");
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    expect((await h.app.request("/docs/init.js")).status).toBe(200);
    expect((await h.app.request("/docs/assets/..%2Fpackage.json")).status).toBe(404);
  });

  it("answers unknown routes with 404 and wrong methods with 405 + Allow, in the error shape", async () => {
    const missing = await h.app.request("/nope");
    expect((await readError(missing, 404)).error.code).toBe("not_found");
    expect(missing.headers.get("x-request-id")).toBeTruthy();
    const traced = await h.app.request("/nope", { headers: { "x-request-id": "trace-123" } });
    expect(traced.headers.get("x-request-id")).toBe("trace-123");

    const wrong = await m.call("DELETE", "/v1/orders");
    expect(wrong.headers.get("allow")).toContain("POST");
    expect((await readError(wrong, 405)).error.code).toBe("method_not_allowed");
    expect((await h.app.request("/health", { method: "POST" })).status).toBe(405);
  });

  it("refuses malformed JSON (400), non-JSON bodies (415) and oversized bodies (413)", async () => {
    const malformed = await m.call("POST", "/v1/orders", { body: "{not json" });
    expect((await readError(malformed, 400)).error.code).toBe("invalid_json");

    const form = await m.call("POST", "/v1/orders", { body: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect((await readError(form, 415)).error.code).toBe("unsupported_media_type");
    const patch = await m.call("PATCH", "/v1/webhook-endpoints/we_none", { body: "url=x", headers: { "content-type": "text/plain" } });
    expect((await readError(patch, 415)).error.code).toBe("unsupported_media_type");

    const huge = await m.call("POST", "/v1/orders", { body: orderBody({ description: "x".repeat(70_000) }) });
    expect((await readError(huge, 413)).error.code).toBe("payload_too_large");
  });
  // Last: it breaks the database.
  it("answers an internal failure with a 500 in the error shape, without a stack", async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      // Break the database under the running app: auth still works, the orders query fails.
      await h.db.execute(sql`drop table stablegate.orders cascade`);
      const res = await m.call("GET", "/v1/orders");
      // The raw body: the error schema's parse would drop a key that carried a stack.
      const raw = await res.clone().text();
      expect((await readError(res, 500)).error.code).toBe("internal_error");
      expect(raw).not.toMatch(/at .*\.(ts|js):\d+/);
      expect(raw).not.toContain("stablegate.orders");
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      console.error = original;
    }
  });
});
