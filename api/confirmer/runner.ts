/**
 * Runs the confirmer inside the API process: a confirmation pass whenever `wakeups` says the indexer has something
 * new and at least every `intervalMs` (the safety net), and expiry every `expiryIntervalMs`, only while this instance
 * holds the leader lease (leader.ts); on gaining it, a pass at once. Wake-ups coalesce: a pass in progress plus at
 * most one more queued, however many arrive.
 * Failures are logged and retried next tick.
 */
import type { DatabaseHandle } from "../db/client.js";
import type { Confirmer } from "./confirmer.js";
import { purgeExpired } from "./housekeeping.js";
import type { ConfirmerWakeups } from "./indexer-wakeups.js";
import { Leadership } from "./leader.js";

export type ConfirmerLoops = { isLeader(): boolean; stop(): Promise<void> };

export function startConfirmerLoops({
  handle,
  confirmer,
  intervalMs,
  expiryIntervalMs,
  wakeups,
  refundPass,
  now = () => new Date(),
  log = (message: string, error?: unknown) => console.error(message, error ?? ""),
  leadership: given,
}: {
  handle: DatabaseHandle;
  confirmer: Confirmer;
  intervalMs: number;
  expiryIntervalMs: number;
  /** Wakes the confirmation pass early (new indexed blocks); without it, the pass runs on its timer only. */
  wakeups?: ConfirmerWakeups;
  /** The refund confirmer step (api/refunds/confirm.ts), on the confirmation pass's timer and wake-ups, failing on its own. */
  refundPass?: (() => Promise<unknown>) | undefined;
  now?: () => Date;
  log?: (message: string, error?: unknown) => void;
  /** Started and stopped by the caller; without one, the loops run their own. */
  leadership?: Leadership;
}): ConfirmerLoops {
  const leadership = given ?? new Leadership({ handle, instanceId: `confirmer-${process.pid}`, log }).start();
  let stopped = false;
  const timers = new Map<string, NodeJS.Timeout>();
  const kicks = new Map<string, () => void>();
  const running = new Set<Promise<void>>();
  const leading = async (): Promise<boolean> => leadership.isLeader();
  const unsubscribe = leadership.onChange((leads) => {
    if (leads) for (const kick of kicks.values()) kick();
  });

  /** Runs `work` every `everyMs`, and at once on `wake()`: never twice at a time, one more at most queued. */
  const loop = (name: string, everyMs: number, work: () => Promise<void>) => {
    // A failure that repeats every tick (say, the indexer is not up yet) is logged once, and its end once.
    let lastFailure: string | undefined;
    let busy = false;
    let again = false;
    const tick = async () => {
      // Whoever calls (timer, wake-up, new lead), the pending timer goes: one timer a loop, never more.
      clearTimeout(timers.get(name));
      timers.delete(name);
      if (stopped) return;
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      const run = (async () => {
        try {
          if (await leading()) await work();
          if (lastFailure !== undefined) log(`confirmer: ${name} works again`);
          lastFailure = undefined;
        } catch (error) {
          const failure = describeFailure(error);
          if (failure !== lastFailure) log(`confirmer: ${name} failed: ${failure}`);
          lastFailure = failure;
        }
      })();
      running.add(run);
      await run;
      running.delete(run);
      busy = false;
      if (stopped) return;
      if (again) {
        again = false;
        void tick();
      } else {
        timers.set(name, setTimeout(tick, everyMs));
      }
    };
    // Now rather than at the next tick (a pass running gets one more after it).
    kicks.set(name, () => void tick());
    void tick();
    return { wake: () => void tick() };
  };

  const confirmation = loop("confirmation pass", intervalMs, async () => {
    for (const pass of await confirmer.confirmAll()) {
      // A reorg deeper than the confirmations took back money already reported paid: the operator must know.
      if (pass.revertedAfterConfirmation > 0) {
        log(`confirmer: INCIDENT on chain ${pass.chainId}: ${pass.revertedAfterConfirmation} confirmed payment(s) removed by a reorg (payment.reverted sent)`);
      }
    }
  });
  const refunds = refundPass ? loop("refund pass", intervalMs, async () => void (await refundPass())) : undefined;
  // A new indexed block wakes the refund pass too (a RefundSent seen, one more confirmation).
  const stopWakeups = wakeups?.(() => {
    confirmation.wake();
    refunds?.wake();
  });
  loop("expiry", expiryIntervalMs, async () => {
    await confirmer.expireDue();
    await purgeExpired(handle.db, now());
  });

  return {
    isLeader: () => leadership.isLeader(),
    async stop() {
      stopped = true;
      stopWakeups?.();
      unsubscribe();
      for (const timer of timers.values()) clearTimeout(timer);
      await Promise.allSettled([...running]);
      if (!given) await leadership.stop();
    },
  };
}

/** One line for a failure: its message and its causes' (fetch errors hide the useful part in `cause`). */
function describeFailure(error: unknown): string {
  const parts: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (depth > 4 || value === undefined || value === null) return;
    if (value instanceof AggregateError) {
      for (const inner of value.errors) visit(inner, depth + 1);
      return;
    }
    if (value instanceof Error) {
      if (value.message && !parts.includes(value.message)) parts.push(value.message);
      visit(value.cause, depth + 1);
      return;
    }
    parts.push(String(value));
  };
  visit(error, 0);
  return parts.join(": ") || "unknown error";
}
