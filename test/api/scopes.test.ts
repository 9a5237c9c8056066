import { afterAll, beforeAll, expect, it } from "vitest";
import * as admin from "../../api/admin/commands.js";
import { API_SCOPES, isApiScope, type ApiScope } from "../../api/lib/scopes.js";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import { readAs, readError, readOpenApiDocument } from "../support/api-client.js";
import { createHarness, describeBackends, type Harness, type TestMerchant } from "../support/harness.js";

type Operation = { method: string; path: string; operationId: string; scopes: string[] };
const ALL = Object.keys(API_SCOPES).filter(isApiScope);

describeBackends("API key scopes", (backend) => {
  let h: Harness;
  let m: TestMerchant;
  let operations: Operation[];
  beforeAll(async () => {
    h = await createHarness(backend);
    m = await h.merchant();
    const doc = await readOpenApiDocument(h.app);
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        scopes: op.security?.flatMap((s) => s.bearerAuth ?? []) ?? [],
      })),
    );
  });
  afterAll(() => h?.close());

  /** A request with `key`, the path's parameters filled in with ids nobody has. */
  const call = (key: string, op: Operation) =>
    h.app.request(op.path.replace(/\{[^}]+\}/g, "x_none"), {
      method: op.method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: op.method === "GET" || op.method === "DELETE" ? undefined : "{}",
    });
  const keyWith = async (scopes: ApiScope[]) => (await admin.issueApiKey(h.db, { merchantId: m.id, scopes })).key;

  it("documents one scope on every /v1 operation but the chains list, which any key may read", () => {
    const v1 = operations.filter((op) => op.path.startsWith("/v1/"));
    expect(v1.length).toBeGreaterThanOrEqual(18);
    for (const op of v1) {
      if (op.operationId === "listChains") expect(op.scopes, op.operationId).toEqual([]);
      else expect(op.scopes.length === 1 && op.scopes.every(isApiScope), `${op.operationId}: ${op.scopes}`).toBe(true);
    }
    expect(new Set(v1.flatMap((op) => op.scopes))).toEqual(new Set(ALL));
  });

  it("refuses every operation to a key with all other scopes (403 insufficient_scope), and lets one with only its scope in", async () => {
    const scoped = operations.filter((op) => op.path.startsWith("/v1/") && op.scopes.length === 1);
    for (const op of scoped) {
      const needed = op.scopes[0]!;
      if (!isApiScope(needed)) throw new Error(`${op.operationId}: unknown scope ${needed}`);
      const refused = await call(await keyWith(ALL.filter((s) => s !== needed)), op);
      expect(refused.status, `${op.operationId} without ${needed}`).toBe(403);
      const body = await readError(refused, 403);
      expect(body.error.code).toBe("insufficient_scope");
      expect(body.error.message).toContain(needed);
      expect(body.error.details).toMatchObject({ required: needed });

      const allowed = await call(await keyWith([needed]), op);
      expect([401, 403], `${op.operationId} with ${needed}: ${allowed.status}`).not.toContain(allowed.status);
    }
  });

  it("lets a create-only key make orders but not read them back, list payments or touch webhooks", async () => {
    const key = await keyWith(["orders:write"]);
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const created = await h.app.request("/v1/orders", {
      method: "POST",
      headers,
      body: JSON.stringify({ chainId: 31337, symbol: "USDT", amount: "5", merchantOrderId: "SCOPED-1" }),
    });
    expect(created.status).toBe(201);
    const { id } = await readAs(created, orderRoutes.createQrOrder, 201);
    expect((await h.app.request(`/v1/orders/${id}`, { headers })).status).toBe(403);
    expect((await h.app.request("/v1/payments", { headers })).status).toBe(403);
    expect((await h.app.request("/v1/webhook-endpoints", { headers })).status).toBe(403);
    expect((await h.app.request("/v1/chains", { headers })).status).toBe(200);
    expect((await h.app.request(`/v1/orders/${id}/cancel`, { method: "POST", headers })).status).toBe(200);
    // A full key (issued without scopes) reads it.
    expect((await m.call("GET", `/v1/orders/${id}`)).status).toBe(200);
  });

  it("checks the scope before Idempotency-Key: a key without orders:write cannot replay another key's order", async () => {
    const body = JSON.stringify({ chainId: 31337, symbol: "USDT", amount: "5", merchantOrderId: "SCOPED-2" });
    const post = (key: string) =>
      h.app.request("/v1/orders", {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "idempotency-key": "scoped-replay" },
        body,
      });
    expect((await post(m.key)).status).toBe(201);
    const replayed = await post(await keyWith(ALL.filter((s) => s !== "orders:write")));
    expect(replayed.status).toBe(403);
    expect(replayed.headers.get("idempotent-replayed")).toBeNull();
    expect((await post(await keyWith(["orders:write"]))).headers.get("idempotent-replayed")).toBe("true");
  });

  it("refuses unknown or empty scope lists when issuing, and lists each key's scopes", async () => {
    await expect(admin.issueApiKey(h.db, { merchantId: m.id, scopes: ["orders:delete"] })).rejects.toThrow(/unknown scope orders:delete/);
    await expect(admin.issueApiKey(h.db, { merchantId: m.id, scopes: [] })).rejects.toThrow(/at least one scope/);
    const issued = await admin.issueApiKey(h.db, { merchantId: m.id, scopes: ["events:read", "events:read", "orders:read"] });
    expect(issued.scopes).toEqual(["events:read", "orders:read"]);
    const listed = await admin.listApiKeys(h.db, m.id);
    expect(listed.find((k) => k.id === issued.id)?.scopes).toEqual(["events:read", "orders:read"]);
    expect(listed.some((k) => k.scopes === null)).toBe(true);
  });
});
