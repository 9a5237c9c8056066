/**
 * Refunds end to end, every part real: a Hardhat/EDR chain with the RefundRouter and the Tether-faithful token, the
 * Ponder indexer, the API as its own process (with the chain's RPC, to verify recorded transactions), and the
 * merchant's payout wallet sending the refund transaction the API hands out (approve through zero, as USDT requires,
 * then `refund`), or a plain `transfer` recorded by its hash. The customer gets the tokens; the merchant's server gets
 * `refund.succeeded`, verified with the `standardwebhooks` package. Once on PGlite, once on Postgres.
 * Attacks: a reorg that drops the refund transaction (router or recorded) and mines the same signed bytes again;
 * recorded transactions that do not pay the refund; one transaction for two refunds; a token that takes a fee.
 */
import { createPublicClient, createWalletClient, encodeFunctionData, erc20Abi, getAddress, http, parseGwei, parseUnits, type Address, type Hash, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorSchema, fieldErrorSchema } from "../../api/lib/errors.js";
import type { OrderView } from "../../api/orders/views.js";
import { refundSchema, type RefundView } from "../../api/refunds/views.js";
import * as balanceRoutes from "../../api/routes/balance/balance.routes.js";
import * as eventsRoutes from "../../api/routes/events/events.routes.js";
import * as ordersRoutes from "../../api/routes/orders/orders.routes.js";
import * as refundsRoutes from "../../api/routes/refunds/refunds.routes.js";
import { refundRouterAbi } from "../../contracts/abi/RefundRouter.js";
import { rpc } from "../../scripts/stack/local-chain.js";
import { hexOf } from "../support/api-client.js";
import { blockNumber, mine, revertTo, setAutomine, snapshot } from "../support/chain.js";
import { describeWithPostgres, type TestDatabaseKind } from "../support/database.js";
import { CHAIN, type Gateway, type GatewayMerchant, startGateway } from "../support/gateway.js";
import { DEV_ACCOUNTS, pay, tokenBySymbol } from "../support/payments.js";
import { waitFor } from "../support/wait.js";
import { type VerifyingReceiver, startVerifyingReceiver } from "../support/webhook-receiver.js";

const CONFIRMATIONS = 3;
/** Hardhat's public development mnemonic: account #9 is the merchant's payout wallet. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const [payer, otherPayer] = DEV_ACCOUNTS.payers;
const merchantWallet = DEV_ACCOUNTS.merchant;

type Order = OrderView;
type Refund = RefundView;
/** What the tests read of an event's data: the refund it is about. */
const refundEventData = z.object({ refund: refundSchema.optional() });

