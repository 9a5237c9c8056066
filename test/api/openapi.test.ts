/**
 * The served OpenAPI document as an outside client sees it: valid for swagger-parser and `redocly lint` (0 errors),
 * every example valid against its own schema, the documented 422s and query integers true of the running API; and
 * `/docs` under a CSP, keeping no API key in the browser.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import SwaggerParser from "@apidevtools/swagger-parser";
import { serve, type ServerType } from "@hono/node-server";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type OpenApiDocument, readError, readOpenApiDocument } from "../support/api-client.js";
import { launchChromium } from "../support/chromium.js";
import { createHarness, describeBackends, type Harness, type TestMerchant } from "../support/harness.js";

/** Every `example` in the document with the JSON pointer of the schema (or parameter) it belongs to. */
function examples(node: unknown, pointer = ""): { pointer: string; example: unknown }[] {
  if (node === null || typeof node !== "object") return [];
  const found: { pointer: string; example: unknown }[] = [];
  if ("example" in node) {
    // A parameter's or media type's example belongs to its `schema`; a schema's to itself.
    const target = "schema" in node ? `${pointer}/schema` : pointer;
    found.push({ pointer: target, example: node.example });
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === "example") continue;
    found.push(...examples(value, `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`));
  }
  return found;
}

describe("OpenAPI document", () => {
  let h: Harness;
  let doc: OpenApiDocument;
  let dir: string;
  beforeAll(async () => {
    h = await createHarness("pglite");
    doc = await readOpenApiDocument(h.app);
    dir = await mkdtemp(path.join(tmpdir(), "stablegate-openapi-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await h?.close();
  });

  it("is valid for @apidevtools/swagger-parser", async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it("has 0 errors in `redocly lint` (recommended rules)", async () => {
    const file = path.join(dir, "openapi.json");
    await writeFile(file, JSON.stringify(doc));
    const bin = path.resolve("node_modules/.bin/redocly");
    const { stdout } = await promisify(execFile)(bin, ["lint", file, "--format", "json"], { timeout: 120_000 }).catch((error) => error);
    const report = z
      .object({ totals: z.object({ errors: z.number() }), problems: z.array(z.looseObject({ ruleId: z.string(), severity: z.string(), message: z.string() })) })
      .parse(JSON.parse(String(stdout)));
    expect(report.problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });

  it("holds only examples that validate against their own schema", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ ...doc, $id: "openapi.json" } as never);
    const all = examples(doc);
    expect(all.length).toBeGreaterThan(20);
    const failures = all.flatMap(({ pointer, example }) => {
      const validate = ajv.compile({ $ref: `openapi.json#${pointer}` });
      return validate(example) ? [] : [`${pointer}: ${ajv.errorsText(validate.errors)}`];
    });
    expect(failures).toEqual([]);
  });

  it("gives merchantOrderId and customerId a pattern that README's example matches, read with or without the u flag", () => {
    const withPattern = z.object({ pattern: z.string() });
    const create = z.object({ properties: z.object({ merchantOrderId: withPattern, customerId: withPattern }) }).parse(doc.components.schemas.CreateQrOrderRequest);
    for (const field of ["merchantOrderId", "customerId"] as const) {
      const pattern = create.properties[field].pattern;
      for (const flags of ["", "u"]) {
        const regex = new RegExp(pattern, flags);
        expect(regex.test("A-1001"), `${field} /${flags}`).toBe(true);
        expect(regex.test("Bestellung 17 – Größe M"), field).toBe(true);
        expect(regex.test("A\u00071001"), field).toBe(false);
        expect(regex.test("A\u00851001"), field).toBe(false);
      }
    }
  });

  it("documents a 422 on every operation with a path parameter, and the API gives it for a NUL in one", async () => {
    const m = await h.merchant();
    const checked: string[] = [];
    for (const [route, methods] of Object.entries(doc.paths)) {
      if (!route.includes("{")) continue;
      for (const [method, operation] of Object.entries(methods)) {
        expect(operation.responses, operation.operationId).toHaveProperty("422");
        const res = await m.call(method.toUpperCase(), route.replace(/\{[^}]+\}/g, "x%00y"), method === "get" || method === "delete" ? {} : { body: {} });
        expect(res.status, `${method} ${route}`).toBe(422);
        expect((await readError(res, 422)).error.details, `${method} ${route}`).toEqual([expect.objectContaining({ in: "path" })]);
        checked.push(operation.operationId);
      }
    }
    expect(checked).toEqual(expect.arrayContaining(["getOrder", "listOrderPayments", "listEventDeliveries", "getWebhookEndpoint", "deleteWebhookEndpoint"]));
  });

  it("documents query integers as integers and takes only plain decimal digits (0x10, 1e3, 16.0 are 422)", async () => {
    const m = await h.merchant();
    for (const [route, methods] of Object.entries(doc.paths)) {
      for (const param of Object.values(methods).flatMap((op) => op.parameters ?? [])) {
        if (param.in === "query" && ["limit", "chainId"].includes(param.name)) expect(param.schema, `${route} ${param.name}`).toMatchObject({ type: "integer" });
      }
    }
    for (const [query, field] of [
      ["/v1/orders?limit=0x10", "limit"],
      ["/v1/orders?limit=16.0", "limit"],
      ["/v1/orders?limit=%2016", "limit"],
      ["/v1/events?limit=1e1", "limit"],
      ["/v1/payments?chainId=1e3", "chainId"],
      ["/v1/payments?chainId=0x7a69", "chainId"],
    ] as const) {
      const res = await m.call("GET", query);
      expect(res.status, query).toBe(422);
      expect((await readError(res, 422)).error.details, query).toEqual([expect.objectContaining({ field, in: "query" })]);
    }
    expect((await m.call("GET", "/v1/orders?limit=16")).status).toBe(200);
    expect((await m.call("GET", "/v1/payments?chainId=31337&limit=5")).status).toBe(200);
  });
});

describeBackends("/docs in a browser", (backend) => {
  let h: Harness;
  let m: TestMerchant;
  let server: ServerType;
  let base: string;
  beforeAll(async () => {
    h = await createHarness(backend);
    m = await h.merchant();
    server = serve({ fetch: h.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await h?.close();
  });

  it("is served with a CSP that the page runs under, and keeps an authorized API key out of localStorage", async () => {
    const page = await fetch(`${base}/docs`);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(await (await fetch(`${base}/docs/init.js`)).text()).toContain("persistAuthorization: false");

    const browser = await launchChromium();
    try {
      const tab = await browser.newPage();
      const violations: string[] = [];
      await tab.exposeFunction("reportViolation", (text: string) => violations.push(text));
      await tab.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (e) => (window as unknown as { reportViolation(t: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`));
      });
      await tab.goto(`${base}/docs`);
      await tab.waitForSelector(".opblock", { timeout: 30_000 });
      // Authorize as a user would, through the dialog.
      await tab.click("button.authorize");
      await tab.fill(".modal-ux input", m.key);
      await tab.click(".modal-ux button.authorize");
      await tab.click(".modal-ux button.btn-done");
      const stored = await tab.evaluate(() => JSON.stringify({ ...window.localStorage }) + JSON.stringify({ ...window.sessionStorage }) + document.cookie);
      expect(stored).not.toContain(m.key);
      expect(stored).not.toContain("sk_");
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
