/**
 * Attacks on "each transfer is credited exactly once", every part real: a Hardhat/EDR chain, the router and the
 * Tether-faithful token, the Ponder indexer, the API as its own process; once with everything on PGlite, once on
 * Postgres.
 * - A reorg re-includes the same signed `pay` transaction after another one, so its log index moves: one payment.
 * - The indexer is killed (SIGKILL) in the middle of a burst of payments and restarted on its data: Ponder's crash
 *   recovery deletes and re-indexes its unfinalized rows, which is no reorg: nothing is reverted, nothing doubled.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Address, createWalletClient, encodeFunctionData, type Hash, type Hex, http, parseGwei, parseUnits } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as admin from "../../api/admin/commands.js";
import { openDatabase } from "../../api/db/client.js";
import { migrate } from "../../api/db/migrate.js";
import { ChainCatalog } from "../../api/chains/catalog.js";
import { paymentRouterAbi } from "../../contracts/abi/PaymentRouter.js";
import type { RunningIndexer } from "../../scripts/stack/indexer-process.js";
import { rpc } from "../../scripts/stack/local-chain.js";
import { freePort } from "../../scripts/stack/ports.js";
import { TEST_SECRETS_KEY } from "../support/harness.js";
import { mine, revertTo, setAutomine, snapshot } from "../support/chain.js";
import { describeWithPostgres, openTestDatabase, type TestDatabaseKind } from "../support/database.js";
import { DEV_ACCOUNTS, pay, paymentLogsOf, tokenBySymbol } from "../support/payments.js";
import { type TestStack, startTestStack } from "../support/stack.js";
import { waitFor } from "../support/wait.js";
import { type ApiProcess, startApiProcess } from "../support/api-process.js";

const CHAIN = 31337;
const CONFIRMATIONS = 3;
/** Hardhat's public development mnemonic: its accounts #1 and #2 are the stack's payers. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const [payer, otherPayer] = DEV_ACCOUNTS.payers;

type Order = {
  id: string;
  status: string;
  amount: string;
  amountReceived: string;
  orderRef: Hex;
  payments: { txHash: Hex; logIndex: number; amount: string; state: string }[];
};

/** The API's database: PGlite in a directory, or a Postgres database of its own (the indexer has another). */
async function apiDatabase(kind: TestDatabaseKind) {
  if (kind === "postgres") {
    const database = await openTestDatabase("postgres");
    return { db: database.handle.db, env: { DATABASE_URL: database.url, SECRETS_KEY: TEST_SECRETS_KEY }, close: async () => {}, drop: database.drop };
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), "stablegate-e2e-reorg-"));
  const handle = await openDatabase({ dataDir });
  await migrate(handle.db);
  return {
    db: handle.db,
    env: { API_DATA_DIR: dataDir, DATABASE_URL: undefined },
    close: () => handle.close(),
    drop: () => rm(dataDir, { recursive: true, force: true }),
  };
}