function suite(kind: TestDatabaseKind) {
  let gateway: Gateway;
  let merchant: GatewayMerchant;
  let receiver: VerifyingReceiver;

  /** A request that must be refused: its status and error body (the documented error shape). */
  const refused = async (method: string, route: string, body: unknown) => {
    const response = await merchant.request(method, route, body);
    return { status: response.status, ...errorSchema.parse(await response.json()) };
  };
  const getOrder = (id: string) => merchant.read(ordersRoutes.getOrder, 200, `/v1/orders/${id}`);
  const getRefund = (id: string) => merchant.read(refundsRoutes.getRefund, 200, `/v1/refunds/${id}`);
  const recordTx = (id: string, txHash: string) => merchant.read(refundsRoutes.recordRefundTransaction, 200, `/v1/refunds/${id}/transaction`, { txHash });
  const url = () => gateway.stack.chain(CHAIN).url;
  const record = () => gateway.stack.chain(CHAIN).record;
  const usdt = () => tokenBySymbol(record(), "USDT");
  const publicClient = () => createPublicClient({ transport: http(url()) });
  /** The payout wallet, signing locally: its raw transactions can be sent again, byte for byte, after a reorg. */
  const wallet = () => createWalletClient({ account: mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 9 }), chain: { ...hardhat, id: CHAIN }, transport: http(url()) });
  const balanceOf = (owner: Address) => publicClient().readContract({ address: usdt().address, abi: erc20Abi, functionName: "balanceOf", args: [owner] });
  const mined = async (hash: Hash) => {
    const receipt = await publicClient().waitForTransactionReceipt({ hash });
    return receipt;
  };

  let count = 0;
  const paidOrder = async (amount: string): Promise<Order> => {
    const order = await merchant.createOrder(amount, { merchantOrderId: `refund-e2e-${kind}-${++count}` });
    await pay(url(), record(), { token: usdt().address, amount: parseUnits(amount, 6), orderRef: hexOf(order.orderRef), payer });
    await mine(url(), CONFIRMATIONS - 1);
    return waitFor(`order ${order.id} paid`, async () => {
      const now = await getOrder(order.id);
      return now.status === "paid" ? now : undefined;
    }, { intervalMs: 150, timeoutMs: 60_000 }).catch(async (error: Error) => {
      // Where it stopped, should it time out: the order as the API has it, the chain's head and the indexer's block.
      // A read that fails here is said as such; the time-out stays the error.
      const [now, head, indexed] = await Promise.all([
        getOrder(order.id).then((o) => `${o.status} (${o.amountReceived} received)`),
        blockNumber(url()),
        fetch(`${gateway.indexer.url}/status`).then((r) => r.text()),
      ].map((read) => read.catch((e: Error) => `unreadable: ${e.message}`)));
      const confirmerLog = gateway.api.output().split("\n").filter((line) => line.includes("confirmer")).slice(-5);
      throw new Error(
        `${error.message}: the order is ${now}, chain head ${head}, indexer status ${indexed}; ` +
          `the API's last confirmer lines: ${JSON.stringify(confirmerLog)}`,
        { cause: error },
      );
    });
  };
  const newRefund = (order: Order, amount: string, destination?: Address) =>
    merchant.read(refundsRoutes.createRefund, 201, `/v1/orders/${order.id}/refunds`, { amount, reason: "Returned", ...(destination ? { destination } : {}) });
  const waitForRefund = (id: string, status: string) =>
    waitFor(`refund ${id} ${status}`, async () => {
      const refund = await getRefund(id);
      return refund.status === status ? refund : undefined;
    }, { intervalMs: 150, timeoutMs: 60_000 });
  const eventsOf = async (query: string) =>
    (await merchant.read(eventsRoutes.listEvents, 200, `/v1/events?limit=100&${query}`)).data.map((event) => ({ ...event, data: refundEventData.parse(event.data) }));

  /** Approves the RefundRouter for `amount` through zero (USDT). */
  const approveRouter = async (amount: bigint) => {
    for (const allowance of [0n, amount]) {
      await mined(await wallet().writeContract({ address: usdt().address, abi: erc20Abi, functionName: "approve", args: [record().refundRouter!, allowance] }));
    }
  };
  /** What the merchant's wallet does with the refund's transaction: approve through zero (USDT), then send it. */
  const sendFromMerchantWallet = async (refund: Refund) => {
    await approveRouter(parseUnits(refund.amount, 6));
    const hash = await wallet().sendTransaction({ to: getAddress(refund.transaction!.to), data: hexOf(refund.transaction!.data), value: BigInt(refund.transaction!.value) });
    expect((await mined(hash)).status).toBe("success");
    return hash;
  };
  /** A plain USDT transfer from the payout wallet (another token with `token`), mined. */
  const transfer = async (to: Address, amount: string, token: Address = usdt().address) => {
    const hash = await wallet().writeContract({ address: token, abi: erc20Abi, functionName: "transfer", args: [to, parseUnits(amount, 6)] });
    expect((await mined(hash)).status).toBe("success");
    return hash;
  };

  beforeAll(async () => {
    gateway = await startGateway({
      database: kind,
      payers: [payer!, otherPayer!],
      merchants: [{ name: "E2E Refund Shop", payout: merchantWallet }],
      confirmations: CONFIRMATIONS,
      rpc: true, // to verify recorded transactions
      apiEnv: { CONFIRMER_INTERVAL_MS: "100", EXPIRY_INTERVAL_MS: "200" },
    });
    merchant = gateway.merchants[0]!;
    expect(wallet().account.address).toBe(merchantWallet);
    receiver = await startVerifyingReceiver();
    receiver.useSecret(await merchant.addEndpoint(receiver.url));
  }, 600_000);

  afterAll(async () => {
    if (process.env.E2E_DEBUG) console.log(gateway?.api.output());
    await receiver?.stop();
    await gateway?.stop();
  });

  it("refunds a router payment in full from the merchant's wallet: the payer gets it back, webhooks verified", async () => {
    const order = await paidOrder("25.5");
    const refund = await newRefund(order, "25.5");
    expect(refund).toMatchObject({ status: "pending", destination: payer });
    expect(refund.transaction!.to).toBe(record().refundRouter);
    const before = await balanceOf(payer!);
    const hash = await sendFromMerchantWallet(refund);
    expect(await balanceOf(payer!)).toBe(before + 25_500_000n);
    expect((await waitForRefund(refund.id, "submitted")).txHash).toBe(hash);
    await mine(url(), CONFIRMATIONS - 1);
    expect(await waitForRefund(refund.id, "succeeded")).toMatchObject({ txHash: hash, amountDelivered: "25.5" });
    expect(await getOrder(order.id)).toMatchObject({ amountReceived: "25.5", amountRefunded: "25.5" });

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
  }, 180_000);

  it("takes two partial refunds of one order, each confirmed once, and the balance adds up", async () => {
    const order = await paidOrder("10");
    const first = await newRefund(order, "4");
    const second = await newRefund(order, "6");
    const before = await balanceOf(payer!);
    await sendFromMerchantWallet(first);
    await sendFromMerchantWallet(second);
    expect(await balanceOf(payer!)).toBe(before + 10_000_000n);
    await mine(url(), CONFIRMATIONS);
    await waitForRefund(first.id, "succeeded");
    await waitForRefund(second.id, "succeeded");
    expect(await getOrder(order.id)).toMatchObject({ amountReceived: "10", amountRefunded: "10" });
    expect((await refused("POST", `/v1/orders/${order.id}/refunds`, { amount: "0.000001", reason: "again" })).status).toBe(422);
    const { balances } = await merchant.read(balanceRoutes.getBalance, 200, "/v1/balance");
    expect(balances).toEqual([expect.objectContaining({ chainId: CHAIN, symbol: "USDT", received: "35.5", refunded: "35.5", net: "0" })]);
  }, 180_000);

  /**
   * A reorg drops the refund's transaction after it was seen: the refund goes back to pending; the same signed bytes
   * mined again bring it back, and it succeeds once, counted once.
   */
  const reorgOnce = async (send: (refund: Refund) => Promise<{ raw: Hex; hash: Hash }>, recordIt: boolean) => {
    const order = await paidOrder("8");
    const refund = await newRefund(order, "8");
    await approveRouter(8_000_000n);
    const beforeRefund = await snapshot(url());
    const { raw, hash } = await send(refund);
    if (recordIt) expect(await recordTx(refund.id, hash)).toMatchObject({ status: "submitted", txHash: hash });
    expect((await waitForRefund(refund.id, "submitted")).txHash).toBe(hash);

    // The block with the refund is replaced by an empty one (and one more, so the indexer's chain moves on); the node
    // would put the reverted transaction back in its mempool, so it is dropped from there first.
    await revertTo(url(), beforeRefund);
    await rpc(url(), "hardhat_dropTransaction", [hash]);
    await mine(url(), 2);
    expect(await rpc(url(), "eth_getTransactionReceipt", [hash])).toBeNull();
    expect(await waitForRefund(refund.id, "pending")).toMatchObject({ txHash: null, recordedTxHash: recordIt ? hash : null });
    expect((await getOrder(order.id)).amountRefunded).toBe("0");

    expect(await rpc<Hash>(url(), "eth_sendRawTransaction", [raw])).toBe(hash);
    expect((await mined(hash)).status).toBe("success");
    await mine(url(), CONFIRMATIONS);
    expect(await waitForRefund(refund.id, "succeeded")).toMatchObject({ txHash: hash, amountDelivered: "8" });
    // More blocks and passes change nothing: counted once, one refund.succeeded.
    await mine(url(), 2);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await getOrder(order.id)).toMatchObject({ amountReceived: "8", amountRefunded: "8" });
    expect((await eventsOf(`orderId=${order.id}&type=refund.succeeded`)).map((e) => e.data.refund?.id)).toEqual([refund.id]);
  };
  const signAndSend = async (tx: { to: Address; data: Hex }) => {
    const request = await wallet().prepareTransactionRequest({ ...tx, gas: 200_000n, maxFeePerGas: parseGwei("100"), maxPriorityFeePerGas: parseGwei("1") });
    const raw = await wallet().signTransaction(request);
    const hash = await rpc<Hash>(url(), "eth_sendRawTransaction", [raw]);
    expect((await mined(hash)).status).toBe("success");
    return { raw, hash };
  };

  it("sends a RefundRouter refund back to pending when a reorg drops its transaction, and succeeds once when it is mined again", async () => {
    await reorgOnce((refund) => signAndSend({ to: getAddress(refund.transaction!.to), data: hexOf(refund.transaction!.data) }), false);
  }, 240_000);

  it("does the same for a plain transfer recorded by hash", async () => {
    await reorgOnce(
      (refund) =>
        signAndSend({
          to: usdt().address,
          data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [getAddress(refund.destination!), parseUnits(refund.amount, 6)] }),
        }),
      true,
    );
  }, 240_000);

  it("records a plain transfer by hash once it is verified on-chain, and refuses transactions that do not pay the refund, naming why", async () => {
    const order = await paidOrder("10");
    const refund = await newRefund(order, "3");
    const route = `/v1/refunds/${refund.id}/transaction`;
    const expectRefusal = async (txHash: Hash, status: number, code: string, mentions: RegExp) => {
      const answer = await refused("POST", route, { txHash });
      expect(answer.status, JSON.stringify(answer)).toBe(status);
      expect(answer.error.code).toBe(code);
      expect(answer.error.message).toMatch(mentions);
    };
    await expectRefusal(`0x${"12".repeat(32)}`, 422, "tx_not_found", /no transaction/);
    await expectRefusal(await transfer(payer!, "2.5"), 422, "tx_wrong_amount", /2\.5 USDT.*the refund is 3 USDT/);
    await expectRefusal(await transfer(otherPayer!, "3"), 422, "tx_wrong_destination", new RegExp(payer!));
    const stranger = createWalletClient({ account: otherPayer!, transport: http(url()) });
    const otherToken = await stranger.writeContract({ chain: null, address: tokenBySymbol(record(), "USDC").address, abi: erc20Abi, functionName: "transfer", args: [payer!, 3_000_000n] });
    await mined(otherToken);
    await expectRefusal(otherToken, 422, "tx_no_token_transfer", /moves no USDT/);
    const fromStranger = await stranger.writeContract({ chain: null, address: usdt().address, abi: erc20Abi, functionName: "transfer", args: [payer!, 3_000_000n] });
    await mined(fromStranger);
    await expectRefusal(fromStranger, 422, "tx_wrong_sender", /payout wallet/);
    const small = await newRefund(order, "1");
    const otherRefund = await sendFromMerchantWallet(small);
    await expectRefusal(otherRefund, 422, "tx_is_another_refund", /another refund/);
    expect((await getRefund(refund.id)).status).toBe("pending");

    const before = await balanceOf(payer!);
    const hash = await transfer(payer!, "3");
    expect(await balanceOf(payer!)).toBe(before + 3_000_000n);
    const recorded = await recordTx(refund.id, hash.toUpperCase().replace("0X", "0x"));
    expect(recorded).toMatchObject({ status: "submitted", txHash: hash, recordedTxHash: hash, amountDelivered: "3" });
    // The same again is the same answer; the same transaction for another refund is refused.
    expect(await recordTx(refund.id, hash)).toMatchObject({ id: refund.id, status: "submitted" });
    const another = await newRefund(order, "3");
    const twice = await refused("POST", `/v1/refunds/${another.id}/transaction`, { txHash: hash });
    expect([twice.status, twice.error.code]).toEqual([409, "refund_tx_already_used"]);
    await mine(url(), CONFIRMATIONS);
    await waitForRefund(refund.id, "succeeded");
    await waitForRefund(small.id, "succeeded");
    expect((await getOrder(order.id)).amountRefunded).toBe("4");
    // Bad input is a 422 naming the field.
    const bad = await refused("POST", route, { txHash: "0x1234" });
    expect(bad.status).toBe(422);
    expect(z.array(fieldErrorSchema).parse(bad.error.details)[0]?.field).toBe("txHash");
  }, 240_000);

  it("fails a refund whose recorded transaction from the payout wallet reverted: refund.failed, and the amount can be refunded again", async () => {
    const order = await paidOrder("5");
    const refund = await newRefund(order, "5");
    // A refund call that reverts on-chain (amount 0: ZeroAmount), sent with a fixed gas limit so it is mined.
    const data = encodeFunctionData({ abi: refundRouterAbi, functionName: "refund", args: [usdt().address, payer!, 0n, hexOf(refund.refundRef), hexOf(order.orderRef)] });
    // Automine answers a reverting transaction with an error; queued and mined, it is simply a reverted transaction.
    await setAutomine(url(), false);
    let hash: Hash;
    try {
      hash = await wallet().sendTransaction({ to: record().refundRouter!, data, gas: 200_000n });
      await mine(url(), 1);
    } finally {
      await setAutomine(url(), true);
    }
    expect((await mined(hash)).status).toBe("reverted");
    const failed = await recordTx(refund.id, hash);
    expect(failed).toMatchObject({ status: "failed", txHash: hash, failureReason: expect.stringMatching(/reverted/) });
    expect((await eventsOf(`orderId=${order.id}&type=refund.failed`)).map((e) => [e.data.refund?.id, e.data.refund?.status])).toEqual([[refund.id, "failed"]]);
    // A failed refund no longer counts: the whole amount can be refunded again.
    const again = await newRefund(order, "5");
    await sendFromMerchantWallet(again);
    await mine(url(), CONFIRMATIONS);
    await waitForRefund(again.id, "succeeded");
    expect(await getOrder(order.id)).toMatchObject({ amountRefunded: "5" });
    expect((await getRefund(refund.id)).status).toBe("failed");
  }, 240_000);

  it("counts a fee-on-transfer token's refund at what left the payout wallet; the customer's share is amountDelivered", async () => {
    const order = await paidOrder("20");
    const owner = createWalletClient({ account: DEV_ACCOUNTS.deployer, transport: http(url()) });
    const setFee = async (basisPoints: bigint, maxFee: bigint) =>
      mined(await owner.writeContract({ chain: null, address: usdt().address, abi: tetherParamsAbi, functionName: "setParams", args: [basisPoints, maxFee] }));
    await setFee(10n, 10n); // 0.1 %
    try {
      const viaRouter = await newRefund(order, "10");
      const before = await balanceOf(payer!);
      await sendFromMerchantWallet(viaRouter);
      expect(await balanceOf(payer!)).toBe(before + 9_990_000n);
      const plain = await newRefund(order, "10");
      const hash = await transfer(payer!, "10");
      expect(await recordTx(plain.id, hash)).toMatchObject({ status: "submitted", amountDelivered: "9.99" });
      await mine(url(), CONFIRMATIONS);
      expect(await waitForRefund(viaRouter.id, "succeeded")).toMatchObject({ amount: "10", amountDelivered: "9.99" });
      expect(await waitForRefund(plain.id, "succeeded")).toMatchObject({ amount: "10", amountDelivered: "9.99" });
      expect(await getOrder(order.id)).toMatchObject({ amountReceived: "20", amountRefunded: "20" });
    } finally {
      await setFee(0n, 0n);
    }
  }, 240_000);
}

const tetherParamsAbi = [
  {
    type: "function",
    name: "setParams",
    stateMutability: "nonpayable",
    inputs: [
      { name: "newBasisPoints", type: "uint256" },
      { name: "newMaxFee", type: "uint256" },
    ],
    outputs: [],
  },
] as const;

describe("refunds sent from the merchant's wallet, seen by the real indexer, confirmed by the API [pglite]", () => suite("pglite"));
describeWithPostgres("refunds sent from the merchant's wallet, seen by the real indexer, confirmed by the API [postgres]", () => suite("postgres"));
