/**
 * Rate limits counted in the database: one budget per API key whichever instance answers, no window boundary that
 * lets twice the limit through, honest RateLimit-* headers, and per-address limits on the unauthenticated routes
 * over real HTTP.
 */
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp, type App } from "../../api/app.js";
import { openDatabase, type DatabaseHandle } from "../../api/db/client.js";
import { readError } from "../support/api-client.js";
import { createHarness, describeBackends, TestClock, type Harness, type TestMerchant } from "../support/harness.js";

const LIMIT = 10;
const INTERVAL_MS = 60_000 / LIMIT;

describeBackends("rate limits", (backend) => {
  let h: Harness;
  /** A second API instance: on Postgres its own connection pool to the same database. */
  let other: App;
  let otherHandle: DatabaseHandle | undefined;
  beforeAll(async () => {
    h = await createHarness(backend, { env: { RATE_LIMIT_PER_MINUTE: String(LIMIT) }, clock: new TestClock(new Date("2030-01-01T12:00:30Z")) });
    otherHandle = h.databaseUrl ? await openDatabase({ url: h.databaseUrl, poolSize: 2 }) : undefined;
    other = createApp({ config: h.config, db: otherHandle?.db ?? h.db, chains: h.chains, now: h.clock.now });
  });
  afterAll(async () => {
    await otherHandle?.close();
    await h?.close();
  });

  const get = (app: App, m: TestMerchant) => app.request("/v1/balance", { headers: { authorization: `Bearer ${m.key}` } });

  it("shares one budget per API key between instances, with the same RateLimit-Remaining whichever answers", async () => {
    const m = await h.merchant();
    for (let i = 0; i < LIMIT; i++) {
      const res = await get(i % 2 === 0 ? h.app : other, m);
      expect(res.status, `request ${i + 1}`).toBe(200);
      expect(res.headers.get("ratelimit-remaining")).toBe(String(LIMIT - i - 1));
    }
    for (const app of [h.app, other]) {
      const refused = await get(app, m);
      expect((await readError(refused, 429)).error.code).toBe("rate_limited");
      expect(refused.headers.get("retry-after")).toBe(String(INTERVAL_MS / 1000));
    }
  });

  it("lets no minute boundary double the limit: a full burst just before it leaves nothing just after", async () => {
    const m = await h.merchant();
    h.clock.current = new Date("2030-01-01T12:01:59.000Z");
    let admitted = 0;
    for (let i = 0; i < LIMIT; i++) if ((await get(h.app, m)).status === 200) admitted++;
    h.clock.current = new Date("2030-01-01T12:02:00.500Z");
    for (let i = 0; i < LIMIT; i++) if ((await get(other, m)).status === 200) admitted++;
    expect(admitted).toBe(LIMIT);
    // Over the next minute the budget refills evenly: one request per interval, never a second burst.
    let later = 0;
    for (let step = 0; step < 10; step++) {
      h.clock.advance(INTERVAL_MS);
      for (let i = 0; i < 3; i++) if ((await get(step % 2 ? h.app : other, m)).status === 200) later++;
    }
    expect(later).toBe(10);
  });

  it("admits exactly the budget from a concurrent burst on both instances, each admitted request told its own remaining", async () => {
    const m = await h.merchant();
    h.clock.current = new Date("2030-01-01T14:00:00Z");
    // Far more than the limit at once, half through each instance: requests of one key are batched per round trip.
    const burst = await Promise.all(Array.from({ length: 3 * LIMIT }, (_, i) => get(i % 2 === 0 ? h.app : other, m)));
    const admitted = burst.filter((res) => res.status === 200);
    expect(admitted).toHaveLength(LIMIT);
    expect(burst.filter((res) => res.status === 429)).toHaveLength(2 * LIMIT);
    const remaining = admitted.map((res) => Number(res.headers.get("ratelimit-remaining"))).sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: LIMIT }, (_, i) => i));
    // A burst that fits in full goes through in full once the budget has refilled.
    h.clock.advance(60_000);
    const refilled = await Promise.all(Array.from({ length: LIMIT }, () => get(h.app, m)));
    expect(refilled.map((res) => res.status)).toEqual(Array(LIMIT).fill(200));
    expect((await get(other, m)).status).toBe(429);
  });

  it("says honestly what is left and when it refills (RateLimit-Remaining, -Reset, -Policy)", async () => {
    const m = await h.merchant();
    h.clock.current = new Date("2030-01-01T13:00:00Z");
    const first = await get(h.app, m);
    expect(first.headers.get("ratelimit-limit")).toBe(String(LIMIT));
    expect(first.headers.get("ratelimit-policy")).toBe(`${LIMIT};w=60`);
    expect(first.headers.get("ratelimit-remaining")).toBe(String(LIMIT - 1));
    expect(first.headers.get("ratelimit-reset")).toBe(String(INTERVAL_MS / 1000));
    for (let i = 0; i < 3; i++) await get(other, m);
    const fifth = await get(h.app, m);
    expect(fifth.headers.get("ratelimit-remaining")).toBe(String(LIMIT - 5));
    expect(fifth.headers.get("ratelimit-reset")).toBe(String((5 * INTERVAL_MS) / 1000));
    h.clock.advance(2 * INTERVAL_MS);
    const refilled = await get(other, m);
    expect(refilled.headers.get("ratelimit-remaining")).toBe(String(LIMIT - 4));
  });
});

