/** Date-times at the edges of what the API stores: a clear 422 naming the field, never a 500, on both databases. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createHarness, describeBackends, orderBody, type ErrorBody, type Harness, type TestMerchant } from "../support/harness.js";

describeBackends("date-times", (backend) => {
  let h: Harness;
  let m: TestMerchant;
  beforeAll(async () => {
    h = await createHarness(backend);
    m = await h.merchant();
  });
  afterAll(() => h?.close());

  const field = async (res: Response) => ((await res.json()) as ErrorBody).error.details;

  // UTC year 10000, year 0 (Postgres has none) and year -1: valid ISO 8601 text the databases cannot take.
  const outside = ["9999-12-31T23:59:59-23:59", "0000-06-01T00:00:00Z", "0001-01-01T00:00:00+00:01"];

  it.each(outside)("refuses %s in the order list and event filters with 422", async (time) => {
    for (const [path, name] of [
      ["/v1/orders?createdFrom=", "createdFrom"],
      ["/v1/orders?createdTo=", "createdTo"],
      ["/v1/events?createdFrom=", "createdFrom"],
      ["/v1/events?createdTo=", "createdTo"],
    ] as const) {
      const res = await m.call("GET", `${path}${encodeURIComponent(time)}`);
      expect(res.status, path).toBe(422);
      expect(await field(res), path).toEqual([expect.objectContaining({ field: name, in: "query", message: expect.stringMatching(/0001 to 9999/) })]);
    }
  });

  it.each(outside)("refuses %s as an order's expiresAt with 422", async (time) => {
    const res = await m.call("POST", "/v1/orders", { body: orderBody({ expiresAt: time }) });
    expect(res.status).toBe(422);
    expect(await field(res)).toEqual([expect.objectContaining({ field: "expiresAt", in: "body" })]);
  });

  it("accepts the first and last instants of years 0001 to 9999 as filters", async () => {
    expect((await m.call("GET", `/v1/orders?createdTo=${encodeURIComponent("9999-12-31T23:59:59+00:00")}`)).status).toBe(200);
    expect((await m.call("GET", `/v1/events?createdFrom=${encodeURIComponent("0001-01-01T00:00:00Z")}`)).status).toBe(200);
  });

  it("caps expiresAt at 7 days from now, like expiresIn", async () => {
    const at = (ms: number) => new Date(h.clock.current.getTime() + ms).toISOString();
    const week = 7 * 24 * 3600_000;
    expect((await m.call("POST", "/v1/orders", { body: orderBody({ expiresAt: at(week) }) })).status).toBe(201);
    const beyond = await m.call("POST", "/v1/orders", { body: orderBody({ expiresAt: at(week + 1000) }) });
    expect(beyond.status).toBe(422);
    expect(await field(beyond)).toEqual([expect.objectContaining({ field: "expiresAt", message: expect.stringMatching(/at most 7 days/) })]);
    const farFuture = await m.call("POST", "/v1/orders", { body: orderBody({ expiresAt: "9000-01-01T00:00:00Z" }) });
    expect(farFuture.status).toBe(422);
  });
});
