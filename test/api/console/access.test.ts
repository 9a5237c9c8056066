/**
 * Console access control, through the real app (`app.request`) on PGlite: each role sees exactly its pages and may
 * do exactly its actions; another merchant's data is 404; CSRF (token and Origin), session fixation, lock-out,
 * TOTP replay, sign-out everywhere; the audit log refuses changes.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERMISSIONS } from "../../../api/console/access/roles.js";
import { SESSION_COOKIE } from "../../../api/console/access/sessions.js";
import { consoleRoles, type ConsoleRole } from "../../../api/db/schema.js";
import * as orderRoutes from "../../../api/routes/orders/orders.routes.js";
import { readAs } from "../../support/api-client.js";
import { createHarness, orderBody, type Harness, type TestMerchant } from "../../support/harness.js";
import { ConsoleBrowser, consolePerson, PASSWORD, signedIn } from "./support.js";

let h: Harness;
let shop: TestMerchant;
let other: TestMerchant;
let otherOrderId: string;
let orderId: string;
const browsers = {} as Record<ConsoleRole, ConsoleBrowser>;

beforeAll(async () => {
  h = await createHarness("pglite");
  shop = await h.merchant({ name: "Shop" });
  other = await h.merchant({ name: "Other shop" });
  orderId = (await readAs(await shop.call("POST", "/v1/orders", { body: orderBody() }), orderRoutes.createQrOrder, 201)).id;
  otherOrderId = (await readAs(await other.call("POST", "/v1/orders", { body: orderBody() }), orderRoutes.createQrOrder, 201)).id;
  for (const role of consoleRoles) {
    await consolePerson(h, `${role}@shop.test`, { merchantId: shop.id, role });
    browsers[role] = await signedIn(h, `${role}@shop.test`);
  }
});
afterAll(async () => {
  await h.close();
});

const PAGES = {
  orders: "orders:view",
  unmatched: "unmatched:review",
  finance: "finance:view",
  developers: "developers:manage",
  settings: "owner:manage",
  audit: "audit:view",
} as const;

describe("roles", () => {
  it.each(consoleRoles)("%s gets exactly the pages of its role, and its navigation shows only those", async (role) => {
    for (const [page, permission] of Object.entries(PAGES)) {
      const allowed = (PERMISSIONS[permission] as readonly string[]).includes(role);
      const response = await browsers[role].get(`/console/m/${shop.id}/${page}`);
      expect(response.status, `${role} → ${page}`).toBe(allowed ? 200 : 403);
      const nav = /<nav[\s\S]*?<\/nav>/.exec(response.html)?.[0] ?? "";
      expect(nav.includes(`/${page}"`), `${role}'s navigation and ${page}`).toBe(allowed);
    }
  });

  it("each action is refused to the roles without it", async () => {
    const actions: { path: string; fields: Record<string, string>; permission: keyof typeof PERMISSIONS; ok: number[] }[] = [
      { path: `/console/m/${shop.id}/developers/keys`, fields: { label: "x" }, permission: "developers:manage", ok: [200] },
      { path: `/console/m/${shop.id}/settings/members`, fields: { email: "new@shop.test", role: "support" }, permission: "owner:manage", ok: [200, 303] },
      { path: `/console/m/${shop.id}/unmatched/unm_nothing/dismiss`, fields: { note: "n" }, permission: "unmatched:review", ok: [404] },
      { path: `/console/m/${shop.id}/orders/${orderId}/redeliver`, fields: { eventId: "evt_nothing" }, permission: "orders:redeliver", ok: [404] },
    ];
    for (const action of actions) {
      for (const role of consoleRoles) {
        const b = browsers[role];
        await b.get(`/console/m/${shop.id}/orders`);
        const response = await b.post(action.path, action.fields);
        const allowed = (PERMISSIONS[action.permission] as readonly string[]).includes(role);
        if (allowed) expect(action.ok, `${role} → ${action.path}: ${response.status}`).toContain(response.status);
        else expect(response.status, `${role} → ${action.path}`).toBe(403);
      }
    }
  });

  it("support can cancel an order; finance cannot, and finance's order page offers no cancel button", async () => {
    const finance = await browsers.finance.get(`/console/m/${shop.id}/orders/${orderId}`);
    expect(finance.status).toBe(200);
    expect(finance.html).not.toContain("Cancel order");
    expect((await browsers.finance.post(`/console/m/${shop.id}/orders/${orderId}/cancel`)).status).toBe(403);
    const page = await browsers.support.get(`/console/m/${shop.id}/orders/${orderId}`);
    expect(page.html).toContain("Cancel order");
    const done = await browsers.support.post(`/console/m/${shop.id}/orders/${orderId}/cancel`);
    expect(done.status).toBe(303);
    const after = await browsers.support.get(done.location!);
    expect(after.html).toContain('id="order-status">cancelled');
    expect(after.html).toContain("Event order.cancelled");
  });

  it("only operators reach the operator pages; an operator opens any merchant", async () => {
    expect((await browsers.owner.get("/console/operator")).status).toBe(404);
    await consolePerson(h, "ops@gateway.test", { operator: true });
    const ops = await signedIn(h, "ops@gateway.test");
    expect((await ops.get("/console/operator")).status).toBe(200);
    expect((await ops.get(`/console/m/${other.id}/developers`)).status).toBe(200);
    expect((await ops.get("/console/operator/unmatched")).status).toBe(200);
  });
});

describe("merchant isolation", () => {
  it("another merchant's pages and orders are 404, by URL or by search", async () => {
    const owner = browsers.owner;
    for (const page of Object.keys(PAGES)) expect((await owner.get(`/console/m/${other.id}/${page}`)).status).toBe(404);
    expect((await owner.get(`/console/m/${shop.id}/orders/${otherOrderId}`)).status).toBe(404);
    const search = await owner.get(`/console/m/${shop.id}/orders?q=${otherOrderId}`);
    expect(search.html).not.toContain(`/orders/${otherOrderId}"`);
    expect(search.html).toContain("No orders found.");
    await owner.get(`/console/m/${shop.id}/orders`);
    expect((await owner.post(`/console/m/${shop.id}/orders/${otherOrderId}/cancel`)).status).toBe(404);
    expect((await owner.post(`/console/m/${other.id}/developers/keys`, { label: "stolen" })).status).toBe(404);
  });

  it("JSON callers get the one error shape", async () => {
    const response = await browsers.owner.get(`/console/m/${other.id}/orders`, { accept: "application/json" });
    expect(response.status).toBe(404);
    expect(JSON.parse(response.html)).toEqual({ error: { code: "not_found", message: "Page not found" } });
  });

  it("sends its pages with a strict CSP (forms post to us only), no framing, no sniffing, and no caching", async () => {
    const response = await h.app.request("/console/login");
    expect(response.headers.get("content-security-policy")).toMatch(/default-src 'none'.*form-action 'self'.*frame-ancestors 'none'/);
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("serves its script and styles, and a 404 (never a 500) for names that are properties of every object", async () => {
    for (const name of ["console.js", "console.css"]) expect((await h.app.request(`/console/assets/${name}`)).status).toBe(200);
    for (const name of ["__proto__", "constructor", "valueOf", "toString", "hasOwnProperty", "nope.js"]) {
      expect((await h.app.request(`/console/assets/${name}`)).status, name).toBe(404);
    }
  });
});

describe("CSRF", () => {
  it("refuses a POST without the token, with another session's token, or from another origin", async () => {
    const owner = browsers.owner;
    await owner.get(`/console/m/${shop.id}/developers`);
    const path = `/console/m/${shop.id}/developers/keys`;
    expect((await owner.post(path, { label: "no token" }, { csrf: false })).status).toBe(403);
    const foreignToken = (await browsers.developer.get(`/console/m/${shop.id}/developers`), browsers.developer.token());
    expect((await owner.post(path, { label: "x", _csrf: foreignToken }, { csrf: false })).status).toBe(403);
    expect((await owner.post(path, { label: "x" }, { origin: "https://evil.example" })).status).toBe(403);
    expect((await owner.post(path, { label: "x" }, { origin: null })).status).toBe(403);
    expect((await owner.post(path, { label: "fine" })).status).toBe(200);
  });

  it("the sign-in form needs its pre-session token too", async () => {
    const b = new ConsoleBrowser(h);
    await b.get("/console/login");
    expect((await b.post("/console/login", { email: "owner@shop.test", password: PASSWORD }, { csrf: false })).status).toBe(403);
  });
});

describe("sessions", () => {
  it("a session id planted before sign-in is not the one after it, and grants nothing", async () => {
    const b = new ConsoleBrowser(h);
    b.cookies.set(SESSION_COOKIE, "planted-by-an-attacker-0000000000000000000");
    await b.get("/console/login");
    await b.post("/console/login", { email: "owner@shop.test", password: PASSWORD });
    const afterPassword = b.cookies.get(SESSION_COOKIE);
    expect(afterPassword).not.toBe("planted-by-an-attacker-0000000000000000000");
    await b.get("/console/login/2fa");
    await b.post("/console/login/2fa", { code: await b.code("owner@shop.test") });
    const afterTotp = b.cookies.get(SESSION_COOKIE);
    expect(afterTotp).not.toBe(afterPassword);
    expect((await b.get(`/console/m/${shop.id}/orders`)).status).toBe(200);
    const stale = new ConsoleBrowser(h);
    stale.cookies.set(SESSION_COOKIE, afterPassword!);
    expect((await stale.get(`/console/m/${shop.id}/orders`)).location).toBe("/console/login");
  });

  it("cookies are httpOnly, Secure, SameSite=Strict and __Host-", async () => {
    const b = new ConsoleBrowser(h);
    await b.get("/console/login");
    const response = await h.app.request("/console/login", {
      method: "POST",
      headers: { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join("; "), origin: "https://pay.example.com", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: b.token(), email: "owner@shop.test", password: PASSWORD }).toString(),
    });
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
  });

  it("a TOTP code is good once", async () => {
    await consolePerson(h, "replay@shop.test", { merchantId: shop.id, role: "support" });
    const first = await signedIn(h, "replay@shop.test");
    expect(first.cookies.get(SESSION_COOKIE)).toBeDefined();
    const code = await first.code("replay@shop.test");
    const a = new ConsoleBrowser(h);
    await a.get("/console/login");
    await a.post("/console/login", { email: "replay@shop.test", password: PASSWORD });
    await a.get("/console/login/2fa");
    expect((await a.post("/console/login/2fa", { code })).status).toBe(303);
    const b = new ConsoleBrowser(h);
    await b.get("/console/login");
    await b.post("/console/login", { email: "replay@shop.test", password: PASSWORD });
    await b.get("/console/login/2fa");
    expect((await b.post("/console/login/2fa", { code })).status).toBe(401);
  });

  it("a recovery code signs in once", async () => {
    await consolePerson(h, "lost-phone@shop.test", { merchantId: shop.id, role: "finance" });
    const first = new ConsoleBrowser(h);
    const enrolled = await first.signIn("lost-phone@shop.test", PASSWORD);
    const codes = [...enrolled.html.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
    expect(codes).toHaveLength(10);
    const use = async () => {
      const b = new ConsoleBrowser(h);
      await b.get("/console/login");
      await b.post("/console/login", { email: "lost-phone@shop.test", password: PASSWORD });
      await b.get("/console/login/2fa");
      return (await b.post("/console/login/2fa", { code: codes[3]! })).status;
    };
    expect(await use()).toBe(303);
    expect(await use()).toBe(401);
  });

  it("sign-out everywhere ends every browser's session", async () => {
    await consolePerson(h, "two@shop.test", { merchantId: shop.id, role: "support" });
    const laptop = await signedIn(h, "two@shop.test");
    const phone = await signedIn(h, "two@shop.test");
    await phone.get("/console/account");
    expect((await phone.post("/console/logout-everywhere")).location).toBe("/console/login");
    expect((await laptop.get(`/console/m/${shop.id}/orders`)).location).toBe("/console/login");
  });
});

describe("lock-out", () => {
  it("five wrong passwords lock the account for 15 minutes, even for the right password", async () => {
    await consolePerson(h, "locked@shop.test", { merchantId: shop.id, role: "finance" });
    const b = new ConsoleBrowser(h);
    await b.get("/console/login");
    for (let i = 0; i < 4; i++) expect((await b.post("/console/login", { email: "locked@shop.test", password: "wrong password!" })).status).toBe(401);
    expect((await b.post("/console/login", { email: "locked@shop.test", password: "wrong password!" })).status).toBe(423);
    expect((await b.post("/console/login", { email: "locked@shop.test", password: PASSWORD })).status).toBe(423);
    h.clock.advance(15 * 60 * 1000 + 1000);
    await b.get("/console/login");
    expect((await b.post("/console/login", { email: "locked@shop.test", password: PASSWORD })).status).toBe(303);
  });

  it("an address that keeps trying is slowed down (429) across accounts", async () => {
    h.clock.advance(60_000);
    const b = new ConsoleBrowser(h);
    await b.get("/console/login");
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await b.post("/console/login", { email: `nobody${i}@shop.test`, password: "whatever it is" })).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
  });
});

describe("audit log", () => {
  it("records sign-ins, failures and key changes, and refuses UPDATE, DELETE and TRUNCATE", async () => {
    h.clock.advance(60_000);
    await browsers.owner.get(`/console/m/${shop.id}/developers`);
    const issued = await browsers.owner.post(`/console/m/${shop.id}/developers/keys`, { label: "audited" });
    const key = /id="shown-once" class="secret">([^<]+)</.exec(issued.html)![1]!;
    const page = await browsers.owner.get(`/console/m/${shop.id}/audit`);
    expect(page.html).toContain(key.slice(0, 12));
    expect(page.html).not.toContain(key);
    expect(page.html).toContain("sign_in");
    expect(page.html).toContain("api_key.issued");
    expect(page.html).toContain("order.cancelled");
    for (const statement of [sql`update stablegate.audit_log set action = 'x'`, sql`delete from stablegate.audit_log`, sql`truncate stablegate.audit_log`]) {
      await expect(h.db.execute(statement)).rejects.toThrow(/append-only/);
    }
  });
});
