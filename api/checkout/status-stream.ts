/**
 * `/pay/<token>/events`: the checkout's status pushed as server-sent events, the same customer-safe `PublicOrder`
 * that `/pay/<token>/status` answers. A stream re-reads its order when this process commits an order change
 * (orders/changes.ts) and, as the safety net for changes made by another API instance, every
 * `streamSettings.recheckMs` (1 s); it sends only when something the customer sees changed. The page falls back to
 * polling `/status` when a stream fails.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { onOrderChanges } from "../orders/changes.js";
import { loadPublicOrder, type PublicOrder, type PublicOrderDeps } from "./public-order.js";

/** How often a stream re-reads its order without a signal (mutable for tests that tell the two paths apart). */
export const streamSettings = { recheckMs: 1_000 };
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** Streams end after this long; the browser's EventSource reconnects by itself (after RETRY_MS). */
const MAX_LIFETIME_MS = 10 * 60_000;
const RETRY_MS = 2_000;

/** What the customer sees of the order, without the server's clock (which changes every read). */
const fingerprint = (order: PublicOrder) => JSON.stringify({ ...order, serverTime: "" });

export function streamOrderStatus(c: Context, deps: PublicOrderDeps, first: PublicOrder): Response {
  c.header("Cache-Control", "no-store");
  // Tells nginx and the like not to buffer the stream.
  c.header("X-Accel-Buffering", "no");
  return streamSSE(c, async (stream) => {
    let changed = false;
    let wake: (() => void) | undefined;
    const stopListening = onOrderChanges((orderIds) => {
      if (orderIds && !orderIds.includes(first.id)) return;
      changed = true;
      wake?.();
    });
    stream.onAbort(() => wake?.());
    try {
      let last = fingerprint(first);
      await stream.writeSSE({ event: "status", data: JSON.stringify(first), retry: RETRY_MS });
      const started = Date.now();
      let lastWrite = started;
      while (!stream.aborted && !stream.closed && Date.now() - started < MAX_LIFETIME_MS) {
        if (!changed) await new Promise<void>((resolve) => waitFor(resolve, (w) => (wake = w)));
        changed = false;
        if (stream.aborted) break;
        const order = await loadPublicOrder(deps, first.checkoutToken).catch(() => undefined);
        if (!order) continue; // a database hiccup: the next re-check tries again
        const now = Date.now();
        const seen = fingerprint(order);
        if (seen !== last) {
          last = seen;
          await stream.writeSSE({ event: "status", data: JSON.stringify(order) });
          lastWrite = now;
        } else if (now - lastWrite >= HEARTBEAT_MS) {
          await stream.write(": keep-alive\n\n");
          lastWrite = now;
        }
      }
    } finally {
      stopListening();
    }
  });
}

/** Resolves at the next re-check, or earlier when `wake` is called. */
function waitFor(resolve: () => void, setWake: (wake: () => void) => void): void {
  const timer = setTimeout(done, streamSettings.recheckMs);
  function done() {
    clearTimeout(timer);
    setWake(() => {});
    resolve();
  }
  setWake(done);
}