function suite(kind: TestDatabaseKind) {
  let stack: TestStack;
  let indexer: RunningIndexer;
  let api: ApiProcess;
  let database: Awaited<ReturnType<typeof apiDatabase>>;
  /** A merchant paid at 0 confirmations (as a local chain allows), and one with the chain's 3. */
  const keys = { instant: "", standard: "" };

  const url = () => stack.chain(CHAIN).url;
  const record = () => stack.chain(CHAIN).record;
  const usdt = () => tokenBySymbol(record(), "USDT");
  const call = async <T,>(key: string, method: string, route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${api.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${route} -> ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };
  let count = 0;
  const createOrder = (key: string, amount: string) =>
    call<Order>(key, "POST", "/v1/orders", { chainId: CHAIN, symbol: "USDT", amount, merchantOrderId: `reorg-${++count}` });
  const getOrder = (key: string, id: string) => call<Order>(key, "GET", `/v1/contract-payment?orderId=${id}`);
  const waitForOrder = (key: string, id: string, what: string, test: (order: Order) => boolean) =>
    waitFor(`order ${id}: ${what}`, async () => {
      const order = await getOrder(key, id);
      return test(order) ? order : undefined;
    }, { intervalMs: 150, timeoutMs: 60_000 });
  const received = async (key: string) => {
    const { balances } = await call<{ balances: { chainId: number; symbol: string; received: string }[] }>(key, "GET", "/v1/balance");
    return parseUnits(balances.find((b) => b.chainId === CHAIN && b.symbol === "USDT")?.received ?? "0", 6);
  };
  const eventsOf = async (key: string, query: string) =>
    (await call<{ data: { type: string; orderId: string | null }[] }>(key, "GET", `/v1/events?limit=100&${query}`)).data;

  /** A wallet that signs locally: its raw transactions can be sent again, byte for byte, after a reorg. */
  const wallet = (addressIndex: number) =>
    createWalletClient({ account: mnemonicToAccount(DEV_MNEMONIC, { addressIndex }), chain: { ...hardhat, id: CHAIN }, transport: http(url()) });
  const payCall = (order: Order, amount: string) => ({
    to: record().router,
    gas: 150_000n,
    data: encodeFunctionData({
      abi: paymentRouterAbi,
      functionName: "pay",
      args: [usdt().address, parseUnits(amount, 6), DEV_ACCOUNTS.merchant, order.orderRef],
    }),
  });

  beforeAll(async () => {
    stack = await startTestStack({ database: kind, payers: [payer!, otherPayer!] });
    indexer = await stack.startIndexer();
    database = await apiDatabase(kind);
    const chains = await ChainCatalog.load({ dir: stack.deploymentsDir, confirmations: { [CHAIN]: CONFIRMATIONS } });
    for (const [name, confirmations] of [["instant", { [String(CHAIN)]: 0 }], ["standard", undefined]] as const) {
      const merchant = await admin.createMerchant(database.db, { name, confirmations });
      await admin.setPayoutAddress(database.db, chains, { merchantId: merchant.id, chainId: CHAIN, address: DEV_ACCOUNTS.merchant });
      keys[name] = (await admin.issueApiKey(database.db, { merchantId: merchant.id })).key;
    }
    await database.close();
    api = await startApiProcess(
      {
        ...database.env,
        DEPLOYMENTS_DIR: stack.deploymentsDir,
        INDEXER_URL: indexer.url,
        CHAIN_CONFIRMATIONS: `${CHAIN}=${CONFIRMATIONS}`,
        CONFIRMER_INTERVAL_MS: "100",
        AUTH_CACHE_MS: "0",
        RATE_LIMIT_PER_MINUTE: "100000",
      },
      await freePort(),
    );
  });

  afterAll(async () => {
    if (process.env.E2E_DEBUG) console.log(api?.output());
    await api?.stop();
    await stack?.stop();
    await database?.drop();
  });

  it("credits a signed payment once when a reorg re-includes it after another transaction (its log index moved)", async () => {
    expect(wallet(1).account.address).toBe(payer);
    const order = await createOrder(keys.instant, "7");
    const marker = await createOrder(keys.instant, "1");
    const balance = await received(keys.instant);

    const beforePayment = await snapshot(url());
    const raw = await wallet(1).signTransaction(
      await wallet(1).prepareTransactionRequest({ ...payCall(order, "7"), maxFeePerGas: parseGwei("100"), maxPriorityFeePerGas: parseGwei("1") }),
    );
    const hash = await rpc<Hash>(url(), "eth_sendRawTransaction", [raw]);
    const [first] = await paymentLogsOf(url(), record(), [hash]);
    await waitForOrder(keys.instant, order.id, "paid", (o) => o.status === "paid");

    // A one-block reorg: the new block has another payment first (a higher tip), then the same signed bytes.
    await revertTo(url(), beforePayment);
    await setAutomine(url(), false);
    try {
      await wallet(2).sendTransaction({ ...payCall(marker, "1"), maxFeePerGas: parseGwei("100"), maxPriorityFeePerGas: parseGwei("50") });
      expect(await rpc<Hash>(url(), "eth_sendRawTransaction", [raw])).toBe(hash);
      await mine(url(), 1);
    } finally {
      await setAutomine(url(), true);
    }
    const [again] = await paymentLogsOf(url(), record(), [hash]);
    expect(again!.logIndex).toBeGreaterThan(first!.logIndex);
    expect(again!.blockNumber).toBe(first!.blockNumber);

    await waitForOrder(keys.instant, marker.id, "paid", (o) => o.status === "paid");
    const moved = await waitForOrder(keys.instant, order.id, "its payment at the new log index", (o) =>
      o.payments.some((p) => p.logIndex === again!.logIndex && p.state === "confirmed"),
    );
    expect(moved).toMatchObject({ status: "paid", amountReceived: "7" });
    expect(moved.payments).toHaveLength(1);
    expect(await received(keys.instant)).toBe(balance + parseUnits("8", 6));
    const types = (await eventsOf(keys.instant, `orderId=${order.id}`)).map((e) => e.type);
    expect(types).not.toContain("order.overpaid");
    expect(types.filter((t) => t === "order.paid").length).toBeGreaterThanOrEqual(1);
  }, 180_000);

  it("reverts nothing and credits each payment once when the indexer is killed mid-burst and restarted on its data", async () => {
    const orders = await Promise.all(Array.from({ length: 12 }, (_, i) => createOrder(keys.standard, `${i + 1}.5`)));
    const balance = await received(keys.standard);
    const payOne = (order: Order) =>
      pay(url(), record(), { token: usdt().address, amount: parseUnits(order.amount, 6), orderRef: order.orderRef, payer: payer! });
    for (const order of orders.slice(0, 6)) await payOne(order);
    // The API has seen the burst so far: the last ones wait for their confirmations when the indexer dies.
    await waitForOrder(keys.standard, orders[5]!.id, "confirming", (o) => o.status === "confirming");

    const port = indexer.port;
    indexer.process.kill("SIGKILL");
    await indexer.exited;
    for (const order of orders.slice(6)) await payOne(order);
    indexer = await stack.startIndexer({ port, waitFor: "listening" });
    await mine(url(), CONFIRMATIONS);

    for (const order of orders) {
      const paid = await waitForOrder(keys.standard, order.id, "paid", (o) => o.status === "paid");
      expect(paid.amountReceived).toBe(order.amount);
      expect(paid.payments.map((p) => p.state)).toEqual(["confirmed"]);
    }
    expect((await eventsOf(keys.standard, "type=payment.reverted")).map((e) => [e.type, e.orderId])).toEqual([]);
    const total = orders.reduce((sum, o) => sum + parseUnits(o.amount, 6), 0n);
    expect(await received(keys.standard)).toBe(balance + total);
  }, 240_000);
}

describe("each transfer credited once across reorgs and indexer crashes [pglite]", () => suite("pglite"));
describeWithPostgres("each transfer credited once across reorgs and indexer crashes [postgres]", () => suite("postgres"));
