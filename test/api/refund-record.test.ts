/**
 * `POST /v1/refunds/{id}/transaction` refusals, the API in-process against a real Hardhat/EDR chain for the
 * receipts (RPC_URL_31337): bad input, another merchant's refund, a refund that cannot take a transaction, a chain
 * without an RPC, a hash the chain does not know, a transaction that moves no token. The paying cases (a plain
 * transfer, a RefundRouter refund, a reverted one, a fee-on-transfer token, reorgs) are in test/e2e/refunds.test.ts.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { getAddress, type Hash } from "viem";
import { Confirmer } from "../../api/confirmer/confirmer.js";
import { rpc } from "../../scripts/stack/local-chain.js";
import { type DevChain, startDevChain } from "../support/chain.js";
import { DEV_ACCOUNTS } from "../support/payments.js";
import { MemoryPaymentSource } from "../support/memory-source.js";
import { BASE, createHarness, describeBackends, LOCAL, orderBody, PAYOUT, ROUTER, TOKENS, type Harness, type TestMerchant } from "../support/harness.js";
import * as ordersRoutes from "../../api/routes/orders/orders.routes.js";
import * as refundsRoutes from "../../api/routes/refunds/refunds.routes.js";
import { hexOf, readAs, readError } from "../support/api-client.js";

const PAYER = getAddress("0x000000000000000000000000000000000000fa11");

describeBackends("recording a refund by transaction hash: refusals", (backend) => {
  let chain: DevChain;
  let h: Harness;
  let m: TestMerchant;
  let payments: MemoryPaymentSource;
  let confirmer: Confirmer;

  beforeAll(async () => {
    chain = await startDevChain();
    h = await createHarness(backend, { env: { RPC_URL_31337: chain.url } });
    m = await h.merchant();
    payments = new MemoryPaymentSource();
    confirmer = new Confirmer({ db: h.db, source: payments, chains: h.chains, publicBaseUrl: h.config.publicBaseUrl, now: h.clock.now });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await chain?.stop();
  });

  const refusal = async (res: Response, status: number) => (await readError(res, status)).error;
  let block = 1_000n;
  /** A 10-token order on `chainId`, paid by PAYER and confirmed; then a refund of `amount`. */
  const refundOf = async (amount: string, chainId = LOCAL) => {
    const order = await readAs(await m.call("POST", "/v1/orders", { body: orderBody({ amount: "10", chainId, symbol: chainId === BASE ? "USDC" : "USDT" }) }), ordersRoutes.createQrOrder, 201);
    const token = chainId === BASE ? TOKENS.BASE_USDC : TOKENS.USDT;
    block += 300n; // above the last head: the confirmer reads from its settled block on
    payments.pay({ chainId, router: ROUTER, orderRef: hexOf(order.orderRef), merchant: PAYOUT, token, amount: 10_000_000n, blockNumber: block, blockTimestamp: h.clock.now(), payer: PAYER });
    payments.setHead(chainId, block + 200n);
    await confirmer.confirmAll();
    return readAs(await m.call("POST", `/v1/orders/${order.id}/refunds`, { body: { amount, reason: "returned" } }), refundsRoutes.createRefund, 201);
  };
  const record = (refundId: string, body: unknown, call = m.call) => call("POST", `/v1/refunds/${refundId}/transaction`, { body });

  it("refuses a malformed hash or body with 422 naming txHash", async () => {
    const refund = await refundOf("1");
    for (const body of [{ txHash: "0x1234" }, { txHash: `0x${"zz".repeat(32)}` }, {}, { txHash: `0x${"ab".repeat(32)}`, extra: 1 }]) {
      const error = await refusal(await record(refund.id, body), 422);
      expect(error.code).toBe("validation_failed");
      expect(JSON.stringify(error.details)).toMatch(/txHash|extra/);
    }
  });

  it("answers 404 for another merchant's refund and for no refund at all", async () => {
    const refund = await refundOf("1");
    const other = await h.merchant({ name: "Other shop" });
    expect((await refusal(await record(refund.id, { txHash: `0x${"ab".repeat(32)}` }, other.call), 404)).code).toBe("not_found");
    expect((await refusal(await record("rfd_01JD3S6X2V8Q0000000000000", { txHash: `0x${"ab".repeat(32)}` }), 404)).code).toBe("not_found");
  });

  it("refuses a cancelled refund with 409 refund_not_recordable", async () => {
    const refund = await refundOf("1");
    await readAs(await m.call("POST", `/v1/refunds/${refund.id}/cancel`), refundsRoutes.cancelRefund, 200);
    const error = await refusal(await record(refund.id, { txHash: `0x${"ab".repeat(32)}` }), 409);
    expect(error).toMatchObject({ code: "refund_not_recordable", message: expect.stringMatching(/cancelled/) });
  });

  it("says so (503 chain_unavailable) on a chain this API has no RPC for, naming the variable", async () => {
    const refund = await refundOf("1", BASE);
    const error = await refusal(await record(refund.id, { txHash: `0x${"ab".repeat(32)}` }), 503);
    expect(error).toMatchObject({ code: "chain_unavailable", message: expect.stringMatching(/RPC_URL_8453/) });
  });

  it("refuses a hash the chain does not know (tx_not_found) and a transaction that moves no token (tx_no_token_transfer)", async () => {
    const refund = await refundOf("2");
    const unknown = await refusal(await record(refund.id, { txHash: `0x${"ab".repeat(32)}` }), 422);
    expect(unknown).toMatchObject({ code: "tx_not_found", details: [{ field: "txHash", in: "body" }] });
    // A real transaction on the chain: plain ether, no token moved.
    const hash = await rpc<Hash>(chain.url, "eth_sendTransaction", [{ from: DEV_ACCOUNTS.merchant, to: PAYER, value: "0x1" }]);
    const error = await refusal(await record(refund.id, { txHash: hash }), 422);
    expect(error).toMatchObject({ code: "tx_no_token_transfer", message: expect.stringMatching(/moves no USDT/) });
    // Nothing changed: the refund is still pending, with no transaction.
    expect(await readAs(await m.call("GET", `/v1/refunds/${refund.id}`), refundsRoutes.getRefund, 200)).toMatchObject({ status: "pending", txHash: null, recordedTxHash: null });
  });
});
