/**
 * Paying by plain transfer, end to end on the real stack: a Hardhat/EDR chain with the DepositFactory and the
 * Tether-faithful token, the Ponder indexer (accepted tokens' Transfer logs), and the API as its own process on
 * Postgres with a funded sweeper. A customer sends a plain ERC-20 `transfer` to the order's deposit address, as an
 * exchange does; the order goes confirming -> paid, the sweeper forwards the funds, the merchant's wallet grows.
 * Also: partial transfers adding up, a transfer after a cancel (paid late), a wrong token (unmatched, forwarded all
 * the same), a reorg that removes a transfer, a refused forward (blacklisted payout), a reorg that removes a mined
 * forward, an address another factory made, kill -9 of the API in the middle of a batch forward, and a reorg of a
 * block the deposit scan had passed.
 */
import { and, eq } from "drizzle-orm";
import { type Address, createPublicClient, createWalletClient, erc20Abi, getAddress, type Hash, http, parseEther, parseUnits } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DatabaseHandle } from "../../api/db/client.js";
import { confirmerCursors, orders, payments, sweeperTransactions, unmatchedPayments } from "../../api/db/schema.js";
import { orderSchema, paymentSchema } from "../../api/orders/views.js";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import { depositAddress } from "../../contracts/deposit-address.js";
import { rpc } from "../../scripts/stack/local-chain.js";
import { hexOf } from "../support/api-client.js";
import { mine, revertTo, setAutomine, snapshot } from "../support/chain.js";
import { describeWithPostgres } from "../support/database.js";
import { CHAIN, type Gateway, type GatewayMerchant, startGateway } from "../support/gateway.js";
import { DEV_ACCOUNTS, randomOrderRef, sendPayments, tokenBySymbol } from "../support/payments.js";
import { waitFor } from "../support/wait.js";
import { type VerifyingReceiver, startVerifyingReceiver } from "../support/webhook-receiver.js";

/** TetherUSD's owner-only blacklist (contracts/mocks/TetherUSD.sol). */
const blacklistAbi = [
  { type: "function", name: "addBlackList", stateMutability: "nonpayable", inputs: [{ name: "user", type: "address" }], outputs: [] },
  { type: "function", name: "removeBlackList", stateMutability: "nonpayable", inputs: [{ name: "user", type: "address" }], outputs: [] },
] as const;
const CONFIRMATIONS = 3;
const [payer, otherPayer] = DEV_ACCOUNTS.payers;

type Order = z.infer<typeof orderRoutes.contractPaymentSchema>;
/** The order a webhook event carries: the order's view with its payments. */
const eventOrderSchema = orderSchema.extend({ payments: z.array(paymentSchema) });

