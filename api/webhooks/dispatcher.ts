/**
 * The dispatcher: works off due webhook deliveries. Any number of API instances run one against the same database.
 *
 * A delivery is claimed with a lease (`locked_until`), taken under `FOR UPDATE SKIP LOCKED` so two instances never
 * claim the same row; the status is not touched until the attempt is over. A dispatcher that dies between the claim
 * and the HTTP call leaves a lease that lapses, and whoever claims next makes the attempt: every delivery is
 * attempted until it succeeds or its schedule runs out (at least once; the receiver dedupes by `webhook-id`).
 * Each attempt is recorded before the request is sent (`in_flight`, counted in `attempts`), then with its outcome
 * and the time the answer came (`finished_at`, and `delivered_at` for a 2xx); an attempt a crash cut short is
 * recorded `unknown` when its lapsed lease lets the delivery be claimed again, and the delivery is attempted again;
 * one cut by shutdown is recorded `unknown` at once. Failures schedule the retry, and a failing endpoint is disabled
 * when it must be.
 *
 * Attempts are independent: a pool of `concurrency` attempts in flight, at most `endpointConcurrency` requests of them
 * to one endpoint (its slot is free once the answer is in, while the outcome is written), each started as soon as a
 * slot is free and recorded when it ends, so a slow or hanging endpoint holds its own slots only and never delays
 * another endpoint's deliveries. Due deliveries are claimed oldest first (an order's `order.confirming` is sent before
 * its `order.paid`), and a claim is one statement with its attempts' records (claim.ts); the answers that come in
 * together are recorded together, in one statement, and the slots they free are filled by one claim.
 */
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { and, count, eq, gte, inArray, isNull, ne, sql } from "drizzle-orm";
import type { WebhookConfig } from "../config.js";
import type { Database, Transaction } from "../db/client.js";
import { events, webhookAttempts, webhookDeliveries, webhookEndpoints } from "../db/schema.js";
import { eventBody } from "../orders/events.js";
import { claimDue } from "./claim.js";
import { deliver, type DeliveryResult } from "./deliver.js";
import { onOutbox } from "./outbox-signal.js";
import { nextAttemptAt, shouldDisableEndpoint } from "./schedule.js";
import { decryptSecret } from "./secret-box.js";
import { activeSecrets, sign } from "./signing.js";

/** How long a claim lasts beyond the HTTP timeout: the time to record the outcome. */
const LEASE_MARGIN_MS = 30_000;

export type DispatcherOptions = {
  db: Database;
  config: WebhookConfig & { secretsKey: Buffer };
  now?: () => Date;
  log?: (message: string, error?: unknown) => void;
  /** The resolver behind the SSRF guard (tests). */
  lookup?: LookupFunction;
  random?: () => number;
};

type Claimed = typeof webhookDeliveries.$inferSelect;
type EventRow = typeof events.$inferSelect;
type EndpointRow = typeof webhookEndpoints.$inferSelect;
type Outcome = { delivery: Claimed; endpoint: EndpointRow; attemptId: string; attemptedAt: Date; finishedAt: Date; result: DeliveryResult };

/** What the log says of an attempt cut short by shutdown (one cut by a crash: claim.ts). */
const CUT_BY_SHUTDOWN = "unknown: cut short by the dispatcher's shutdown; the delivery is attempted again";

