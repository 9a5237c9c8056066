/**
 * The order's live status: pushed by the server over server-sent events (`/pay/<token>/events`), with polling
 * `/pay/<token>/status` as the fallback while the stream is down (an EventSource that errors is reconnecting or has
 * given up; either way the poll keeps the page current until the stream delivers again).
 */
const POLL_MS = 1_500;
/** After the browser gives up on a stream (an HTTP error), a new one is tried this much later. */
const STREAM_RETRY_MS = 10_000;

export type LiveStatus = { stop(): void };

export function watchOrder<T>(checkoutToken: string, onOrder: (order: T) => void): LiveStatus {
  return watchStatus(`/pay/${encodeURIComponent(checkoutToken)}`, onOrder);
}

/** The same for any page whose `<base>/events` pushes and `<base>/status` answers one JSON view (the refund page's too). */
export function watchStatus<T>(base: string, onOrder: (order: T) => void): LiveStatus {
  let stopped = false;
  let source: EventSource | undefined;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let polling = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const poll = async () => {
    try {
      const response = await fetch(`${base}/status`, { cache: "no-store" });
      if (response.ok && polling && !stopped) onOrder((await response.json()) as T);
    } catch {
      // Offline for a moment: the next poll tries again.
    } finally {
      if (polling && !stopped) pollTimer = setTimeout(poll, POLL_MS);
    }
  };
  const startPolling = () => {
    if (polling || stopped) return;
    polling = true;
    pollTimer = setTimeout(poll, 0);
  };
  const stopPolling = () => {
    polling = false;
    clearTimeout(pollTimer);
  };

  const connect = () => {
    if (stopped) return;
    if (typeof EventSource === "undefined") return startPolling();
    source = new EventSource(`${base}/events`);
    source.addEventListener("status", (event) => {
      stopPolling();
      onOrder(JSON.parse((event as MessageEvent<string>).data) as T);
    });
    source.addEventListener("error", () => {
      startPolling();
      if (source?.readyState === EventSource.CLOSED) retryTimer = setTimeout(connect, STREAM_RETRY_MS);
    });
  };
  connect();

  return {
    stop() {
      stopped = true;
      source?.close();
      stopPolling();
      clearTimeout(retryTimer);
    },
  };
}