describeWithPostgres("orders paid by a plain transfer to their deposit address, forwarded by the sweeper", () => {
  let gateway: Gateway;
  let merchant: GatewayMerchant;
  let handle: DatabaseHandle;
  let receiver: VerifyingReceiver;
  const payout = privateKeyToAccount(generatePrivateKey()).address;
  const sweeperKey = generatePrivateKey();

  const url = () => gateway.stack.chain(CHAIN).url;
  const record = () => gateway.stack.chain(CHAIN).record;
  const publicClient = () => createPublicClient({ transport: http(url()) });
  const createOrder = (amount: string) => merchant.createOrder(amount);
  const getOrder = (id: string) => merchant.read(orderRoutes.contractPayment, 200, `/v1/contract-payment?orderId=${id}`);
  const waitForOrder = (id: string, what: string, check: (order: Order) => boolean, timeoutMs = 60_000) =>
    waitFor(`order ${id}: ${what}`, async () => {
      const order = await getOrder(id);
      return check(order) ? order : undefined;
    }, { intervalMs: 200, timeoutMs });
  /** A plain ERC-20 transfer from a dev account, as an exchange's withdrawal sends it. */
  const transfer = async (to: string, amount: string, { symbol = "USDT", from = payer! }: { symbol?: string; from?: Address } = {}): Promise<Hash> => {
    const token = tokenBySymbol(record(), symbol);
    const wallet = createWalletClient({ transport: http(url()) });
    const hash = await wallet.writeContract({ account: from, chain: null, address: token.address, abi: erc20Abi, functionName: "transfer", args: [getAddress(to), parseUnits(amount, token.decimals)] });
    const receipt = await publicClient().waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== "success") throw new Error(`transfer ${hash} reverted`);
    return hash;
  };
  const balanceOf = (holder: string, symbol = "USDT") =>
    publicClient().readContract({ address: tokenBySymbol(record(), symbol).address, abi: erc20Abi, functionName: "balanceOf", args: [getAddress(holder)] });
  const forwarded = (order: Order, count: number) =>
    order.payments.filter((p) => p.forward?.status === "forwarded").length === count;
  /**
   * Waits for a forward's outcome, mining a block each poll: the sweeper settles a forward only once its block has the
   * chain's confirmations (CONFIRMATIONS here), as the confirmer credits a payment.
   */
  const waitForForward = (id: string, what: string, check: (order: Order) => boolean, timeoutMs = 60_000) =>
    waitFor(`order ${id}: ${what}`, async () => {
      const order = await getOrder(id);
      if (check(order)) return order;
      await mine(url(), 1);
      return undefined;
    }, { intervalMs: 200, timeoutMs });

  beforeAll(async () => {
    // The operator funds the sweeper (the gateway does, before the API starts): it pays the forwards' gas, nothing else.
    gateway = await startGateway({
      database: "postgres",
      payers: [payer!, otherPayer!],
      merchants: [{ name: "Deposit Shop", payout }],
      confirmations: CONFIRMATIONS,
      sweeper: { privateKey: sweeperKey, funds: parseEther("10") },
      apiEnv: { CONFIRMER_INTERVAL_MS: "200", SWEEP_INTERVAL_MS: "300", SWEEP_RETRY_SECONDS: "1" },
    });
    merchant = gateway.merchants[0]!;
    handle = await gateway.openApiDatabase();
    receiver = await startVerifyingReceiver();
    receiver.useSecret(await merchant.addEndpoint(receiver.url));
  }, 240_000);

  afterAll(async () => {
    if (process.env.E2E_DEBUG) console.log(gateway?.api.output());
    await receiver?.stop();
    await handle?.close();
    await gateway?.stop();
  });

  it("a plain transfer pays the order: confirming, paid, forwarded, and the merchant's wallet grew", async () => {
    const order = await createOrder("12.5");
    expect(order.depositAddress).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(await publicClient().getCode({ address: getAddress(order.depositAddress!) })).toBeUndefined();
    const before = await balanceOf(payout);

    const hash = await transfer(order.depositAddress!, "12.5");
    const confirming = await waitForOrder(order.id, "confirming", (o) => o.status === "confirming");
    expect(confirming.payments).toMatchObject([{ method: "transfer", payer, depositAddress: order.depositAddress, amount: "12.5", state: "confirming", txHash: hash }]);
    expect(confirming.payments[0]!.forward?.status).toBe("pending");
    await mine(url(), CONFIRMATIONS - 1);
    await waitForOrder(order.id, "paid", (o) => o.status === "paid");

    const done = await waitForForward(order.id, "forwarded", (o) => forwarded(o, 1));
    const forwardTx = hexOf(done.payments[0]!.forward!.txHash);
    const receipt = await publicClient().getTransactionReceipt({ hash: forwardTx });
    expect(receipt.status).toBe("success");
    expect(receipt.to?.toLowerCase()).toBe(record().depositFactory!.toLowerCase());
    expect(await balanceOf(payout)).toBe(before + parseUnits("12.5", 6));
    expect(await balanceOf(order.depositAddress!)).toBe(0n);

    // The merchant's server heard it, with the payment's method and sender.
    const paid = await waitFor("order.paid at the receiver", () => receiver.delivered.find((e) => e.orderId === order.id && e.type === "order.paid"));
    const snapshotOrder = eventOrderSchema.parse(paid.order);
    expect(snapshotOrder.depositAddress).toBe(order.depositAddress);
    expect(snapshotOrder.payments[0]).toMatchObject({ method: "transfer", payer, depositAddress: order.depositAddress });
    expect(receiver.rejected).toEqual([]);

    // The operator sees the sweeper's balance (it paid the forward's gas).
    const metrics = await (await fetch(`${gateway.api.url}/metrics`)).text();
    const gauge = new RegExp(`stablegate_sweeper_balance_wei\\{chain_id="${CHAIN}",address="${privateKeyToAccount(sweeperKey).address}"\\} (\\d+)`).exec(metrics);
    expect(gauge, metrics).not.toBeNull();
    expect(BigInt(gauge![1]!)).toBeLessThan(parseEther("10"));
    expect(metrics).toContain(`stablegate_sweeper_balance_low{chain_id="${CHAIN}"} 0`);
  }, 180_000);

  it("adds up two partial transfers from two wallets: underpaid, then paid; both forwarded", async () => {
    const order = await createOrder("10");
    const before = await balanceOf(payout);
    await transfer(order.depositAddress!, "4");
    await mine(url(), CONFIRMATIONS - 1);
    await waitForOrder(order.id, "underpaid with 4", (o) => o.status === "underpaid" && o.amountReceived === "4");
    await transfer(order.depositAddress!, "6", { from: otherPayer! });
    await mine(url(), CONFIRMATIONS - 1);
    const paid = await waitForForward(order.id, "paid and both forwarded", (o) => o.status === "paid" && forwarded(o, 2));
    expect(paid.amountReceived).toBe("10");
    expect(paid.payments.map((p) => p.payer).sort()).toEqual([payer, otherPayer].sort());
    expect(await balanceOf(payout)).toBe(before + parseUnits("10", 6));
  }, 180_000);

  it("a payment through the router that names the deposit address as its merchant pays the order as a transfer, and is forwarded", async () => {
    // Not what the checkout offers (contractPayment names the payout), but the router takes any merchant address: the
    // indexer stores a router transaction's Transfer only as its payment row, and the deposit read finds it there.
    const order = await createOrder("7");
    const before = await balanceOf(payout);
    const usdt = tokenBySymbol(record(), "USDT");
    const [hash] = await sendPayments(url(), record(), [{ token: usdt.address, amount: parseUnits("7", usdt.decimals), orderRef: randomOrderRef(), payer: payer!, merchant: getAddress(order.depositAddress!) }]);
    await mine(url(), CONFIRMATIONS - 1);
    const paid = await waitForForward(order.id, "paid and forwarded", (o) => o.status === "paid" && forwarded(o, 1));
    expect(paid.payments).toMatchObject([{ method: "transfer", payer, depositAddress: order.depositAddress, amount: "7", txHash: hash }]);
    // Not also kept unmatched as a router payment (its orderRef names no order): it paid this order, once.
    expect(await handle.db.select().from(unmatchedPayments).where(eq(unmatchedPayments.txHash, hash!.toLowerCase()))).toEqual([]);
    expect(await balanceOf(payout)).toBe(before + parseUnits("7", usdt.decimals));
    expect(await balanceOf(order.depositAddress!)).toBe(0n);
  }, 180_000);

  it("a transfer after the order was cancelled is paid_late, and forwarded", async () => {
    const order = await createOrder("5");
    await merchant.read(orderRoutes.cancelOrder, 200, `/v1/orders/${order.id}/cancel`);
    await transfer(order.depositAddress!, "5");
    await mine(url(), CONFIRMATIONS - 1);
    const late = await waitForForward(order.id, "paid_late and forwarded", (o) => o.status === "paid_late" && forwarded(o, 1));
    expect(late.amountReceived).toBe("5");
  }, 180_000);

  it("a wrong token sent to the deposit address is unmatched for the merchant, never credited, and forwarded all the same", async () => {
    const order = await createOrder("3");
    const before = await balanceOf(payout, "USDT18");
    const hash = await transfer(order.depositAddress!, "3", { symbol: "USDT18" });
    await mine(url(), CONFIRMATIONS - 1);
    const row = await waitFor("the unmatched row forwarded", async () => {
      const [found] = await handle.db.select().from(unmatchedPayments).where(eq(unmatchedPayments.txHash, hash.toLowerCase()));
      if (found?.forwardStatus === "forwarded") return found;
      await mine(url(), 1); // the forward settles once final
      return undefined;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    expect(row).toMatchObject({ reason: "wrong_token", orderId: order.id, method: "transfer", merchantAddress: order.depositAddress });
    expect(await balanceOf(payout, "USDT18")).toBe(before + parseUnits("3", 18));
    const seen = await getOrder(order.id);
    expect(seen).toMatchObject({ status: "pending", amountReceived: "0", payments: [] });
  }, 180_000);

  it("a reorg that removes a transfer before its confirmations reverts it: the order goes back, nothing is forwarded", async () => {
    const order = await createOrder("8");
    const beforeTransfer = await snapshot(url());
    const hash = await transfer(order.depositAddress!, "8");
    await waitForOrder(order.id, "confirming", (o) => o.status === "confirming");
    await revertTo(url(), beforeTransfer);
    await mine(url(), 2); // the other branch is longer: the indexer follows it
    const back = await waitForOrder(order.id, "the transfer reverted", (o) => o.payments[0]?.state === "reverted");
    expect(back.status).toBe("pending");
    expect(back.amountReceived).toBe("0");
    const [row] = await handle.db.select().from(payments).where(eq(payments.txHash, hash.toLowerCase()));
    expect(row).toMatchObject({ state: "reverted", revertReason: "reorged_before_confirmation", forwardStatus: "pending", forwardTxHash: null });
    expect(await balanceOf(order.depositAddress!)).toBe(0n);
  }, 180_000);

  it("a forward the token refuses (blacklisted payout) is failed and visible, retried, and forwarded once the payout can receive", async () => {
    const tether = { address: tokenBySymbol(record(), "USDT").address, abi: blacklistAbi, chain: null, account: DEV_ACCOUNTS.deployer } as const;
    const wallet = createWalletClient({ transport: http(url()) });
    const order = await createOrder("2");
    const before = await balanceOf(payout);
    await publicClient().waitForTransactionReceipt({ hash: await wallet.writeContract({ ...tether, functionName: "addBlackList", args: [payout] }) });
    try {
      await transfer(order.depositAddress!, "2");
      await mine(url(), CONFIRMATIONS - 1);
      const failed = await waitForForward(order.id, "its forward failed", (o) => o.payments[0]?.forward?.status === "failed");
      expect(failed.status).toBe("paid");
      expect(failed.payments[0]!.forward!.error).toMatch(/refused|reverted/);
      expect(await balanceOf(order.depositAddress!)).toBe(parseUnits("2", 6)); // in place, visible
    } finally {
      await publicClient().waitForTransactionReceipt({ hash: await wallet.writeContract({ ...tether, functionName: "removeBlackList", args: [payout] }) });
    }
    const done = await waitForForward(order.id, "forwarded on a retry", (o) => forwarded(o, 1));
    expect(done.payments[0]!.forward!.attempts).toBeGreaterThanOrEqual(1);
    expect(await balanceOf(payout)).toBe(before + parseUnits("2", 6));
    expect(await balanceOf(order.depositAddress!)).toBe(0n);
  }, 180_000);

  it("a reorg that takes out a mined forward: never shown forwarded before final, the same bytes mined again, forwarded once", async () => {
    const order = await createOrder("7");
    const before = await balanceOf(payout);
    await transfer(order.depositAddress!, "7");
    const forwardOf = async () => {
      const rows = await handle.db.select().from(sweeperTransactions);
      return rows.find((tx) => tx.items.some((item) => item.depositAddress.toLowerCase() === order.depositAddress!.toLowerCase()));
    };
    let sent: Awaited<ReturnType<typeof forwardOf>>;
    await setAutomine(url(), false);
    try {
      await mine(url(), CONFIRMATIONS - 1); // the transfer is final: the order is paid and its forward is due
      sent = await waitFor("the forward recorded and in the pool", async () => {
        const row = await forwardOf();
        return row && (await publicClient().getTransaction({ hash: hexOf(row.txHash) }).catch(() => null)) ? row : undefined;
      }, { timeoutMs: 60_000, intervalMs: 100 });
      const beforeForward = await snapshot(url());
      await mine(url(), 1); // the forward is mined, one block of the three it needs
      expect(await balanceOf(order.depositAddress!)).toBe(0n);
      // Several sweeper passes (SWEEP_INTERVAL_MS 300) see its receipt; none may call it forwarded yet.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await getOrder(order.id)).payments[0]!.forward).toMatchObject({ status: "sent", txHash: sent!.txHash });
      // The reorg: the forward's block is gone, and the node has forgotten the transaction too.
      await revertTo(url(), beforeForward);
      await rpc(url(), "hardhat_dropTransaction", [sent!.txHash]);
      await mine(url(), 2); // the other branch, longer and without the forward
      expect(await balanceOf(order.depositAddress!)).toBe(parseUnits("7", 6)); // back where the customer sent them
      expect((await getOrder(order.id)).payments[0]!.forward?.status).toBe("sent");
      await waitFor("the same signed forward back in the pool", async () =>
        (await publicClient().getTransaction({ hash: hexOf(sent!.txHash) }).catch(() => null)) ?? undefined,
      { timeoutMs: 60_000, intervalMs: 200 });
    } finally {
      await setAutomine(url(), true);
    }
    const done = await waitForForward(order.id, "forwarded once final", (o) => forwarded(o, 1));
    expect(done.payments[0]!.forward!.txHash).toBe(sent!.txHash);
    expect(await balanceOf(payout)).toBe(before + parseUnits("7", 6));
    expect(await balanceOf(order.depositAddress!)).toBe(0n);
    const all = (await handle.db.select().from(sweeperTransactions)).filter((tx) =>
      tx.items.some((item) => item.depositAddress.toLowerCase() === order.depositAddress!.toLowerCase()));
    expect(all).toEqual([expect.objectContaining({ txHash: sent!.txHash, status: "mined" })]);
  }, 180_000);

  it("a deposit address another factory made (the record changed since the order) is failed, saying so, never shown forwarded", async () => {
    const order = await createOrder("6");
    // As if the order had been made under an earlier DepositFactory: its address is that factory's, not the record's.
    const earlierFactory = privateKeyToAccount(generatePrivateKey()).address;
    const foreign = depositAddress({ factory: earlierFactory, payout, orderRef: hexOf(order.orderRef) });
    await handle.db.update(orders).set({ depositAddress: foreign }).where(eq(orders.id, order.id));
    await transfer(foreign, "6");
    await mine(url(), CONFIRMATIONS - 1);
    const failed = await waitForForward(order.id, "its forward refused", (o) => o.payments[0]?.forward?.status === "failed");
    expect(failed.status).toBe("paid");
    expect(failed.payments[0]!.forward!.error).toMatch(/not made by this chain's DepositFactory/);
    expect(await balanceOf(foreign)).toBe(parseUnits("6", 6)); // in place, visible, for the factory that made it
    const sent = (await handle.db.select().from(sweeperTransactions)).filter((tx) => tx.items.some((item) => item.depositAddress.toLowerCase() === foreign.toLowerCase()));
    expect(sent).toEqual([]);
  }, 180_000);

  it("kill -9 during a batch forward, then a restart: every address forwarded exactly once, no funds lost", async () => {
    await gateway.stopApi();
    // A low-balance threshold above what the sweeper has: the operator is warned, in the log and in /metrics.
    await gateway.startApi({ SWEEP_POLICY: "batch", SWEEP_BATCH_SIZE: "3", SWEEP_BATCH_MAX_WAIT_SECONDS: "3600", SWEEPER_LOW_BALANCE: "1000" });
    await waitFor("the low-balance warning", () => /warning: sweeper 0x[0-9a-fA-F]{40} on chain 31337 has [0-9.]+ native coin left/.test(gateway.api.output()));
    expect(await (await fetch(`${gateway.api.url}/metrics`)).text()).toContain(`stablegate_sweeper_balance_low{chain_id="${CHAIN}"} 1`);
    expect(gateway.api.output()).not.toContain(sweeperKey.slice(2));
    const orders = [await createOrder("1"), await createOrder("2"), await createOrder("3")];
    const before = await balanceOf(payout);
    for (const [i, order] of orders.entries()) await transfer(order.depositAddress!, String(i + 1));
    // The forward is signed and recorded, then broadcast into a mempool that mines nothing: kill the API there.
    await setAutomine(url(), false);
    try {
      await mine(url(), CONFIRMATIONS - 1);
      const sent = await waitFor("the batch forward recorded", async () => {
        const rows = await handle.db.select().from(sweeperTransactions).where(eq(sweeperTransactions.status, "sent"));
        return rows.length === 1 ? rows[0] : undefined;
      }, { timeoutMs: 60_000, intervalMs: 100 });
      expect(sent!.items).toHaveLength(3);
      await gateway.killApi();
      // Worst case: the broadcast never reached the node (dropped from its pool).
      await rpc(url(), "hardhat_dropTransaction", [sent!.txHash]);
      await gateway.startApi({ SWEEP_POLICY: "batch", SWEEP_BATCH_SIZE: "3", SWEEP_BATCH_MAX_WAIT_SECONDS: "3600" });
      // The restarted sweeper sends the same signed bytes again (same nonce, same hash), never a second transaction.
      await waitFor("the same forward back in the pool", async () => {
        const tx = await publicClient().getTransaction({ hash: hexOf(sent!.txHash) }).catch(() => null);
        return tx ?? undefined;
      }, { timeoutMs: 60_000, intervalMs: 200 });
      await mine(url(), 1);
    } finally {
      await setAutomine(url(), true);
    }
    for (const order of orders) await waitForForward(order.id, "paid and forwarded", (o) => o.status === "paid" && forwarded(o, 1));
    expect(await balanceOf(payout)).toBe(before + parseUnits("6", 6));
    for (const order of orders) expect(await balanceOf(order.depositAddress!)).toBe(0n);
    const all = await handle.db.select().from(sweeperTransactions);
    const forOrders = all.filter((tx) => tx.items.some((item) => orders.some((o) => o.depositAddress!.toLowerCase() === item.depositAddress.toLowerCase())));
    expect(forOrders).toHaveLength(1);
    expect(forOrders[0]).toMatchObject({ status: "mined" });
    const rows = await handle.db.select().from(payments).where(and(eq(payments.method, "transfer"), eq(payments.forwardTxHash, forOrders[0]!.txHash)));
    expect(rows).toHaveLength(3);
  }, 240_000);

  it("a reorg replaces a block the deposit scan had passed: its new transfer to another order is credited, the removed one reverted", async () => {
    const [gone, fresh] = [await createOrder("4"), await createOrder("5")];
    const beforeTransfer = await snapshot(url());
    await transfer(gone.depositAddress!, "4");
    await mine(url(), 1);
    await waitForOrder(gone.id, "confirming", (o) => o.status === "confirming");
    // The scan has stored that block; the other branch puts a transfer to an address never seen at the same height.
    await waitFor("the scan past the transfer's block", async () => {
      const [row] = await handle.db.select().from(confirmerCursors).where(eq(confirmerCursors.chainId, CHAIN));
      return row?.depositScan && BigInt(row.depositScan.through) >= BigInt(await publicClient().getBlockNumber()) ? row : undefined;
    });
    await revertTo(url(), beforeTransfer);
    await transfer(fresh.depositAddress!, "5");
    await mine(url(), 2); // longer: the indexer follows it
    await waitForOrder(fresh.id, "the new branch's transfer", (o) => o.payments.length === 1);
    await waitForOrder(gone.id, "the removed transfer reverted", (o) => o.payments[0]?.state === "reverted");
    await mine(url(), CONFIRMATIONS);
    const paid = await waitForOrder(fresh.id, "paid", (o) => o.status === "paid");
    expect(paid.payments).toMatchObject([{ method: "transfer", amount: "5", state: "confirmed" }]);
    expect(await getOrder(gone.id)).toMatchObject({ status: "pending", amountReceived: "0" });
  }, 180_000);
});
