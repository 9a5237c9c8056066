/**
 * A merchant's webhook receiver for end-to-end tests: a real HTTP server on 127.0.0.1 that verifies every delivery
 * with the `standardwebhooks` package (not our own code) and keeps what it accepted and what it refused.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export type DeliveredEvent = { webhookId: string; id: string; type: string; orderId: string; status: string };

export interface VerifyingReceiver {
  url: string;
  delivered: DeliveredEvent[];
  rejected: string[];
  /** The endpoint's secret, known only once the endpoint is registered with the receiver's URL. */
  useSecret(secret: string): void;
  stop(): Promise<void>;
}

export async function startVerifyingReceiver(): Promise<VerifyingReceiver> {
  let verifier: Webhook | undefined;
  const delivered: DeliveredEvent[] = [];
  const rejected: string[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      try {
        if (!verifier) throw new Error("no secret yet");
        const event = verifier.verify(body, request.headers as Record<string, string>) as {
          id: string;
          type: string;
          data: { order: { id: string; status: string } };
        };
        delivered.push({
          webhookId: String(request.headers["webhook-id"]),
          id: event.id,
          type: event.type,
          orderId: event.data.order.id,
          status: event.data.order.status,
        });
        response.writeHead(204).end();
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
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
