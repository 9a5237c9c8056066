/**
 * The merchant's side, as README shows it: a webhook handler for any server that speaks web-standard
 * Request/Response (Hono, Next.js route handlers, Bun, Deno; Express through an adapter).
 *
 * 1. Verify with the `standardwebhooks` package, over the raw body, before parsing or trusting anything. It checks
 *    the signature (any one of them, so secret rotations just work) and refuses timestamps more than 5 minutes
 *    away from now in either direction, which stops replays.
 * 2. Handle each `webhook-id` once. Stablegate retries until it gets a 2xx, so the same event can arrive again
 *    (a timeout after you processed it, a manual redelivery); answer 2xx to a repeat without acting on it.
 * 3. Answer 2xx only once the event is handled; anything else (or a crash) makes Stablegate retry later.
 */
import { Webhook, WebhookVerificationError } from "standardwebhooks";

/**
 * Where handled webhook ids are remembered. A `Set` works for a demo; in production insert the id into a table
 * with a unique constraint in the same transaction as the fulfilment, so a crash or a concurrent repeat cannot
 * fulfil twice.
 */
export type HandledWebhooks = {
  has(webhookId: string): boolean | Promise<boolean>;
  add(webhookId: string): unknown;
};

export type ReceiverOptions<Event> = {
  /** The endpoint's `whsec_...` signing secret. */
  secret: string;
  /** Fulfil the order etc. Throw to have the event retried. */
  onEvent: (event: Event, webhookId: string) => void | Promise<void>;
  handled?: HandledWebhooks;
};

export function webhookReceiver<Event = unknown>({ secret, onEvent, handled = new Set<string>() }: ReceiverOptions<Event>) {
  const webhook = new Webhook(secret);
  return async (request: Request): Promise<Response> => {
    const body = await request.text(); // the raw body: re-serialised JSON would not match the signature
    const webhookId = request.headers.get("webhook-id") ?? "";
    let event: Event;
    try {
      event = webhook.verify(body, {
        "webhook-id": webhookId,
        "webhook-timestamp": request.headers.get("webhook-timestamp") ?? "",
        "webhook-signature": request.headers.get("webhook-signature") ?? "",
      }) as Event;
    } catch (error) {
      if (error instanceof WebhookVerificationError) return Response.json({ error: error.message }, { status: 400 });
      throw error;
    }
    if (await handled.has(webhookId)) return new Response(null, { status: 204 });
    await onEvent(event, webhookId);
    await handled.add(webhookId);
    return new Response(null, { status: 204 });
  };
}
