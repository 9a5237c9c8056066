import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIRMATIONS } from "../../api/chains/confirmations.js";
import { ConfigError, parseConfig } from "../../api/config.js";
import { ChainCatalog } from "../../api/chains/catalog.js";
import { writeTestDeployments } from "../support/harness.js";

const root = path.resolve(import.meta.dirname, "../..");

describe("configuration", () => {
  it("has working defaults", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 3000,
      publicBaseUrl: "http://127.0.0.1:3000",
      indexerUrl: "http://127.0.0.1:42069",
      rateLimitPerMinute: 120,
      database: { url: undefined, dataDir: ".data/api" },
      confirmerEnabled: true,
    });
    expect(DEFAULT_CONFIRMATIONS).toMatchObject({ 31337: 0, 1: 12, 56: 15, 137: 128, 42161: 20, 8453: 20 });
  });

  it("reads the RPC URLs the checkout gives wallets, per chain, and only http(s) ones", () => {
    const config = parseConfig({ WALLET_RPC_URL_31337: "http://127.0.0.1:18545", WALLET_RPC_URL_1: "javascript:alert(1)", RPC_URL_1: "https://rpc.example" });
    expect(config.walletRpcUrls).toEqual({ 31337: "http://127.0.0.1:18545" });
    expect(config.rpcUrls).toEqual({ 1: "https://rpc.example" });
  });

  it("reads the sweeper's settings and keys per chain; a bad key is named, never echoed", () => {
    const key = `0x${"ab".repeat(32)}`;
    const config = parseConfig({ SWEEPER_PRIVATE_KEY_1: key, SWEEPER_PRIVATE_KEY_56: "cd".repeat(32), SWEEP_POLICY: "batch", SWEEP_BATCH_SIZE: "25", SWEEPER_LOW_BALANCE: "0.5" });
    expect(config.sweeper).toMatchObject({ privateKeys: { 1: key, 56: `0x${"cd".repeat(32)}` }, policy: "batch", batchSize: 25, lowBalance: 500_000_000_000_000_000n });
    expect(parseConfig({}).sweeper).toMatchObject({ privateKeys: {}, policy: "confirmed", batchSize: 10, retryMs: 60_000, lowBalance: 50_000_000_000_000_000n });
    expect(parseConfig({}).depositWatchSeconds).toBe(7 * 24 * 3600);
    const secret = "not-a-key-but-a-secret-0123456789";
    const attempt = () => parseConfig({ SWEEPER_PRIVATE_KEY_1: secret });
    expect(attempt).toThrow(/SWEEPER_PRIVATE_KEY_1: must be a 32-byte hex private key/);
    expect(() => attempt()).toThrow(expect.objectContaining({ message: expect.not.stringContaining(secret) }));
    expect(() => parseConfig({ SWEEP_POLICY: "sometimes" })).toThrow(/SWEEP_POLICY/);
    expect(() => parseConfig({ SWEEPER_LOW_BALANCE: "-1" })).toThrow(/SWEEPER_LOW_BALANCE/);
  });

  it("reads every setting", () => {
    const config = parseConfig({
      API_HOST: "0.0.0.0",
      API_PORT: "8080",
      PUBLIC_BASE_URL: "https://pay.example.com/",
      INDEXER_URL: "http://indexer:42069",
      CHAIN_CONFIRMATIONS: "1=20, 137=256",
      DATABASE_URL: "postgres://u@db:5432/gw",
      SECRETS_KEY: "a".repeat(64),
      RATE_LIMIT_PER_MINUTE: "600",
      CONFIRMER_ENABLED: "false",
    });
    expect(config).toMatchObject({
      host: "0.0.0.0",
      port: 8080,
      publicBaseUrl: "https://pay.example.com",
      confirmations: { 1: 20, 137: 256 },
      database: { url: "postgres://u@db:5432/gw" },
      rateLimitPerMinute: 600,
      confirmerEnabled: false,
    });
  });

  it("names each instance: INSTANCE_ID, else host, pid and a random tail; a 1 s confirmer lease by default", () => {
    expect(parseConfig({ INSTANCE_ID: "api-7", CONFIRMER_LEASE_MS: "3000" })).toMatchObject({ instanceId: "api-7", confirmerLeaseMs: 3000 });
    const a = parseConfig({});
    expect(a.confirmerLeaseMs).toBe(1000);
    expect(a.instanceId).toMatch(new RegExp(`-${process.pid}-[0-9a-f]{4}$`));
  });

  it.each([
    ["API_PORT", "eighty"],
    ["API_PORT", "70000"],
    ["PUBLIC_BASE_URL", "pay.example.com"],
    ["INDEXER_URL", "ftp://indexer"],
    ["DATABASE_URL", "mysql://db/x"],
    ["CHAIN_CONFIRMATIONS", "ethereum=12"],
    ["RATE_LIMIT_PER_MINUTE", "0"],
    ["CONFIRMER_ENABLED", "maybe"],
    ["CONFIRMER_LEASE_MS", "100"],
    ["INSTANCE_ID", "has spaces"],
  ])("names %s when it is bad (%j)", (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });

  it("takes chains and tokens from the deployment records, with confirmations from defaults or overrides", async () => {
    const deployments = await writeTestDeployments();
    try {
      const chains = await ChainCatalog.load({ dir: deployments.dir, confirmations: { 8453: 5 } });
      expect(chains.list().map((c) => [c.chainId, c.confirmations])).toEqual([
        [8453, 5],
        [31337, 0],
      ]);
      expect(chains.token(31337, "usdt")?.decimals).toBe(6);
    } finally {
      await deployments.remove();
    }
    await expect(ChainCatalog.load({ dir: "/nonexistent" })).rejects.toThrow(/DEPLOYMENTS_DIR/);
  });

  it("stops `npm run api` with a message naming the setting", () => {
    const result = spawnSync(path.join(root, "node_modules/.bin/tsx"), ["api/main.ts"], {
      cwd: root,
      env: { ...process.env, API_PORT: "not-a-port", DATABASE_URL: "" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("API_PORT");
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
