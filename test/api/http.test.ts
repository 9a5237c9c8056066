/**
 * The app behind a real HTTP server (@hono/node-server, as `npm run api` serves it): request bodies arrive as
 * Node streams here, announced with Content-Length or chunked, which `app.request` never shows.
 */
import { request } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import { readAs, readError } from "../support/api-client.js";
import { createHarness, describeBackends, orderBody, type Harness, type TestMerchant } from "../support/harness.js";

/** A POST whose body is written in `chunks` with Transfer-Encoding: chunked (no Content-Length). */
function postChunked(url: string, key: string, chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    // The server may answer 413 and close before every chunk is written.
    req.on("error", (error: NodeJS.ErrnoException) => (error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error)));
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

/** Raw bytes on a socket: a request whose Content-Length announces more than it sends. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      answer += chunk;
      if (answer.includes("\r\n\r\n")) socket.destroy();
    });
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}

describeBackends("API over real HTTP: request bodies", (backend) => {
  let h: Harness;
  let m: TestMerchant;
  let server: ServerType;
  let port: number;
  let url: string;
  beforeAll(async () => {
    h = await createHarness(backend);
    m = await h.merchant();
    server = serve({ fetch: h.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => server.once("listening", resolve));
    port = (server.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}/v1/orders`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await h?.close();
  });

  const post = (body: string) =>
    fetch(url, { method: "POST", headers: { authorization: `Bearer ${m.key}`, "content-type": "application/json" }, body });

  it("creates an order from a body sent with Content-Length", async () => {
    const res = await post(JSON.stringify(orderBody({ merchantOrderId: "HTTP-1", metadata: { note: "Zoë 👕" } })));
    const order = await readAs(res, orderRoutes.createQrOrder, 201);
    expect(order).toMatchObject({ merchantOrderId: "HTTP-1", amount: "12.5", metadata: { note: "Zoë 👕" } });
  });

  it("creates an order from a chunked body", async () => {
    const text = JSON.stringify(orderBody({ merchantOrderId: "HTTP-2" }));
    const res = await postChunked(url, m.key, [text.slice(0, 10), text.slice(10, 40), text.slice(40)]);
    expect((await readAs(res, orderRoutes.createQrOrder, 201)).merchantOrderId).toBe("HTTP-2");
  });

  it("refuses a body over 64 KiB, announced or chunked, with 413 in the error shape", async () => {
    const huge = JSON.stringify(orderBody({ merchantOrderId: "HTTP-3", description: "x".repeat(70_000) }));
    const announced = await post(huge);
    expect((await readError(announced, 413)).error.code).toBe("payload_too_large");

    const chunked = await postChunked(url, m.key, Array.from({ length: 10 }, (_, i) => huge.slice(i * 7_100, (i + 1) * 7_100)));
    expect((await readError(chunked, 413)).error.code).toBe("payload_too_large");
    expect(await readAs(await m.call("GET", "/v1/orders?merchantOrderId=HTTP-3"), orderRoutes.listOrders, 200)).toEqual({ data: [], nextCursor: null });
  });

  it("limits the body of every method, not only POST: a DELETE with 2 MB is a 413 before anything reads it", async () => {
    const big = "x".repeat(2_000_000);
    const path = "/v1/webhook-endpoints/we_none";
    const announced = await fetch(`http://127.0.0.1:${port}${path}`, { method: "DELETE", headers: { authorization: `Bearer ${m.key}` }, body: big });
    expect(announced.status).toBe(413);
    // Built in-process, without Content-Length: counted as it is read.
    const inProcess = await m.call("DELETE", path, { body: big });
    expect((await readError(inProcess, 413)).error.code).toBe("payload_too_large");
    // Without a body, the same DELETE reaches its route.
    expect((await fetch(`http://127.0.0.1:${port}${path}`, { method: "DELETE", headers: { authorization: `Bearer ${m.key}` } })).status).toBe(404);
  });

  it("answers a Content-Length over the limit with 413 without waiting for the body", async () => {
    const answer = await rawRequest(
      port,
      `POST /v1/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${m.key}\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{"chainId":`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
  });
});
