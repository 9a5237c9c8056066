/**
 * The API's settings, read once from the environment at start. A bad value stops the process with a message that
 * names the variable.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { DEFAULT_DEPLOYMENTS_DIR } from "../contracts/deployments/record.js";
import { parseUnits } from "viem";
import { z } from "zod";
import { DAY, HOUR, MINUTE, SECOND, parseDurations } from "./lib/durations.js";
import { parseSecretsKey } from "./lib/secrets-key.js";
import { BaseError } from "./lib/base-error.js";

/** 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 24 h: eight attempts in all (webhooks/schedule.ts says how it is used). */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 24 * HOUR];
/** How long a webhook receiver has to answer. */
export const DEFAULT_TIMEOUT_MS = 10_000;

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();

/** `CHAIN_CONFIRMATIONS=1=20,137=256`: chain id = confirmations, comma separated. */
const confirmationsList = z
  .string()
  .transform((value, ctx) => {
    const map: Record<number, number> = {};
    for (const pair of value.split(",").map((s) => s.trim()).filter(Boolean)) {
      const match = /^(\d+)\s*[=:]\s*(\d+)$/.exec(pair);
      if (!match) {
        ctx.addIssue({ code: "custom", message: `"${pair}" is not <chainId>=<confirmations>` });
        return z.NEVER;
      }
      map[Number(match[1])] = Number(match[2]);
    }
    return map;
  });

