/**
 * Attacks on "each transfer is credited exactly once", every part real: a Hardhat/EDR chain, the router and the
 * Tether-faithful token, the Ponder indexer, the API as its own process; once with everything on PGlite, once on
 * Postgres.
 * - A reorg re-includes the same signed `pay` transaction after another one, so its log index moves: one payment.
 * - The indexer is killed (SIGKILL) in the middle of a burst of payments and restarted on its data: Ponder's crash
 *   recovery deletes and re-indexes its unfinalized rows, which is no reorg: nothing is reverted, nothing doubled.
 */
import { createWalletClient, encodeFunctionData, type Hash, http, parseGwei, parseUnits } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paymentRouterAbi } from "../../contracts/abi/PaymentRouter.js";
import * as balanceRoutes from "../../api/routes/balance/balance.routes.js";
import * as eventRoutes from "../../api/routes/events/events.routes.js";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import type { RunningIndexer } from "../../scripts/stack/indexer-process.js";
import { rpc } from "../../scripts/stack/local-chain.js";
import { hexOf } from "../support/api-client.js";
import { mine, revertTo, setAutomine, snapshot } from "../support/chain.js";
import { describeWithPostgres, type TestDatabaseKind } from "../support/database.js";
import { CHAIN, type Gateway, type GatewayMerchant, type GatewayOrder, startGateway } from "../support/gateway.js";
import { DEV_ACCOUNTS, pay, paymentLogsOf, tokenBySymbol } from "../support/payments.js";
import { waitFor } from "../support/wait.js";

const CONFIRMATIONS = 3;
/** Hardhat's public development mnemonic: its accounts #1 and #2 are the stack's payers. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const [payer, otherPayer] = DEV_ACCOUNTS.payers;

type Order = GatewayOrder;
/** The order as `GET /v1/contract-payment` answers it: status and payments. */
type OrderStatus = Awaited<ReturnType<typeof getOrder>>;

const getOrder = (merchant: GatewayMerchant, id: string) =>
  merchant.read(orderRoutes.contractPayment, 200, `/v1/contract-payment?orderId=${id}`);