export class WebhookDispatcher {
  readonly #db: Database;
  readonly #config: DispatcherOptions["config"];
  readonly #now: () => Date;
  readonly #log: NonNullable<DispatcherOptions["log"]>;
  readonly #lookup: LookupFunction | undefined;
  readonly #random: () => number;
  readonly #agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
  };
  #stopped = true;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #woken = false;
  #unsubscribe: (() => void) | null = null;
  readonly #abort = new AbortController();
  /** Attempts in flight (claimed, being sent or being recorded), in all and per endpoint. */
  readonly #inFlight = new Set<Promise<void>>();
  readonly #perEndpoint = new Map<string, number>();
  /** Successes waiting to be recorded: whatever finished while the last batch was being written goes in the next. */
  #deliveredQueue: { outcome: Outcome; done: (error?: unknown) => void }[] = [];
  #recording = false;

  constructor({ db, config, now = () => new Date(), log = (m, e) => console.error(m, e ?? ""), lookup, random = Math.random }: DispatcherOptions) {
    this.#db = db;
    this.#config = config;
    this.#now = now;
    this.#log = log;
    this.#lookup = lookup;
    this.#random = random;
  }

  get leaseMs(): number {
    return this.#config.timeoutMs + LEASE_MARGIN_MS;
  }

  /**
   * Fills free slots with due deliveries: every `pollMs`, at once when this process commits events, and whenever an
   * attempt ends (its slot is free again).
   */
  start(): this {
    if (!this.#stopped) return this;
    this.#stopped = false;
    this.#unsubscribe = onOutbox(() => this.wake());
    this.#loop = (async () => {
      while (!this.#stopped) {
        let started = 0;
        // Let every answer and wake-up already waiting be handled first, so that one claim fills all the slots they
        // freed (on PGlite, whose queries hold the event loop, each would otherwise get a claim of its own).
        await new Promise((resolve) => setImmediate(resolve));
        try {
          started = await this.#fill();
        } catch (error) {
          if (!this.#stopped) this.#log("webhooks: dispatcher pass failed", error);
        }
        if (started === 0 && !this.#woken) await this.#sleep(this.#config.pollMs);
        this.#woken = false;
      }
    })();
    return this;
  }

  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /**
   * Lets the attempts in flight finish and be recorded (up to `graceMs`); then cuts them: each is recorded `unknown`
   * and its delivery released, to be attempted again.
   */
  async stop({ graceMs = 5_000 }: { graceMs?: number } = {}): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#wake?.();
    await this.#loop;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.#inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    this.#abort.abort();
    await Promise.allSettled([...this.#inFlight]);
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = null;
        done();
      };
    });
  }

  /** One pass (tests): fills the free slots with due deliveries and waits for every attempt. Returns how many started. */
  async runOnce(): Promise<number> {
    const started = await this.#fill();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    return started;
  }

  /**
   * Claims due deliveries for the free slots, no more per endpoint than it has free, and records their attempts
   * `in_flight`, in one statement (claim.ts), which brings back what to send; then starts them.
   */
  async #fill(): Promise<number> {
    const free = this.#config.concurrency - this.#inFlight.size;
    if (free <= 0) return 0;
    const claimed = await claimDue(this.#db, {
      now: this.#now(),
      leaseMs: this.leaseMs,
      limit: free,
      endpointConcurrency: this.#config.endpointConcurrency,
      busy: this.#perEndpoint,
      startAttempts: true,
    });
    for (const { delivery, event, endpoint, attemptId } of claimed) this.#launch(delivery, { event, endpoint }, attemptId ?? undefined);
    return claimed.length;
  }

  /**
   * One attempt on its own (`attemptId`: its record, written `in_flight` before this; none for a disabled or deleted
   * endpoint, where nothing is sent): it holds a slot (and one of its endpoint's) until its outcome is recorded.
   */
  #launch(delivery: Claimed, target: { event: EventRow; endpoint: EndpointRow }, attemptId: string | undefined) {
    const endpointId = delivery.endpointId;
    this.#perEndpoint.set(endpointId, (this.#perEndpoint.get(endpointId) ?? 0) + 1);
    let holdsEndpointSlot = true;
    // The endpoint's slot is for the request: free once the answer is in (or nothing was sent), while it is recorded.
    const releaseEndpointSlot = () => {
      if (!holdsEndpointSlot) return;
      holdsEndpointSlot = false;
      const left = (this.#perEndpoint.get(endpointId) ?? 1) - 1;
      if (left > 0) this.#perEndpoint.set(endpointId, left);
      else this.#perEndpoint.delete(endpointId);
      if (!this.#stopped) this.wake();
    };
    const run = (async () => {
      let outcome: Outcome | null = null;
      try {
        const made = await this.#attempt(delivery, target);
        if (made.result && attemptId) outcome = { delivery, ...target, attemptId, attemptedAt: made.attemptedAt, finishedAt: this.#now(), result: made.result };
      } catch (error) {
        // E.g. a secret that no longer decrypts (SECRETS_KEY changed): a failed attempt, retried on schedule.
        const result: DeliveryResult = { ok: false, latencyMs: 0, responseExcerpt: "", gone: false, error: `not sent: ${(error as Error).message}` };
        if (attemptId) outcome = { delivery, ...target, attemptId, attemptedAt: this.#now(), finishedAt: this.#now(), result };
      }
      releaseEndpointSlot();
      if (!outcome) return;
      if (outcome.result.ok) await this.#recordDeliveredSoon(outcome);
      else if (outcome.result.errorCode === "aborted") await this.#recordCut([outcome]);
      else await this.#record(outcome);
    })()
      .catch((error) => {
        // Not recorded: the lease lapses and the delivery is attempted again.
        if (!this.#stopped) this.#log(`webhooks: recording delivery ${delivery.id} failed`, error);
      })
      .finally(() => {
        this.#inFlight.delete(run);
        releaseEndpointSlot();
        if (!this.#stopped) this.wake();
      });
    this.#inFlight.add(run);
  }

  /** Records a success with whichever others are waiting (one transaction for them all); resolves once written. */
  #recordDeliveredSoon(outcome: Outcome): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#deliveredQueue.push({ outcome, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (this.#recording) return;
      this.#recording = true;
      void (async () => {
        // The other answers already in: in the same batch.
        await new Promise((resolve) => setImmediate(resolve));
        while (this.#deliveredQueue.length > 0) {
          const batch = this.#deliveredQueue.splice(0);
          try {
            await this.#recordDelivered(batch.map((item) => item.outcome));
            for (const item of batch) item.done();
          } catch (error) {
            for (const item of batch) item.done(error ?? new Error("recording failed"));
          }
        }
        this.#recording = false;
      })();
    });
  }

  /** Attempts cut by shutdown: `unknown`, and their deliveries released to be attempted again at once. */
  async #recordCut(outcomes: Outcome[]) {
    const now = this.#now();
    await this.#db.transaction(async (tx) => {
      await tx
        .update(webhookAttempts)
        .set({ outcome: "unknown", error: CUT_BY_SHUTDOWN, finishedAt: now })
        .where(and(inArray(webhookAttempts.id, outcomes.map((o) => o.attemptId)), eq(webhookAttempts.outcome, "in_flight")));
      await tx
        .update(webhookDeliveries)
        .set({ lockedUntil: null })
        .where(and(inArray(webhookDeliveries.id, outcomes.map((o) => o.delivery.id)), eq(webhookDeliveries.status, "pending")));
    });
  }

  /**
   * Leases due deliveries to this dispatcher, oldest first, without starting their attempts (tests: a dispatcher that
   * dies between its claim and the HTTP call); rows another instance holds are skipped, not waited for, and so are
   * `skipEndpoints`' (endpoints this instance has no free slot for).
   */
  async claim(limit: number, { skipEndpoints = [] }: { skipEndpoints?: readonly string[] } = {}): Promise<Claimed[]> {
    const busy = new Map(skipEndpoints.map((id) => [id, this.#config.endpointConcurrency] as const));
    const claimed = await claimDue(this.#db, { now: this.#now(), leaseMs: this.leaseMs, limit, endpointConcurrency: this.#config.endpointConcurrency, busy, startAttempts: false });
    return claimed.map((c) => c.delivery);
  }

  /** Makes one attempt of a claimed delivery; the caller records it. No result: nothing was sent. */
  async #attempt(
    delivery: Claimed,
    { event, endpoint }: { event: EventRow; endpoint: EndpointRow },
  ): Promise<{ attemptedAt: Date; result?: DeliveryResult }> {
    const attemptedAt = this.#now();
    if (endpoint.disabledAt || endpoint.deletedAt) {
      const reason = endpoint.deletedAt ? "the endpoint was deleted" : `the endpoint is disabled: ${endpoint.disabledReason ?? ""}`;
      await this.#db
        .update(webhookDeliveries)
        .set({ status: "failed", lockedUntil: null, nextAttemptAt: null, lastError: reason })
        .where(eq(webhookDeliveries.id, delivery.id));
      return { attemptedAt };
    }
    const key = this.#config.secretsKey;
    const secrets = activeSecrets(
      {
        secret: decryptSecret(key, endpoint.secretEncrypted),
        previous: endpoint.previousSecrets.map((p) => ({ secret: decryptSecret(key, p.secretEncrypted), expiresAt: new Date(p.expiresAt) })),
      },
      attemptedAt,
    );
    const body = eventBody(event);
    const headers = sign({ id: event.id, timestamp: Math.floor(attemptedAt.getTime() / 1000), body, secrets });
    const result = await deliver({
      url: endpoint.url,
      headers,
      body,
      timeoutMs: this.#config.timeoutMs,
      allowPrivateTargets: this.#config.allowPrivateTargets,
      agent: endpoint.url.startsWith("https:") ? this.#agents.https : this.#agents.http,
      signal: this.#abort.signal,
      ...(this.#lookup ? { lookup: this.#lookup } : {}),
    });
    // Cut short by shutdown (`errorCode: "aborted"`): the caller records the attempt `unknown` and releases it.
    return { attemptedAt, result };
  }

  async #recordDelivered(outcomes: Outcome[]) {
    // One statement for the batch (atomic on its own), each row with its own figures: `delivered_at` is when its 2xx came.
    const rows = JSON.stringify(
      outcomes.map(({ delivery, attemptId, finishedAt, result }) => ({
        id: attemptId,
        delivery_id: delivery.id,
        status: result.status ?? null,
        latency: result.latencyMs,
        excerpt: result.responseExcerpt,
        finished: finishedAt.toISOString(),
      })),
    );
    const failing = JSON.stringify([...new Set(outcomes.filter((o) => o.endpoint.failingSince).map((o) => o.endpoint.id))]);
    await this.#db.execute(sql`
      with v as (
        select * from jsonb_to_recordset(${rows}::jsonb) as v(id text, delivery_id text, status int, latency int, excerpt text, finished timestamptz)
      ), attempt as (
        update ${webhookAttempts} set outcome = 'delivered', response_status = v.status, latency_ms = v.latency,
          response_excerpt = v.excerpt, error = null, finished_at = v.finished
        from v where ${webhookAttempts.id} = v.id
      ), delivery as (
        update ${webhookDeliveries} set status = 'delivered', delivered_at = v.finished, locked_until = null,
          next_attempt_at = null, last_error = null
        from v where ${webhookDeliveries.id} = v.delivery_id
      )
      update ${webhookEndpoints} set failing_since = null
      where ${webhookEndpoints.id} in (select jsonb_array_elements_text(${failing}::jsonb)) and ${webhookEndpoints.failingSince} is not null`);
  }

  /** A failed attempt: its record, the retry (or giving up), and the endpoint's failure state. */
  async #record({ delivery, endpoint, attemptId, attemptedAt, finishedAt, result }: Outcome) {
    const attempts = delivery.attempts; // counted when the attempt was claimed (claim.ts)
    const next = result.gone
      ? null
      : nextAttemptAt({
          failedAttempts: attempts,
          lastAttemptAt: attemptedAt,
          schedule: this.#config.retryScheduleMs,
          random: this.#random,
          retryAfterMs: result.retryAfterMs,
        });
    await this.#db.transaction(async (tx) => {
      await tx
        .update(webhookAttempts)
        .set({
          outcome: "failed",
          responseStatus: result.status ?? null,
          latencyMs: result.latencyMs,
          responseExcerpt: result.responseExcerpt,
          error: result.error ?? null,
          finishedAt,
        })
        .where(eq(webhookAttempts.id, attemptId));
      await tx
        .update(webhookDeliveries)
        .set({
          status: next ? "pending" : "failed",
          attempts,
          lastAttemptAt: attemptedAt,
          nextAttemptAt: next,
          lockedUntil: null,
          lastError: result.error ?? null,
        })
        // A late failure (this attempt's lease lapsed meanwhile) never undoes another attempt's success, nor frees the
        // lease another dispatcher has taken since (that attempt is in flight: a third must not start beside it).
        .where(
          and(
            eq(webhookDeliveries.id, delivery.id),
            ne(webhookDeliveries.status, "delivered"),
            delivery.lockedUntil ? eq(webhookDeliveries.lockedUntil, delivery.lockedUntil) : isNull(webhookDeliveries.lockedUntil),
          ),
        );
      await this.#noteEndpointFailure(tx, { endpoint, attemptedAt, result, gaveUp: !next && !result.gone });
    });
  }

  /**
   * The endpoint's side of a failed attempt (inside its transaction): failing since the first failure of the run,
   * and disabled when it has failed long enough, every event it was given has run out of retries, or it is gone.
   */
  async #noteEndpointFailure(
    tx: Transaction,
    { endpoint, attemptedAt, result, gaveUp }: { endpoint: EndpointRow; attemptedAt: Date; result: DeliveryResult; gaveUp: boolean },
  ) {
    const failingSince = endpoint.failingSince ?? attemptedAt;
    if (!endpoint.failingSince) {
      await tx
        .update(webhookEndpoints)
        .set({ failingSince })
        .where(and(eq(webhookEndpoints.id, endpoint.id), isNull(webhookEndpoints.failingSince)));
    }
    // Deliveries to this endpoint given up since it started failing, this one included (it was marked above).
    const exhaustedEvents = gaveUp ? await countExhausted(tx, endpoint.id, failingSince) : 0;
    const decision = shouldDisableEndpoint(
      { failingSince, exhaustedEvents, goneAt: result.gone ? attemptedAt : null, lastError: result.error ?? null },
      { now: attemptedAt, disableAfterMs: this.#config.disableAfterMs },
    );
    if (!decision.disable) return;
    await tx
      .update(webhookEndpoints)
      .set({ disabledAt: attemptedAt, disabledReason: decision.reason, updatedAt: attemptedAt })
      .where(and(eq(webhookEndpoints.id, endpoint.id), isNull(webhookEndpoints.disabledAt)));
    this.#log(`webhooks: endpoint ${endpoint.id} disabled: ${decision.reason}`);
  }
}

/** How many of an endpoint's deliveries have failed for good since `since`. */
async function countExhausted(tx: Transaction, endpointId: string, since: Date): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.status, "failed"), gte(webhookDeliveries.lastAttemptAt, since)));
  return Number(row?.n ?? 0);
}
