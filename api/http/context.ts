/** What every request handler can reach: the app's dependencies and, behind auth, the calling merchant. */
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import type { merchants } from "../db/schema.js";
import type { ChainCatalog } from "../chains/catalog.js";
import type { ApiScope } from "../lib/scopes.js";
import type { TtlCache } from "../lib/ttl-cache.js";

export type Merchant = typeof merchants.$inferSelect;

export type AppDeps = {
  config: Config;
  db: Database;
  chains: ChainCatalog;
  /** The clock; tests move it. */
  now: () => Date;
  /** This process among several: its id and whether it leads the confirmer (for `/health` and `/metrics`). */
  instance?: { id: string; isConfirmerLeader(): boolean };
};

/** What the hot path may remember for `AUTH_CACHE_MS`. */
export type AppCaches = {
  /** API key hash → key id, its scopes and merchant (active keys only). */
  apiKeys: TtlCache<{ keyId: string; scopes: ApiScope[] | null; merchant: Merchant }>;
  /** Merchant id → chain id → payout address. */
  payouts: TtlCache<Map<number, string>>;
};

export type AppEnv = {
  Variables: {
    deps: AppDeps;
    caches: AppCaches;
    requestId: string;
    merchant: Merchant;
    apiKeyId: string;
    /** The key's scopes; null for a full key. */
    apiKeyScopes: readonly ApiScope[] | null;
    /** Set by a route whose response carries a secret: an idempotent replay of it is stored encrypted. */
    replayHoldsSecret?: boolean;
  };
};
