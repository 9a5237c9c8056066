/**
 * `/refund/<token>/events` and `/claim/<token>/events`: the refund and claim pages' status pushed as server-sent
 * events, the same view their `/status` answers. The refund's writers (create, claim, cancel, the refund confirmer) do not signal this process, so a
 * stream re-reads its refund every `refundStreamSettings.recheckMs` (1 s) and sends only when something changed; the
 * page falls back to polling `/status` while a stream is down (the checkout's `watchStatus`).
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";

export const refundStreamSettings = { recheckMs: 1_000 };
const HEARTBEAT_MS = 15_000;
/** Streams end after this long; the browser's EventSource reconnects by itself (after RETRY_MS). */
const MAX_LIFETIME_MS = 10 * 60_000;
const RETRY_MS = 2_000;

export function streamStatus<T>(c: Context, first: T, reload: () => Promise<T | undefined>): Response {
  c.header("Cache-Control", "no-store");
  c.header("X-Accel-Buffering", "no");
  return streamSSE(c, async (stream) => {
    let wake: (() => void) | undefined;
    stream.onAbort(() => wake?.());
    let last = JSON.stringify(first);
    await stream.writeSSE({ event: "status", data: last, retry: RETRY_MS });
    const started = Date.now();
    let lastWrite = started;
    while (!stream.aborted && !stream.closed && Date.now() - started < MAX_LIFETIME_MS) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, refundStreamSettings.recheckMs);
        wake = () => (clearTimeout(timer), resolve());
      });
      if (stream.aborted) break;
      const next = await reload().catch(() => undefined);
      if (next === undefined) continue; // a database hiccup: the next re-check tries again
      const seen = JSON.stringify(next);
      if (seen !== last) {
        last = seen;
        await stream.writeSSE({ event: "status", data: seen });
        lastWrite = Date.now();
      } else if (Date.now() - lastWrite >= HEARTBEAT_MS) {
        await stream.write(": keep-alive\n\n");
        lastWrite = Date.now();
      }
    }
  });
}
