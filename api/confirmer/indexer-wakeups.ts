/**
 * What wakes the confirmer between its periodic passes: the indexer committing a block. A live query (server-sent
 * events from the indexer's `/sql/live`, the protocol `@ponder/client` speaks) over Ponder's `_ponder_checkpoint`
 * table, whose row per chain moves in the same transaction as the block's `payment` rows: new rows, a reorg and a head
 * that counts one more confirmation all move it. The event carries nothing the confirmer uses; it only says "read the
 * indexer now".
 *
 * The stream is held here with `eventsource` rather than through `client.live`, which reports data and errors but not
 * the stream opening: the indexer sends nothing until the checkpoint moves, so "on" must come from the open itself, or
 * a quiet chain would leave the log saying the stream is down while it works.
 *
 * A stream that fails (indexer restarted, not ready yet, connection cut) is opened again with backoff. The loss is
 * logged once and the return once, not each retry; meanwhile the periodic pass keeps confirming. A stream that has
 * not worked yet (the API started before the indexer, as `npm start` does) is not called lost: "not yet", then "on".
 */
import { compileQuery, createClient } from "@ponder/client";
import { EventSource } from "eventsource";
import { onchainTable } from "ponder";
import superjson from "superjson";

/** Ponder's per-chain progress table (documented in its database reference); only what the query needs. */
export const ponderCheckpoint = onchainTable("_ponder_checkpoint", (t) => ({
  chainName: t.text().primaryKey(),
  chainId: t.integer().notNull(),
  latestCheckpoint: t.varchar({ length: 75 }).notNull(),
}));

/** Calls `onWake` whenever there may be something new to confirm; returns the function that stops it. */
export type ConfirmerWakeups = (onWake: () => void) => () => void;

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 2_000;

/** What the log says when the stream fails: "lost" once it has worked, "not yet" before (the indexer not up yet). */
const streamFailed = (everOpen: boolean, reason: string) =>
  everOpen
    ? `confirmer: lost the live updates from the indexer (${reason}); reconnecting, the periodic pass goes on meanwhile`
    : `confirmer: no live updates from the indexer yet (${reason}; is it up?); trying again, the periodic pass goes on meanwhile`;

/** Why the stream failed, for the log: the HTTP status, or the connection's error without its class ("TypeError: "). */
function failureReason(event: { code?: number; message?: string }): string {
  return event.code ? `HTTP ${event.code}` : event.message?.replace(/^\w*Error: /, "") || "server disconnected";
}

/** The URL of the live query, encoded as `@ponder/client` encodes it (SQL and parameters, superjson). */
function liveQueryUrl(indexerUrl: string): string {
  const { db } = createClient(`${indexerUrl}/sql`, { schema: { ponderCheckpoint } });
  const query = compileQuery(
    db.select({ chainId: ponderCheckpoint.chainId, checkpoint: ponderCheckpoint.latestCheckpoint }).from(ponderCheckpoint),
  );
  const url = new URL(`${indexerUrl}/sql/live`);
  url.searchParams.set("sql", superjson.stringify(query));
  return url.toString();
}

export function liveIndexerWakeups({
  indexerUrl,
  log = (message: string) => console.error(message),
}: {
  indexerUrl: string;
  log?: (message: string) => void;
}): ConfirmerWakeups {
  const url = liveQueryUrl(indexerUrl);
  return (onWake) => {
    let stream: EventSource | null = null;
    let retryTimer: NodeJS.Timeout | undefined;
    let retryMs = RETRY_FIRST_MS;
    let lost = false;
    let everOpen = false;
    let stopped = false;

    const close = () => {
      stream?.close();
      stream = null;
    };
    const opened = () => {
      retryMs = RETRY_FIRST_MS;
      if (lost) log(everOpen ? "confirmer: live updates from the indexer are back" : "confirmer: live updates from the indexer are on");
      lost = false;
      everOpen = true;
      // Blocks indexed while the stream was down (or before it opened) sent no event: catch up once now. The indexer
      // took the result it compares against before answering, so nothing falls between this read and the next event.
      onWake();
    };
    const failed = (reason: string) => {
      // EventSource retries on its own after a cut connection but not after an HTTP error (503 while Ponder is not
      // ready): close it either way and open a new one, with backoff.
      close();
      if (stopped) return;
      if (!lost) log(streamFailed(everOpen, reason));
      lost = true;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(subscribe, retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    };
    function subscribe() {
      if (stopped) return;
      const source = new EventSource(url);
      stream = source;
      source.onopen = () => opened();
      source.onmessage = () => onWake();
      source.onerror = (event) => {
        if (stream === source) failed(failureReason(event));
      };
    }
    subscribe();

    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      close();
    };
  };
}
