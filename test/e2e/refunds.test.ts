/**
 * Refunds end to end, every part real: a Hardhat/EDR chain with the RefundRouter and the Tether-faithful token, the
 * Ponder indexer, the API as its own process, and the merchant's payout wallet sending the refund transaction the
 * API hands out (approve through zero, as USDT requires, then `refund`). The customer gets the tokens; the merchant's
 * server gets `refund.succeeded`, verified with the `standardwebhooks` package.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPublicClient, createWalletClient, erc20Abi, http, parseUnits, type Address, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as admin from "../../api/admin/commands.js";
import { openDatabase } from "../../api/db/client.js";
import { migrate } from "../../api/db/migrate.js";
import { ChainCatalog } from "../../api/chains/catalog.js";
import { freePort } from "../../scripts/stack/ports.js";
import { mine } from "../support/chain.js";
import { DEV_ACCOUNTS, pay, tokenBySymbol } from "../support/payments.js";
import { type TestStack, startTestStack } from "../support/stack.js";
import { waitFor } from "../support/wait.js";
import { type ApiProcess, startApiProcess } from "./support/api-process.js";
import { type VerifyingReceiver, startVerifyingReceiver } from "../support/webhook-receiver.js";

const CHAIN = 31337;
const CONFIRMATIONS = 3;
const [payer] = DEV_ACCOUNTS.payers;
const merchantWallet = DEV_ACCOUNTS.merchant;

type Order = { id: string; status: string; orderRef: Hex; amountReceived: string; amountRefunded: string };
type Refund = { id: string; status: string; amount: string; destination: Address; txHash: Hex | null; transaction: { to: Address; value: string; data: Hex } };

describe("refunds sent from the merchant's wallet, seen by the real indexer, confirmed by the API", () => {
  let stack: TestStack;
  let api: ApiProcess;
  let apiKey: string;
  let dataDir: string;
  let receiver: VerifyingReceiver;

  const call = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${api.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${route} -> ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };
  const url = () => stack.chain(CHAIN).url;
  const record = () => stack.chain(CHAIN).record;
  const usdt = () => tokenBySymbol(record(), "USDT");
  const publicClient = () => createPublicClient({ transport: http(url()) });
  const wallet = () => createWalletClient({ account: merchantWallet, transport: http(url()) });
  const balanceOf = (owner: Address) => publicClient().readContract({ address: usdt().address, abi: erc20Abi, functionName: "balanceOf", args: [owner] });

  let count = 0;
  const paidOrder = async (amount: string): Promise<Order> => {
    const order = await call<Order>("POST", "/v1/orders", { chainId: CHAIN, symbol: "USDT", amount, merchantOrderId: `refund-e2e-${++count}` });
    await pay(url(), record(), { token: usdt().address, amount: parseUnits(amount, 6), orderRef: order.orderRef, payer });
    await mine(url(), CONFIRMATIONS - 1);
    return waitFor(`order ${order.id} paid`, async () => {
      const now = await call<Order>("GET", `/v1/orders/${order.id}`);
      return now.status === "paid" ? now : undefined;
    }, { intervalMs: 150 });
  };
  const waitForRefund = (id: string, status: string) =>
    waitFor(`refund ${id} ${status}`, async () => {
      const refund = await call<Refund>("GET", `/v1/refunds/${id}`);
      return refund.status === status ? refund : undefined;
    }, { intervalMs: 150 });

  /** What the merchant's wallet does with the refund's transaction: approve through zero (USDT), then send it. */
  const sendFromMerchantWallet = async (refund: Refund) => {
    const amount = parseUnits(refund.amount, 6);
    const client = wallet();
    const router = refund.transaction.to;
    for (const allowance of [0n, amount]) {
      const hash = await client.writeContract({ chain: null, address: usdt().address, abi: erc20Abi, functionName: "approve", args: [router, allowance] });
      await publicClient().waitForTransactionReceipt({ hash });
    }
    const hash = await client.sendTransaction({ chain: null, to: router, data: refund.transaction.data, value: BigInt(refund.transaction.value) });
    const receipt = await publicClient().waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    return hash;
  };

  beforeAll(async () => {
    stack = await startTestStack({ payers: [payer!] });
    const indexer = await stack.startIndexer();
    dataDir = await mkdtemp(path.join(tmpdir(), "stablegate-e2e-refunds-"));
    const handle = await openDatabase({ dataDir });
    await migrate(handle.db);
    const chains = await ChainCatalog.load({ dir: stack.deploymentsDir, confirmations: { [CHAIN]: CONFIRMATIONS } });
    const merchant = await admin.createMerchant(handle.db, { name: "E2E Refund Shop" });
    await admin.setPayoutAddress(handle.db, chains, { merchantId: merchant.id, chainId: CHAIN, address: merchantWallet });
    apiKey = (await admin.issueApiKey(handle.db, { merchantId: merchant.id })).key;
    await handle.close();
    api = await startApiProcess(
      {
        API_DATA_DIR: dataDir,
        DEPLOYMENTS_DIR: stack.deploymentsDir,
        INDEXER_URL: indexer.url,
        CHAIN_CONFIRMATIONS: `${CHAIN}=${CONFIRMATIONS}`,
        CONFIRMER_INTERVAL_MS: "100",
        EXPIRY_INTERVAL_MS: "200",
        AUTH_CACHE_MS: "0",
        RATE_LIMIT_PER_MINUTE: "100000",
        WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
        DATABASE_URL: undefined,
      },
      await freePort(),
    );
    receiver = await startVerifyingReceiver();
    const endpoint = await call<{ secret: string }>("POST", "/v1/webhook-endpoints", { url: receiver.url });
    receiver.useSecret(endpoint.secret);
  });

  afterAll(async () => {
    await receiver?.stop();
    await api?.stop();
    await stack?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("refunds a router payment in full from the merchant's wallet: the payer gets it back, webhooks verified", async () => {
    const order = await paidOrder("25.5");
    const refund = await call<Refund>("POST", `/v1/orders/${order.id}/refunds`, { amount: "25.5", reason: "Out of stock" });
    expect(refund).toMatchObject({ status: "pending", destination: payer });
    expect(refund.transaction.to).toBe(record().refundRouter);
    const before = await balanceOf(payer!);
    const hash = await sendFromMerchantWallet(refund);
    expect(await balanceOf(payer!)).toBe(before + 25_500_000n);
    expect((await waitForRefund(refund.id, "submitted")).txHash).toBe(hash);
    await mine(url(), CONFIRMATIONS - 1);
    expect(await waitForRefund(refund.id, "succeeded")).toMatchObject({ txHash: hash });
    expect(await call<Order>("GET", `/v1/orders/${order.id}`)).toMatchObject({ amountReceived: "25.5", amountRefunded: "25.5" });

    const events = await waitFor("refund.succeeded at the receiver", () => {
      const mine = receiver.delivered.filter((e) => e.orderId === order.id && e.type.startsWith("refund."));
      return mine.some((e) => e.type === "refund.succeeded") ? mine : undefined;
    });
    expect(events.map((e) => [e.type, e.refund?.id, e.refund?.status])).toEqual(
      expect.arrayContaining([
        ["refund.created", refund.id, "pending"],
        ["refund.succeeded", refund.id, "succeeded"],
      ]),
    );
    expect(events.find((e) => e.type === "refund.succeeded")!.refund!.txHash).toBe(hash);
    expect(receiver.rejected).toEqual([]);
  });

  it("takes two partial refunds of one order, each confirmed once, and the balance adds up", async () => {
    const order = await paidOrder("10");
    const first = await call<Refund>("POST", `/v1/orders/${order.id}/refunds`, { amount: "4", reason: "One item returned" });
    const second = await call<Refund>("POST", `/v1/orders/${order.id}/refunds`, { amount: "6", reason: "The rest returned" });
    const before = await balanceOf(payer!);
    await sendFromMerchantWallet(first);
    await sendFromMerchantWallet(second);
    expect(await balanceOf(payer!)).toBe(before + 10_000_000n);
    await mine(url(), CONFIRMATIONS);
    await waitForRefund(first.id, "succeeded");
    await waitForRefund(second.id, "succeeded");
    expect(await call<Order>("GET", `/v1/orders/${order.id}`)).toMatchObject({ amountReceived: "10", amountRefunded: "10" });
    const over = await fetch(`${api.url}/v1/orders/${order.id}/refunds`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ amount: "0.000001", reason: "again" }),
    });
    expect(over.status).toBe(422);
    const { balances } = await call<{ balances: Record<string, string>[] }>("GET", "/v1/balance");
    expect(balances).toEqual([expect.objectContaining({ chainId: CHAIN, symbol: "USDT", received: "35.5", refunded: "35.5", net: "0" })]);
  });
});
