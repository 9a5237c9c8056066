/**
 * The dispatcher: works off due webhook deliveries. Any number of API instances run one against the same database.
 *
 * A delivery is claimed with a lease (`locked_until`), taken under `FOR UPDATE SKIP LOCKED` so two instances never
 * claim the same row; the status is not touched until the attempt is over. A dispatcher that dies between the claim
 * and the HTTP call leaves a lease that lapses, and whoever claims next makes the attempt: every delivery is
 * attempted until it succeeds or its schedule runs out (at least once; the receiver dedupes by `webhook-id`).
 * Each attempt is recorded with its outcome, the retry scheduled, and a failing endpoint disabled when it must be.
 */
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { and, count, eq, gte, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { WebhookConfig } from "../config.js";
import type { Database } from "../db/client.js";
import { events, webhookAttempts, webhookDeliveries, webhookEndpoints } from "../db/schema.js";
import { newId } from "../lib/ids.js";
import { eventBody } from "../orders/events.js";
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
type Outcome = { delivery: Claimed; endpoint: EndpointRow; attemptedAt: Date; result: DeliveryResult };

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

  /** Polls every `pollMs`, and at once when this process commits events. */
  start(): this {
    if (!this.#stopped) return this;
    this.#stopped = false;
    this.#unsubscribe = onOutbox(() => this.wake());
    this.#loop = (async () => {
      while (!this.#stopped) {
        let worked = 0;
        try {
          worked = await this.runOnce();
        } catch (error) {
          if (!this.#stopped) this.#log("webhooks: dispatcher pass failed", error);
        }
        if (worked === 0 && !this.#woken) await this.#sleep(this.#config.pollMs);
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
   * Lets the attempts in flight finish and be recorded (up to `graceMs`); then cuts them, leaving their leases to
   * lapse so that they are made again.
   */
  async stop({ graceMs = 5_000 }: { graceMs?: number } = {}): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#wake?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#loop, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    this.#abort.abort();
    await this.#loop;
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

  /** One pass: claims up to `concurrency` due deliveries and attempts them together. Returns how many. */
  async runOnce(): Promise<number> {
    const claimed = await this.claim(this.#config.concurrency);
    if (claimed.length === 0) return 0;
    const rows = await this.#db
      .select({ deliveryId: webhookDeliveries.id, event: events, endpoint: webhookEndpoints })
      .from(webhookDeliveries)
      .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
      .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
      .where(inArray(webhookDeliveries.id, claimed.map((d) => d.id)));
    const targets = new Map(rows.map((row) => [row.deliveryId, row]));
    const outcomes = await Promise.all(
      claimed.map(async (delivery) => {
        const target = targets.get(delivery.id);
        if (!target) return null;
        try {
          return { delivery, ...target, ...(await this.#attempt(delivery, target)) };
        } catch (error) {
          // E.g. a secret that no longer decrypts (SECRETS_KEY changed): a failed attempt, retried on schedule.
          const result: DeliveryResult = { ok: false, latencyMs: 0, responseExcerpt: "", gone: false, error: `not sent: ${(error as Error).message}` };
          return { delivery, ...target, attemptedAt: this.#now(), result };
        }
      }),
    );
    // Successes are recorded together (one transaction for the batch); failures each with their own schedule.
    const delivered = outcomes.filter((o) => o?.result?.ok);
    if (delivered.length > 0) await this.#recordDelivered(delivered as Outcome[]);
    for (const outcome of outcomes) {
      if (outcome?.result && !outcome.result.ok && outcome.result.errorCode !== "aborted") {
        await this.#record(outcome.delivery, outcome.endpoint, outcome.attemptedAt, outcome.result);
      }
    }
    return claimed.length;
  }

  /** Leases due deliveries to this dispatcher; rows another instance holds are skipped, not waited for. */
  async claim(limit: number): Promise<Claimed[]> {
    const now = this.#now();
    const lockedUntil = new Date(now.getTime() + this.leaseMs);
    const due = this.#db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.status, "pending"),
          lte(webhookDeliveries.nextAttemptAt, now),
          or(isNull(webhookDeliveries.lockedUntil), lte(webhookDeliveries.lockedUntil, now)),
        ),
      )
      .orderBy(webhookDeliveries.nextAttemptAt)
      .limit(limit)
      .for("update", { skipLocked: true });
    return this.#db.update(webhookDeliveries).set({ lockedUntil }).where(inArray(webhookDeliveries.id, due)).returning();
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
    // Cut short by shutdown: the outcome is unknown, so nothing is recorded; the lease lapses and it is made again.
    return { attemptedAt, result };
  }

  async #recordDelivered(outcomes: Outcome[]) {
    await this.#db.transaction(async (tx) => {
      await tx.insert(webhookAttempts).values(
        outcomes.map(({ delivery, attemptedAt, result }) => ({
          id: newId("wa", attemptedAt.getTime()),
          deliveryId: delivery.id,
          attemptedAt,
          responseStatus: result.status ?? null,
          latencyMs: result.latencyMs,
          responseExcerpt: result.responseExcerpt,
          error: null,
        })),
      );
      // attempts + 1 and the time per row, in one statement.
      const ids = outcomes.map((o) => o.delivery.id);
      const attemptedAt = outcomes[0]!.attemptedAt;
      await tx
        .update(webhookDeliveries)
        .set({
          status: "delivered",
          attempts: sql`${webhookDeliveries.attempts} + 1`,
          lastAttemptAt: attemptedAt,
          deliveredAt: attemptedAt,
          lockedUntil: null,
          nextAttemptAt: null,
          lastError: null,
        })
        .where(inArray(webhookDeliveries.id, ids));
      const failing = [...new Set(outcomes.filter((o) => o.endpoint.failingSince).map((o) => o.endpoint.id))];
      if (failing.length > 0) await tx.update(webhookEndpoints).set({ failingSince: null }).where(inArray(webhookEndpoints.id, failing));
    });
  }

  /** A failed attempt: its record, the retry (or giving up), and the endpoint's failure state. */
  async #record(delivery: Claimed, endpoint: EndpointRow, attemptedAt: Date, result: DeliveryResult) {
    const attempts = delivery.attempts + 1;
    await this.#db.transaction(async (tx) => {
      await tx.insert(webhookAttempts).values({
        id: newId("wa", attemptedAt.getTime()),
        deliveryId: delivery.id,
        attemptedAt,
        responseStatus: result.status ?? null,
        latencyMs: result.latencyMs,
        responseExcerpt: result.responseExcerpt,
        error: result.error ?? null,
      });
      const next = result.gone
        ? null
        : nextAttemptAt({
            failedAttempts: attempts,
            lastAttemptAt: attemptedAt,
            schedule: this.#config.retryScheduleMs,
            random: this.#random,
            retryAfterMs: result.retryAfterMs,
          });
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
        .where(eq(webhookDeliveries.id, delivery.id));
      const failingSince = endpoint.failingSince ?? attemptedAt;
      if (!endpoint.failingSince) {
        await tx
          .update(webhookEndpoints)
          .set({ failingSince })
          .where(and(eq(webhookEndpoints.id, endpoint.id), isNull(webhookEndpoints.failingSince)));
      }
      let exhaustedEvents = 0;
      if (!next && !result.gone) {
        const [row] = await tx
          .select({ n: count() })
          .from(webhookDeliveries)
          .where(
            and(
              eq(webhookDeliveries.endpointId, endpoint.id),
              eq(webhookDeliveries.status, "failed"),
              gte(webhookDeliveries.lastAttemptAt, failingSince),
            ),
          );
        exhaustedEvents = Number(row?.n ?? 0); // this delivery included: it was marked above
      }
      const decision = shouldDisableEndpoint(
        { failingSince, exhaustedEvents, goneAt: result.gone ? attemptedAt : null, lastError: result.error ?? null },
        { now: attemptedAt, disableAfterMs: this.#config.disableAfterMs },
      );
      if (decision.disable) {
        await tx
          .update(webhookEndpoints)
          .set({ disabledAt: attemptedAt, disabledReason: decision.reason, updatedAt: attemptedAt })
          .where(and(eq(webhookEndpoints.id, endpoint.id), isNull(webhookEndpoints.disabledAt)));
        this.#log(`webhooks: endpoint ${endpoint.id} disabled: ${decision.reason}`);
      }
    });
  }
}
