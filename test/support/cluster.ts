/**
 * Several API instances as an operator runs them: real processes (`node --import tsx api/main.ts`) on one Postgres
 * database, a real dev chain and Ponder indexer, a merchant with one verifying webhook receiver. Instances can be
 * killed (SIGKILL), frozen (SIGSTOP), thawed (SIGCONT) and started again; requests go to a running one, as a load
 * balancer's health check would route them. Used by test/e2e/failover.test.ts and `npm run bench:failover`.
 */
import { randomUUID } from "node:crypto";
import { parseUnits } from "viem";
import { z } from "zod";
import { and, eq, gt, sql } from "drizzle-orm";
import { CONFIRMER_LEASE } from "../../api/confirmer/leader.js";
import { openDatabase, type DatabaseHandle } from "../../api/db/client.js";
import { leaderLeases } from "../../api/db/schema.js";
import { errorSchema } from "../../api/lib/errors.js";
import * as healthRoutes from "../../api/routes/health/health.routes.js";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import * as endpointRoutes from "../../api/routes/webhook-endpoints/webhook-endpoints.routes.js";
import { type JsonOf, type RouteLike, hexOf, readAs } from "./api-client.js";
import { migrate } from "../../api/db/migrate.js";
import { ChainCatalog } from "../../api/chains/catalog.js";
import type { RunningIndexer } from "../../scripts/stack/indexer-process.js";
import { freePort } from "../../scripts/stack/ports.js";
import { createTestDatabase, type TestDatabase } from "./database.js";
import { setUpMerchant } from "./merchants.js";
import { DEV_ACCOUNTS, pay, tokenBySymbol } from "./payments.js";
import { startTestStack, type TestStack } from "./stack.js";
import { waitFor } from "./wait.js";
import { type ApiProcess, startApiProcess } from "./api-process.js";
import { type VerifyingReceiver, startVerifyingReceiver } from "./webhook-receiver.js";

export const CHAIN = 31337;
const SECRETS_KEY = Buffer.alloc(32, 9).toString("base64");

/** An order as the API made it, and when its payment was mined. */
export type Order = JsonOf<typeof orderRoutes.createQrOrder, 201> & { paidAt?: number };
export type InstanceState = "running" | "frozen" | "dead";

export class Instance {
  state: InstanceState = "running";
  restarts = 0;
  constructor(
    readonly name: string,
    public api: ApiProcess,
  ) {}
  get id(): string {
    return this.restarts === 0 ? this.name : `${this.name}-r${this.restarts}`;
  }
}

export interface Cluster {
  stack: TestStack;
  indexer: RunningIndexer;
  receiver: VerifyingReceiver;
  /** The API's database, opened from the test (as `npm run admin` would). */
  db: DatabaseHandle["db"];
  instances: Instance[];
  /**
   * `path` called with `route`'s method through a running instance, in turn; the answer read with `readAs`: the
   * status must be `status`, the body is parsed with the route's documented schema and comes back typed.
   */
  read<R extends RouteLike, S extends keyof R["responses"] & number>(route: R, status: S, path: string, body?: unknown): Promise<JsonOf<R, S>>;
  /** The running instance whose `/health` says it leads; undefined while none does. */
  leader(): Promise<Instance | undefined>;
  kill(instance: Instance): Promise<void>;
  freeze(instance: Instance): void;
  thaw(instance: Instance): void;
  restart(instance: Instance): Promise<void>;
  /** Creates an order through the API and pays it in full on the chain (waits for the block; `paidAt` then). */
  createAndPay(amount: string): Promise<Order>;
  stop(): Promise<void>;
}

