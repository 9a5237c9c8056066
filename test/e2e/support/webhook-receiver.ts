/**
 * A merchant's webhook receiver for end-to-end tests: a real HTTP server on 127.0.0.1 that verifies every delivery
 * with the `standardwebhooks` package (not our own code) and keeps what it accepted and what it refused.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

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
  /** For refund events: the refund's id, status and transaction. */
  refund?: { id: string; status: string; txHash: string | null } | undefined;
};

export interface VerifyingReceiver {
  url: string;
  delivered: DeliveredEvent[];
  rejected: string[];
  /** The endpoint's secret, known only once the endpoint is registered with the receiver's URL. */
  useSecret(secret: string): void;
  /** Called with each verified delivery as it arrives. */
  onDelivered(listener: (event: DeliveredEvent) => void): void;
  stop(): Promise<void>;
}

export async function startVerifyingReceiver(): Promise<VerifyingReceiver> {
  let verifier: Webhook | undefined;
  const delivered: DeliveredEvent[] = [];
  const rejected: string[] = [];
  const listeners: ((event: DeliveredEvent) => void)[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      try {
        if (!verifier) throw new Error("no secret yet");
        const event = verifier.verify(body, request.headers as Record<string, string>) as {
          id: string;
          type: string;
          createdAt: string;
          data: { order: { id: string; status: string }; refund?: { id: string; status: string; txHash: string | null } };
        };
        const entry: DeliveredEvent = {
          webhookId: String(request.headers["webhook-id"]),
          id: event.id,
          type: event.type,
          orderId: event.data.order.id,
          status: event.data.order.status,
          refund: event.data.refund && { id: event.data.refund.id, status: event.data.refund.status, txHash: event.data.refund.txHash },
          createdAt: Date.parse(event.createdAt),
          receivedAt: Date.now(),
        };
        delivered.push(entry);
        response.writeHead(204).end();
        for (const listener of listeners) listener(entry);
      } catch (error) {
        rejected.push(String(error));
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    delivered,
    rejected,
    useSecret: (secret) => {
      verifier = new Webhook(secret);
    },
    onDelivered: (listener) => {
      listeners.push(listener);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
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