const envSchema = z.object({
  API_HOST: z.string().min(1).default("127.0.0.1"),
  API_PORT: port.default(3000),
  /** Where customers reach the API from outside: the base of every `cashierUrl`. */
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The Ponder indexer (its `/sql/*` and `/status`). */
  INDEXER_URL: z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:42069"),
  DEPLOYMENTS_DIR: z.string().min(1).default(DEFAULT_DEPLOYMENTS_DIR),
  CHAIN_CONFIRMATIONS: confirmationsList.default({}),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** PGlite data directory, used when DATABASE_URL is not set. */
  API_DATA_DIR: z.string().min(1).default(".data/api"),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  /** Requests a minute per API key, across all instances (a token bucket: this many at once, refilled evenly). */
  RATE_LIMIT_PER_MINUTE: positiveInt.default(120),
  /** Requests a minute per client address on the unauthenticated routes (checkout, its status and QR, docs). */
  PUBLIC_RATE_LIMIT_PER_MINUTE: positiveInt.default(600),
  /** Reverse proxies in front of the API that append to X-Forwarded-For; 0: the socket's address is the client's. */
  TRUSTED_PROXIES: z.coerce.number().int().min(0).max(10).default(0),
  /** How long an instance trusts what it read about a key and its merchant: a revoked key or a new payout address
   * takes effect within this time. 0 reads the database on every request. */
  AUTH_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** How long an order stays payable when neither the request nor the merchant says. */
  ORDER_EXPIRY_SECONDS: positiveInt.default(30 * 60),
  /** How often the confirmer reads the indexer. */
  CONFIRMER_INTERVAL_MS: positiveInt.default(2_000),
  /** How often due orders are expired. */
  EXPIRY_INTERVAL_MS: positiveInt.default(1_000),
  /** How long the confirmer's leader lease lasts unrenewed: a frozen or cut-off leader loses the lead after this. */
  CONFIRMER_LEASE_MS: z.coerce.number().int().min(300).max(60_000).default(1_000),
  /** This instance's name in logs, `/health`, the leader lease and Postgres' `application_name`. */
  INSTANCE_ID: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, "1-40 letters, digits, '.', '_' or '-'").optional(),
  /** How long after an order's expiry transfers to its deposit address are still looked for (late payments). */
  DEPOSIT_WATCH_SECONDS: positiveInt.default(7 * 24 * 3600),
  /**
   * When the sweeper forwards confirmed transfers from deposit addresses: `confirmed` (at once, one transaction per pass
   * for all that are due), `batch` (once SWEEP_BATCH_SIZE are due or the oldest has waited SWEEP_BATCH_MAX_WAIT_SECONDS),
   * `manual` (only `npm run admin -- deposit:forward`).
   */
  SWEEP_POLICY: z.enum(["confirmed", "batch", "manual"]).default("confirmed"),
  SWEEP_BATCH_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  SWEEP_BATCH_MAX_WAIT_SECONDS: positiveInt.default(600),
  /** How often the sweeper looks for due forwards and mined forward transactions. */
  SWEEP_INTERVAL_MS: positiveInt.default(2_000),
  /** How long a failed forward waits before it is tried again. */
  SWEEP_RETRY_SECONDS: positiveInt.default(60),
  /** Warn (log, /metrics) when a sweeper's native balance falls below this, in the chain's native units (decimal). */
  SWEEPER_LOW_BALANCE: z.string().regex(/^(0|[1-9][0-9]*)(\.[0-9]{1,18})?$/, "a decimal amount of the native coin, such as 0.05").default("0.05"),
  /** Set to `false` to run an instance that serves HTTP only (another runs the confirmer). */
  CONFIRMER_ENABLED: flag("true"),
  /** 32 bytes, base64 or hex: encrypts webhook signing secrets at rest. Required with DATABASE_URL; with PGlite a key
   * is generated into API_DATA_DIR when unset. */
  SECRETS_KEY: z
    .string()
    .transform((value, ctx) => {
      try {
        return parseSecretsKey(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  /** How long the previous webhook secret keeps signing after a rotation. */
  WEBHOOK_ROTATION_OVERLAP_SECONDS: z.coerce.number().int().min(0).default(24 * 60 * 60),
  /** Waits between delivery attempts, e.g. `5s,5m,30m,2h,5h,10h,24h`. */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .transform((value, ctx) => {
      try {
        return parseDurations(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  WEBHOOK_TIMEOUT_MS: positiveInt.default(DEFAULT_TIMEOUT_MS),
  /** Local development and tests only: let deliveries reach loopback, private and link-local addresses. */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: flag("false"),
  /** Days an endpoint may fail every delivery (with at least one event given up) before it is disabled. */
  WEBHOOK_DISABLE_AFTER: z.coerce.number().positive().default(5),
  /** How often the dispatcher looks for due deliveries (it is also woken when this instance writes events). */
  WEBHOOK_POLL_MS: positiveInt.default(50),
  /** Deliveries in flight at once per instance. */
  WEBHOOK_CONCURRENCY: positiveInt.default(64),
  /** Of those, at most this many to one endpoint: a slow or hanging endpoint holds these, never the others'. */
  WEBHOOK_ENDPOINT_CONCURRENCY: positiveInt.default(8),
  /** Set to `false` for an instance that does not deliver webhooks. */
  WEBHOOK_DISPATCHER_ENABLED: flag("true"),
});

function flag(fallback: "true" | "false") {
  return z
    .enum(["true", "false", "1", "0"])
    .default(fallback)
    .transform((value) => value === "true" || value === "1");
}

export type Config = {
  host: string;
  port: number;
  publicBaseUrl: string;
  indexerUrl: string;
  deploymentsDir: string;
  /** Operator overrides of the chains' DEFAULT_CONFIRMATIONS (chains/confirmations.ts). */
  confirmations: Record<number, number>;
  database: { url?: string | undefined; dataDir: string; poolSize: number };
  rateLimitPerMinute: number;
  publicRateLimitPerMinute: number;
  trustedProxies: number;
  authCacheMs: number;
  orderExpirySeconds: number;
  confirmerIntervalMs: number;
  expiryIntervalMs: number;
  confirmerEnabled: boolean;
  /** `RPC_URL_<chainId>` (the indexer's variables): the console verifies contract-wallet (EIP-1271) signatures there. */
  rpcUrls: Record<number, string>;
  /**
   * `WALLET_RPC_URL_<chainId>`: the RPC URL the checkout gives wallets that must add the chain
   * (`wallet_addEthereumChain`), instead of the built-in public one; `npm start` sets its local chain's.
   */
  walletRpcUrls: Record<number, string>;
  confirmerLeaseMs: number;
  instanceId: string;
  depositWatchSeconds: number;
  sweeper: SweeperConfig;
  webhooks: WebhookConfig;
};

export type SweepPolicy = "confirmed" | "batch" | "manual";

export type SweeperConfig = {
  /**
   * `SWEEPER_PRIVATE_KEY_<chainId>`: the operator's account that pays the forwards' gas on that chain (needs
   * `RPC_URL_<chainId>` too). Never logged; a chain without one forwards nothing (the funds wait at the deposit address).
   */
  privateKeys: Record<number, `0x${string}`>;
  policy: SweepPolicy;
  batchSize: number;
  batchMaxWaitMs: number;
  intervalMs: number;
  retryMs: number;
  /** In wei. */
  lowBalance: bigint;
};

export type WebhookConfig = {
  /** AES-256-GCM key for signing secrets at rest; startApi fills it from API_DATA_DIR for PGlite when unset. */
  secretsKey?: Buffer | undefined;
  rotationOverlapMs: number;
  retryScheduleMs: readonly number[];
  timeoutMs: number;
  allowPrivateTargets: boolean;
  disableAfterMs: number;
  pollMs: number;
  concurrency: number;
  endpointConcurrency: number;
  dispatcherEnabled: boolean;
};

export class ConfigError extends BaseError {
  override name = "ConfigError";
}

function rpcUrlsFrom(env: Record<string, string | undefined>, prefix = "RPC_URL_"): Record<number, string> {
  const urls: Record<number, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const match = new RegExp(`^${prefix}(\\d+)$`).exec(name);
    if (match && value && /^https?:\/\//.test(value)) urls[Number(match[1])] = value;
  }
  return urls;
}

/** `SWEEPER_PRIVATE_KEY_<chainId>` = 32 bytes of hex; a malformed one names the variable, never its value. */
function sweeperKeysFrom(env: Record<string, string | undefined>): Record<number, `0x${string}`> {
  const keys: Record<number, `0x${string}`> = {};
  for (const [name, value] of Object.entries(env)) {
    const match = /^SWEEPER_PRIVATE_KEY_(\d+)$/.exec(name);
    if (!match || !value) continue;
    const hex = value.trim().startsWith("0x") ? value.trim() : `0x${value.trim()}`;
    if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new ConfigError(`Invalid configuration:\n  ${name}: must be a 32-byte hex private key`);
    keys[Number(match[1])] = hex as `0x${string}`;
  }
  return keys;
}

export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as in most shells' `FOO= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = result.data;
  if (e.DATABASE_URL && !e.SECRETS_KEY) {
    throw new ConfigError(
      "Invalid configuration:\n  SECRETS_KEY: required with DATABASE_URL (32 random bytes, base64 or hex: `openssl rand -base64 32`); it encrypts webhook secrets",
    );
  }
  return {
    host: e.API_HOST,
    port: e.API_PORT,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://${e.API_HOST}:${e.API_PORT}`).replace(/\/+$/, ""),
    indexerUrl: e.INDEXER_URL.replace(/\/+$/, ""),
    deploymentsDir: e.DEPLOYMENTS_DIR,
    confirmations: e.CHAIN_CONFIRMATIONS,
    database: { url: e.DATABASE_URL, dataDir: e.API_DATA_DIR, poolSize: e.DATABASE_POOL_SIZE },
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    publicRateLimitPerMinute: e.PUBLIC_RATE_LIMIT_PER_MINUTE,
    trustedProxies: e.TRUSTED_PROXIES,
    authCacheMs: e.AUTH_CACHE_MS,
    orderExpirySeconds: e.ORDER_EXPIRY_SECONDS,
    confirmerIntervalMs: e.CONFIRMER_INTERVAL_MS,
    expiryIntervalMs: e.EXPIRY_INTERVAL_MS,
    confirmerEnabled: e.CONFIRMER_ENABLED,
    rpcUrls: rpcUrlsFrom(present),
    walletRpcUrls: rpcUrlsFrom(present, "WALLET_RPC_URL_"),
    confirmerLeaseMs: e.CONFIRMER_LEASE_MS,
    instanceId: e.INSTANCE_ID ?? defaultInstanceId(),
    depositWatchSeconds: e.DEPOSIT_WATCH_SECONDS,
    sweeper: {
      privateKeys: sweeperKeysFrom(present),
      policy: e.SWEEP_POLICY,
      batchSize: e.SWEEP_BATCH_SIZE,
      batchMaxWaitMs: e.SWEEP_BATCH_MAX_WAIT_SECONDS * 1000,
      intervalMs: e.SWEEP_INTERVAL_MS,
      retryMs: e.SWEEP_RETRY_SECONDS * 1000,
      lowBalance: parseUnits(e.SWEEPER_LOW_BALANCE, 18),
    },
    webhooks: {
      secretsKey: e.SECRETS_KEY,
      rotationOverlapMs: e.WEBHOOK_ROTATION_OVERLAP_SECONDS * 1000,
      retryScheduleMs: e.WEBHOOK_RETRY_SCHEDULE ?? DEFAULT_RETRY_SCHEDULE_MS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      allowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      disableAfterMs: Math.round(e.WEBHOOK_DISABLE_AFTER * DAY),
      pollMs: e.WEBHOOK_POLL_MS,
      concurrency: e.WEBHOOK_CONCURRENCY,
      endpointConcurrency: e.WEBHOOK_ENDPOINT_CONCURRENCY,
      dispatcherEnabled: e.WEBHOOK_DISPATCHER_ENABLED,
    },
  };
}

/** Host, process and a random tail: unique even when a restarted process gets a dead one's pid. */
function defaultInstanceId(): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, "").slice(0, 20) || "host";
  return `${host}-${process.pid}-${randomBytes(2).toString("hex")}`;
}
