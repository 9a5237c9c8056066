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

type Log = (message: string, error?: unknown) => void;

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
  log?: Log;
  /** Started and stopped by the caller; without one, the loops run their own. */
  leadership?: Leadership;
}): ConfirmerLoops {
  const leadership = given ?? new Leadership({ handle, instanceId: `confirmer-${process.pid}`, log }).start();
  const loops = new Loops(async () => leadership.isLeader(), log);
  const unsubscribe = leadership.onChange((leads) => {
    if (leads) loops.kickAll();
  });

  const confirmation = loops.add("confirmation pass", intervalMs, () => confirmationPass(confirmer, log));
  const refunds = refundPass ? loops.add("refund pass", intervalMs, async () => void (await refundPass())) : undefined;
  // A new indexed block wakes the refund pass too (a RefundSent seen, one more confirmation).
  const stopWakeups = wakeups?.(() => {
    confirmation.wake();
    refunds?.wake();
  });
  loops.add("expiry", expiryIntervalMs, async () => {
    await confirmer.expireDue();
    await purgeExpired(handle.db, now());
  });

  return {
    isLeader: () => leadership.isLeader(),
    async stop() {
      const stopped = loops.stop();
      stopWakeups?.();
      unsubscribe();
      await stopped;
      if (!given) await leadership.stop();
    },
  };
}

/** One pass over every chain; a reorg deeper than the confirmations took back money already reported paid: the operator must know. */
async function confirmationPass(confirmer: Confirmer, log: Log) {
  for (const pass of await confirmer.confirmAll()) {
    if (pass.revertedAfterConfirmation > 0) {
      log(`confirmer: INCIDENT on chain ${pass.chainId}: ${pass.revertedAfterConfirmation} confirmed payment(s) removed by a reorg (payment.reverted sent)`);
    }
  }
}

/**
 * Named loops, each running its work every `everyMs` and at once on `wake()` (or `kickAll()`): never twice at a time,
 * one more at most queued, and only while `leading()` says so.
 */
class Loops {
  #stopped = false;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #kicks = new Map<string, () => void>();
  readonly #running = new Set<Promise<void>>();

  readonly #leading: () => Promise<boolean>;
  readonly #log: Log;

  constructor(leading: () => Promise<boolean>, log: Log) {
    this.#leading = leading;
    this.#log = log;
  }

  add(name: string, everyMs: number, work: () => Promise<void>): { wake(): void } {
    // A failure that repeats every tick (say, the indexer is not up yet) is logged once, and its end once.
    const state = { lastFailure: undefined as string | undefined, busy: false, again: false };
    const tick = async () => {
      // Whoever calls (timer, wake-up, new lead), the pending timer goes: one timer a loop, never more.
      clearTimeout(this.#timers.get(name));
      this.#timers.delete(name);
      if (this.#stopped) return;
      if (state.busy) {
        state.again = true;
        return;
      }
      state.busy = true;
      const run = this.#runOnce(name, work, state);
      this.#running.add(run);
      await run;
      this.#running.delete(run);
      state.busy = false;
      if (this.#stopped) return;
      if (state.again) {
        state.again = false;
        void tick();
      } else {
        this.#timers.set(name, setTimeout(tick, everyMs));
      }
    };
    // Now rather than at the next tick (a pass running gets one more after it).
    this.#kicks.set(name, () => void tick());
    void tick();
    return { wake: () => void tick() };
  }

  kickAll() {
    for (const kick of this.#kicks.values()) kick();
  }

  async stop() {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    await Promise.allSettled([...this.#running]);
  }

  async #runOnce(name: string, work: () => Promise<void>, state: { lastFailure: string | undefined }) {
    try {
      if (await this.#leading()) await work();
      if (state.lastFailure !== undefined) this.#log(`confirmer: ${name} works again`);
      state.lastFailure = undefined;
    } catch (error) {
      const failure = describeFailure(error);
      // Said once, with what happens next: at start-up beside the indexer, "connection refused" is only "not up yet".
      if (failure !== state.lastFailure) this.#log(`confirmer: ${name} failed (retried): ${failure}`);
      state.lastFailure = failure;
    }
  }
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