function suite(kind: TestDatabaseKind) {
  let gateway: Gateway;
  let indexer: RunningIndexer;
  /** A merchant paid at 0 confirmations (as a local chain allows), and one with the chain's 3. */
  let instant: GatewayMerchant;
  let standard: GatewayMerchant;

  const stack = () => gateway.stack;
  const url = () => stack().chain(CHAIN).url;
  const record = () => stack().chain(CHAIN).record;
  const usdt = () => tokenBySymbol(record(), "USDT");
  const createOrder = (merchant: GatewayMerchant, amount: string) => merchant.createOrder(amount);
  const waitForOrder = (merchant: GatewayMerchant, id: string, what: string, test: (order: OrderStatus) => boolean) =>
    waitFor(`order ${id}: ${what}`, async () => {
      const order = await getOrder(merchant, id);
      return test(order) ? order : undefined;
    }, { intervalMs: 150, timeoutMs: 60_000 });
  const received = async (merchant: GatewayMerchant) => {
    const { balances } = await merchant.read(balanceRoutes.getBalance, 200, "/v1/balance");
    return parseUnits(balances.find((b) => b.chainId === CHAIN && b.symbol === "USDT")?.received ?? "0", 6);
  };
  const eventsOf = async (merchant: GatewayMerchant, query: string) =>
    (await merchant.read(eventRoutes.listEvents, 200, `/v1/events?limit=100&${query}`)).data;

  /** A wallet that signs locally: its raw transactions can be sent again, byte for byte, after a reorg. */
  const wallet = (addressIndex: number) =>
    createWalletClient({ account: mnemonicToAccount(DEV_MNEMONIC, { addressIndex }), chain: { ...hardhat, id: CHAIN }, transport: http(url()) });
  const payCall = (order: Order, amount: string) => ({
    to: record().router,
    gas: 150_000n,
    data: encodeFunctionData({
      abi: paymentRouterAbi,
      functionName: "pay",
      args: [usdt().address, parseUnits(amount, 6), DEV_ACCOUNTS.merchant, hexOf(order.orderRef)],
    }),
  });

  beforeAll(async () => {
    gateway = await startGateway({
      database: kind,
      payers: [payer!, otherPayer!],
      merchants: [
        { name: "instant", payout: DEV_ACCOUNTS.merchant, confirmations: { [String(CHAIN)]: 0 } },
        { name: "standard", payout: DEV_ACCOUNTS.merchant },
      ],
      confirmations: CONFIRMATIONS,
      apiEnv: { CONFIRMER_INTERVAL_MS: "100" },
    });
    [instant, standard] = [gateway.merchants[0]!, gateway.merchants[1]!];
    indexer = gateway.indexer;
  });

  afterAll(async () => {
    if (process.env.E2E_DEBUG) console.log(gateway?.api.output());
    await gateway?.stop();
  });

  it("credits a signed payment once when a reorg re-includes it after another transaction (its log index moved)", async () => {
    expect(wallet(1).account.address).toBe(payer);
    const order = await createOrder(instant, "7");
    const marker = await createOrder(instant, "1");
    const balance = await received(instant);

    const beforePayment = await snapshot(url());
    const raw = await wallet(1).signTransaction(
      await wallet(1).prepareTransactionRequest({ ...payCall(order, "7"), maxFeePerGas: parseGwei("100"), maxPriorityFeePerGas: parseGwei("1") }),
    );
    const hash = await rpc<Hash>(url(), "eth_sendRawTransaction", [raw]);
    const [first] = await paymentLogsOf(url(), record(), [hash]);
    await waitForOrder(instant, order.id, "paid", (o) => o.status === "paid");

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

    await waitForOrder(instant, marker.id, "paid", (o) => o.status === "paid");
    const moved = await waitForOrder(instant, order.id, "its payment at the new log index", (o) =>
      o.payments.some((p) => p.logIndex === again!.logIndex && p.state === "confirmed"),
    );
    expect(moved).toMatchObject({ status: "paid", amountReceived: "7" });
    expect(moved.payments).toHaveLength(1);
    expect(await received(instant)).toBe(balance + parseUnits("8", 6));
    const types = (await eventsOf(instant, `orderId=${order.id}`)).map((e) => e.type);
    expect(types).not.toContain("order.overpaid");
    expect(types.filter((t) => t === "order.paid").length).toBeGreaterThanOrEqual(1);
  }, 180_000);

  it("reverts nothing and credits each payment once when the indexer is killed mid-burst and restarted on its data", async () => {
    const orders = await Promise.all(Array.from({ length: 12 }, (_, i) => createOrder(standard, `${i + 1}.5`)));
    const balance = await received(standard);
    const payOne = (order: Order) =>
      pay(url(), record(), { token: usdt().address, amount: parseUnits(order.amount, 6), orderRef: hexOf(order.orderRef), payer: payer! });
    for (const order of orders.slice(0, 6)) await payOne(order);
    // The API has seen the burst so far: the last ones wait for their confirmations when the indexer dies.
    await waitForOrder(standard, orders[5]!.id, "confirming", (o) => o.status === "confirming");

    const port = indexer.port;
    indexer.process.kill("SIGKILL");
    await indexer.exited;
    for (const order of orders.slice(6)) await payOne(order);
    indexer = await stack().startIndexer({ port, waitFor: "listening" });
    await mine(url(), CONFIRMATIONS);

    for (const order of orders) {
      const paid = await waitForOrder(standard, order.id, "paid", (o) => o.status === "paid");
      expect(paid.amountReceived).toBe(order.amount);
      expect(paid.payments.map((p) => p.state)).toEqual(["confirmed"]);
    }
    expect((await eventsOf(standard, "type=payment.reverted")).map((e) => [e.type, e.orderId])).toEqual([]);
    const total = orders.reduce((sum, o) => sum + parseUnits(o.amount, 6), 0n);
    expect(await received(standard)).toBe(balance + total);
  }, 240_000);
}

describe("each transfer credited once across reorgs and indexer crashes [pglite]", () => suite("pglite"));
describeWithPostgres("each transfer credited once across reorgs and indexer crashes [postgres]", () => suite("postgres"));
