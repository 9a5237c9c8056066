/**
 * Webhook receivers on 127.0.0.1 for tests and benchmarks: `startReceiver` records every request as it came and
 * answers as the test says (delivery tests: timeouts, errors, redirects); `startVerifyingReceiver` is a merchant's
 * receiver, the example in api/webhooks/example-receiver.ts (the `standardwebhooks` package) served over HTTP.
 */
import { createServer } from "node:http";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { webhookReceiver } from "../../api/webhooks/example-receiver.js";

export type ReceivedRequest = { method: string; path: string; headers: IncomingHttpHeaders; body: string };

export type Receiver = {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  close(): Promise<void>;
};

/**
 * Serves `respond` on a free port of 127.0.0.1; it is called once each request's body has been read.
 * `keepAliveTimeoutMs` keeps idle connections open longer (Node's default is 5 s).
 */
export async function startReceiver(
  respond: (request: ReceivedRequest, response: ServerResponse) => void,
  { path = "/webhooks", keepAliveTimeoutMs }: { path?: string; keepAliveTimeoutMs?: number } = {},
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const request = {
        method: incoming.method ?? "",
        path: incoming.url ?? "",
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(request);
      respond(request, response);
    });
  });
  if (keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = keepAliveTimeoutMs;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was bound and released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type DeliveredEvent = {
  webhookId: string;
  id: string;
  type: string;
  orderId: string;
  status: string;
  /** The event's `createdAt` (when the confirmer wrote it), ms since the epoch. */
  createdAt: number;
  /** When the receiver had verified it, ms since the epoch. */
  receivedAt: number;
  /** For refund events: the refund's id, status, destination and transaction. */
  refund?: { id: string; status: string; txHash: string | null; destination?: string | null } | undefined;
  /** The order snapshot the event carried, whole (`data.order`). */
  order: Record<string, unknown>;
};

export interface VerifyingReceiver {
  url: string;
  /** Every delivery that verified, repeats included (a test counts them). */
  delivered: DeliveredEvent[];
  /** Why each refused delivery was refused. */
  rejected: string[];
  /** The endpoint's secret, known only once the endpoint is registered with the receiver's URL. */
  useSecret(secret: string): void;
  /** Called with each verified delivery as it arrives. */
  onDelivered(listener: (event: DeliveredEvent) => void): void;
  stop(): Promise<void>;
}

type OrderEvent = {
  id: string;
  type: string;
  createdAt: string;
  data: { order: { id: string; status: string } & Record<string, unknown>; refund?: { id: string; status: string; txHash: string | null; destination?: string | null } };
};

/** Counts every delivery, repeats too: it remembers no webhook id (a merchant's receiver would). */
const rememberNothing = { has: () => false, add: () => undefined };

export async function startVerifyingReceiver(): Promise<VerifyingReceiver> {
  let handle: ((request: Request) => Promise<Response>) | undefined;
  const delivered: DeliveredEvent[] = [];
  const rejected: string[] = [];
  const listeners: ((event: DeliveredEvent) => void)[] = [];
  const answer = async (request: ReceivedRequest): Promise<Response> => {
    if (!handle) return Response.json({ error: "no secret yet" }, { status: 400 });
    const headers = Object.entries(request.headers).map(([name, value]) => [name, String(value)] as [string, string]);
    return handle(new Request(`http://127.0.0.1${request.path}`, { method: request.method, headers, body: request.body }));
  };
  const receiver = await startReceiver((request, response) => {
    answer(request)
      .then(async (result) => {
        if (result.status >= 400) rejected.push(await result.text());
        response.writeHead(result.status).end();
      })
      .catch((error: unknown) => {
        rejected.push(String(error));
        response.writeHead(500).end();
      });
  }, { path: "/hooks" });
  return {
    url: receiver.url,
    delivered,
    rejected,
    useSecret: (secret) => {
      handle = webhookReceiver<OrderEvent>({
        secret,
        handled: rememberNothing,
        onEvent: (event, webhookId) => {
          const entry: DeliveredEvent = {
            webhookId,
            id: event.id,
            type: event.type,
            orderId: event.data.order.id,
            status: event.data.order.status,
            refund: event.data.refund && {
              id: event.data.refund.id,
              status: event.data.refund.status,
              txHash: event.data.refund.txHash,
              destination: event.data.refund.destination,
            },
            createdAt: Date.parse(event.createdAt),
            receivedAt: Date.now(),
            order: event.data.order,
          };
          delivered.push(entry);
          for (const listener of listeners) listener(entry);
        },
      });
    },
    onDelivered: (listener) => {
      listeners.push(listener);
    },
    stop: () => receiver.close(),
  };
}

export interface HangingReceiver {
  url: string;
  /** Requests received so far, and those still open (never answered). */
  received(): number;
  open(): number;
  /** The most requests that were open at once. */
  mostOpen(): number;
  stop(): Promise<void>;
}

/** A merchant's endpoint that takes every request and never answers (a hung server). */
export async function startHangingReceiver(): Promise<HangingReceiver> {
  let received = 0;
  let open = 0;
  let mostOpen = 0;
  const server = createServer((request) => {
    received += 1;
    open += 1;
    mostOpen = Math.max(mostOpen, open);
    request.resume();
    request.socket.once("close", () => (open -= 1));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received: () => received,
    open: () => open,
    mostOpen: () => mostOpen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