describeBackends("rate limits on the unauthenticated routes, per client address, over HTTP", (backend) => {
  const PUBLIC_LIMIT = 4;
  let behindProxy: Harness;
  let direct: Harness;
  const servers: ServerType[] = [];
  const urls: Record<string, string> = {};
  beforeAll(async () => {
    behindProxy = await createHarness(backend, { env: { PUBLIC_RATE_LIMIT_PER_MINUTE: String(PUBLIC_LIMIT), TRUSTED_PROXIES: "1" } });
    direct = await createHarness(backend, { env: { PUBLIC_RATE_LIMIT_PER_MINUTE: String(PUBLIC_LIMIT) } });
    for (const [name, h] of [["behindProxy", behindProxy], ["direct", direct]] as const) {
      const server = serve({ fetch: h.app.fetch, port: 0, hostname: "127.0.0.1" });
      await new Promise<void>((resolve) => server.once("listening", resolve));
      servers.push(server);
      urls[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    await behindProxy?.close();
    await direct?.close();
  });

  const fetchFrom = (base: string, path: string, address?: string) =>
    fetch(`${base}${path}`, { headers: address ? { "x-forwarded-for": address } : {} });

  it("limits checkout, status, QR, docs and the OpenAPI document together per client, then 429 with Retry-After", async () => {
    const base = urls.behindProxy!;
    // With one trusted proxy, the client is the last X-Forwarded-For entry: the one that proxy appended.
    const paths = ["/pay/ord_unknown", "/pay/ord_unknown/status", "/docs", "/openapi.json"];
    for (const path of paths) expect((await fetch(`${base}${path}`, { headers: { "x-forwarded-for": "198.51.100.7" } })).status).not.toBe(429);
    const refused = await fetch(`${base}/pay/ord_unknown/qr.svg`, { headers: { "x-forwarded-for": "198.51.100.7" } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect((await readError(refused, 429)).error.code).toBe("rate_limited");
    // Another client behind the same proxy has its own budget.
    expect((await fetch(`${base}/openapi.json`, { headers: { "x-forwarded-for": "198.51.100.8" } })).status).toBe(200);
    // Health checks are not limited.
    for (let i = 0; i < PUBLIC_LIMIT + 2; i++) expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it("without a trusted proxy counts the socket's address: a forged X-Forwarded-For does not reset the budget", async () => {
    const base = urls.direct!;
    for (let i = 0; i < PUBLIC_LIMIT; i++) expect((await fetchFrom(base, "/openapi.json", `203.0.113.${i}`)).status).toBe(200);
    const refused = await fetchFrom(base, "/openapi.json", "203.0.113.99");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBeTruthy();
  });
});
