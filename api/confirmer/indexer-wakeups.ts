/**
 * What wakes the confirmer between its periodic passes: the indexer committing a block. A `@ponder/client` live query
 * (server-sent events from the indexer's `/sql/live`) over Ponder's `_ponder_checkpoint` table, whose row per chain
 * moves in the same transaction as the block's `payment` rows: new rows, a reorg and a head that counts one more
 * confirmation all move it. The event carries nothing the confirmer uses; it only says "read the indexer now".
 *
 * A stream that fails (indexer restarted, not ready yet, connection cut) is opened again with backoff. The loss is
 * logged once and the return once, not each retry; meanwhile the periodic pass keeps confirming. A stream that has
 * not worked yet (the API started before the indexer, as `npm start` does) is not called lost: "not yet", then "on".
 */
import { createClient } from "@ponder/client";
import { onchainTable } from "ponder";

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

export function liveIndexerWakeups({
  indexerUrl,
  log = (message: string) => console.error(message),
}: {
  indexerUrl: string;
  log?: (message: string) => void;
}): ConfirmerWakeups {
  return (onWake) => {
    const client = createClient(`${indexerUrl}/sql`, { schema: { ponderCheckpoint } });
    let subscription: { unsubscribe(): void } | null = null;
    let retryTimer: NodeJS.Timeout | undefined;
    let retryMs = RETRY_FIRST_MS;
    let lost = false;
    let everOpen = false;
    let stopped = false;

    const subscribe = () => {
      if (stopped) return;
      subscription = client.live(
        (db) => db.select({ chainId: ponderCheckpoint.chainId, checkpoint: ponderCheckpoint.latestCheckpoint }).from(ponderCheckpoint),
        () => {
          retryMs = RETRY_FIRST_MS;
          if (lost) log(everOpen ? "confirmer: live updates from the indexer are back" : "confirmer: live updates from the indexer are on");
          lost = false;
          everOpen = true;
          onWake();
        },
        (error) => {
          // The library's EventSource would retry on its own, but not after an HTTP error (503 while Ponder is not
          // ready): close it and open a new one, with backoff.
          subscription?.unsubscribe();
          subscription = null;
          if (stopped) return;
          if (!lost) log(streamFailed(everOpen, error.message));
          lost = true;
          clearTimeout(retryTimer);
          retryTimer = setTimeout(() => {
            subscribe();
            // Blocks indexed while the stream was down send no event: catch up once now.
            onWake();
          }, retryMs);
          retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        },
      );
    };
    subscribe();

    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      subscription?.unsubscribe();
      subscription = null;
    };
  };
}