export async function startCluster({ size = 3, env = {} }: { size?: number; env?: Record<string, string> } = {}): Promise<Cluster> {
  const stopping: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of stopping.splice(0).reverse()) await step().catch(() => {});
  };
  try {
    const stack = await startTestStack({ payers: [DEV_ACCOUNTS.payers[0]] });
    stopping.push(() => stack.stop());
    const indexer = await stack.startIndexer();
    const database: TestDatabase = await createTestDatabase("postgres");
    stopping.push(() => database.drop());
    const handle = await openDatabase({ url: database.env.DATABASE_URL!, poolSize: 3, applicationName: "stablegate-test-admin" });
    stopping.push(() => handle.close());
    const apiKey = await setUpShop(handle, stack);
    const receiver = await startVerifyingReceiver();
    stopping.push(() => receiver.stop());

    const envOf = (id: string) => apiEnv({ id, databaseUrl: database.env.DATABASE_URL!, stack, indexer, extra: env });
    const instances: Instance[] = [];
    stopping.push(async () => {
      for (const instance of instances) {
        if (instance.state === "frozen") instance.api.process.kill("SIGCONT");
        await instance.api.stop();
      }
    });
    // One after another: three TypeScript boots at once starve each other on two cores.
    for (let i = 1; i <= size; i++) {
      const name = `api-${i}`;
      instances.push(new Instance(name, await startApiProcess(envOf(name), await freePort())));
    }
    const read = reader(instances, apiKey);
    const endpoint = await read(endpointRoutes.createEndpoint, 201, "/v1/webhook-endpoints", { url: receiver.url });
    receiver.useSecret(endpoint.secret);
    return { stack, indexer, receiver, db: handle.db, instances, read, ...controls(instances, envOf, handle), createAndPay: payer(stack, read), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The operator's set-up, as `npm run admin` does it: the schema, a merchant, its payout wallet, an API key. */
async function setUpShop(handle: DatabaseHandle, stack: TestStack): Promise<string> {
  await migrate(handle.db);
  const chains = await ChainCatalog.load({ dir: stack.deploymentsDir, confirmations: { [CHAIN]: 1 } });
  return (await setUpMerchant(handle.db, chains, { name: "Failover Shop", payouts: [{ chainId: CHAIN, address: DEV_ACCOUNTS.merchant }] })).key;
}

function apiEnv({ id, databaseUrl, stack, indexer, extra }: { id: string; databaseUrl: string; stack: TestStack; indexer: RunningIndexer; extra: Record<string, string> }) {
  return {
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: "4",
    SECRETS_KEY,
    INSTANCE_ID: id,
    DEPLOYMENTS_DIR: stack.deploymentsDir,
    INDEXER_URL: indexer.url,
    CHAIN_CONFIRMATIONS: `${CHAIN}=1`,
    CONFIRMER_INTERVAL_MS: "100",
    EXPIRY_INTERVAL_MS: "500",
    AUTH_CACHE_MS: "0",
    RATE_LIMIT_PER_MINUTE: "1000000",
    WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    WEBHOOK_TIMEOUT_MS: "2000",
    WEBHOOK_RETRY_SCHEDULE: "200ms,500ms,1s,2s,5s,10s",
    API_DATA_DIR: undefined,
    ...extra,
  };
}

/** What a `duplicate_merchant_order_id` error's details name: the order the merchant order id already has. */
const duplicateDetails = z.object({ orderId: z.string() });

/** API calls through the running instances in turn. */
function reader(instances: Instance[], apiKey: string): Cluster["read"] {
  let turn = 0;
  return async (route, status, path, body) => {
    const method = route.method.toUpperCase();
    // A request to an instance that dies under it is retried on another, as a client behind a balancer would,
    // with the same Idempotency-Key, so a retried create makes one order. A key whose first request died with its
    // instance stays "in progress" (the idempotency lease is the `hardening` work): then a new key.
    let idempotencyKey = randomUUID();
    return waitFor(`${method} ${path}`, async () => {
      const live = instances.filter((i) => i.state === "running");
      const instance = live[turn++ % live.length];
      if (!instance) return undefined;
      const response = await fetch(`${instance.api.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          "content-type": "application/json",
          ...(method === "POST" ? { "idempotency-key": idempotencyKey } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
      });
      const json: unknown = await response.json();
      if (response.status === 409 && JSON.stringify(json).includes("idempotency_in_progress")) idempotencyKey = randomUUID();
      // The request under the first key did make the order after all (its answer was lost with a frozen or killed
      // instance): that order it is, not a second one (GET /v1/orders/{id} answers the create's own order schema).
      const existing = errorSchema.safeParse(json).data?.error;
      const orderId = duplicateDetails.safeParse(existing?.details).data?.orderId;
      if (response.status === 409 && existing?.code === "duplicate_merchant_order_id" && orderId) {
        const order = await fetch(`${instance.api.url}/v1/orders/${orderId}`, {
          headers: { authorization: `Bearer ${apiKey}` },
          signal: AbortSignal.timeout(5_000),
        });
        if (order.ok) return readAs({ status, json: () => order.json() }, route, status);
      }
      return readAs({ status: response.status, json: async () => json }, route, status);
    }, { timeoutMs: 30_000, intervalMs: 100 });
  };
}

/** Finding the leader, and the signals an operator's bad day sends. */
function controls(instances: Instance[], envOf: (id: string) => Record<string, string | undefined>, handle: DatabaseHandle) {
  return {
    /** The holder of the unexpired lease (the database's word), when that instance's `/health` agrees. */
    async leader(): Promise<Instance | undefined> {
      const [lease] = await handle.db
        .select({ holder: leaderLeases.holder, epoch: leaderLeases.epoch })
        .from(leaderLeases)
        .where(and(eq(leaderLeases.name, CONFIRMER_LEASE), gt(leaderLeases.expiresAt, sql`clock_timestamp()`)));
      const answers = await Promise.all(
        instances
          .filter((i) => i.state === "running")
          .map(async (instance) => {
            try {
              const response = await fetch(`${instance.api.url}/health`, { signal: AbortSignal.timeout(1_000) });
              const health = await readAs(response, healthRoutes.getHealth, 200);
              return health.confirmerLeader && health.instanceId === lease?.holder ? instance : undefined;
            } catch {
              return undefined;
            }
          }),
      );
      return answers.find(Boolean);
    },
    async kill(instance: Instance) {
      instance.state = "dead";
      await instance.api.kill();
    },
    freeze(instance: Instance) {
      instance.state = "frozen";
      instance.api.process.kill("SIGSTOP");
    },
    thaw(instance: Instance) {
      instance.api.process.kill("SIGCONT");
      instance.state = "running";
    },
    async restart(instance: Instance) {
      if (instance.state === "frozen") instance.api.process.kill("SIGCONT");
      if (instance.state !== "dead") await instance.api.kill();
      instance.restarts += 1;
      instance.api = await startApiProcess(envOf(instance.id), await freePort());
      instance.state = "running";
    },
  };
}

function payer(stack: TestStack, read: Cluster["read"]): Cluster["createAndPay"] {
  const usdt = tokenBySymbol(stack.chain(CHAIN).record, "USDT");
  let orderCount = 0;
  return async (amount) => {
    const order = await read(orderRoutes.createQrOrder, 201, "/v1/orders", { chainId: CHAIN, symbol: "USDT", amount, merchantOrderId: `fo-${++orderCount}` });
    await pay(stack.chain(CHAIN).url, stack.chain(CHAIN).record, {
      token: usdt.address,
      amount: parseUnits(amount, usdt.decimals),
      orderRef: hexOf(order.orderRef),
    });
    // When its block was mined (within the receipt's 50 ms polling).
    return { ...order, paidAt: Date.now() };
  };
}

/** Pays orders one after another until stopped; `orders` grows as they are created. */
export function startPaymentFlow(cluster: Cluster, { pauseMs = 50 }: { pauseMs?: number } = {}) {
  const orders: Order[] = [];
  let stopped = false;
  let failure: unknown;
  const done = (async () => {
    let n = 0;
    while (!stopped) {
      n += 1;
      try {
        orders.push(await cluster.createAndPay(`${1 + (n % 97)}.${String(n % 100).padStart(2, "0")}`));
      } catch (error) {
        failure = error;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return {
    orders,
    /** Throws what stopped the flow, if anything did. */
    check() {
      if (failure) throw new Error("the payment flow stopped", { cause: failure });
    },
    async stop() {
      stopped = true;
      await done;
      if (failure) throw failure;
      return orders;
    },
  };
}
