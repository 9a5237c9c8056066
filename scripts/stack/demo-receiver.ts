/**
 * The demo merchant's webhook receiver for `npm start`: a small HTTP server on 127.0.0.1 that verifies every delivery
 * with the `standardwebhooks` package (through the merchant-side example in api/webhooks/example-receiver.ts) and
 * logs it. It registers itself as the demo merchant's endpoint, replacing the previous run's.
 */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { webhookReceiver } from "../../api/webhooks/example-receiver.js";

type EventOrder = { id?: string; status?: string; amountReceived?: string; symbol?: string; payments?: { amount?: string; state?: string }[] };
type Event = { id: string; type: string; data?: { order?: EventOrder } };

/**
 * What the log says of an order: its status and what was received, or, while it is confirming, the payments that
 * wait for their confirmations (its `amountReceived` counts confirmed payments only, so it still says 0 then).
 */
function describeOrder(order: EventOrder): string {
  const symbol = order.symbol ?? "";
  const waiting = (order.payments ?? []).filter((p) => p.state === "confirming").map((p) => p.amount ?? "?");
  if (order.status === "confirming" && waiting.length > 0) return `confirming ${waiting.join(" + ")} ${symbol} (waiting for confirmations)`;
  return `${order.status ?? ""} ${order.amountReceived ?? ""} ${symbol}`;
}

export interface DemoReceiver {
  url: string;
  endpointId: string;
  stop(): Promise<void>;
}

export async function startDemoReceiver({
  apiUrl,
  apiKey,
  port = 0,
  log = console.log,
}: { apiUrl: string; apiKey: string; port?: number; log?: (line: string) => void }): Promise<DemoReceiver> {
  const api = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${apiUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = response.status === 204 ? {} : ((await response.json()) as Record<string, unknown>);
    if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };

  // The secret only exists once the endpoint is registered, and the endpoint needs the server's URL: start first.
  let handle: ((request: Request) => Promise<Response>) | undefined;
  const server = serve({
    hostname: "127.0.0.1",
    port,
    fetch: (request) => (handle ? handle(request) : new Response("not ready", { status: 503 })),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;

  const { data: previous } = (await api("GET", "/v1/webhook-endpoints")) as { data: { id: string; description?: string | null }[] };
  for (const endpoint of previous.filter((e) => e.description === "npm start demo receiver")) {
    await api("DELETE", `/v1/webhook-endpoints/${endpoint.id}`);
  }
  const created = (await api("POST", "/v1/webhook-endpoints", { url, description: "npm start demo receiver" })) as {
    id: string;
    secret: string;
  };
  handle = webhookReceiver<Event>({
    secret: created.secret,
    onEvent: (event, webhookId) => {
      const order = event.data?.order ?? {};
      log(`webhook ${event.type} for ${order.id ?? "?"}: ${describeOrder(order)} (verified, ${webhookId})`);
    },
  });

  return {
    url,
    endpointId: created.id,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
