/**
 * The indexer's core behaviour against real parts: two Hardhat/EDR chains, the gateway deployed by the operator's
 * script, a real `ponder start` process and HTTP reads through `@ponder/client`. Run once per database
 * (`payment-indexer.pglite.test.ts`, `payment-indexer.postgres.test.ts`). The tests share one stack and run in order.
 */
import { eq } from "@ponder/client";
import { type Address, createPublicClient, createWalletClient, erc20Abi, type Hash, type Hex, http } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { payment } from "../../indexer/ponder.schema.js";
import type { RunningIndexer } from "../../scripts/stack/indexer-process.js";
import { rpc } from "../../scripts/stack/local-chain.js";
import { blockNumber, mine, revertTo, setAutomine, snapshot } from "../support/chain.js";
import type { TestDatabaseKind } from "../support/database.js";
import { type IndexerStatus, indexedPayments, paymentClient, type PaymentRow, waitForIndexedHead } from "../support/indexer.js";
import {
  DEV_ACCOUNTS,
  allPaymentLogs,
  type Payment,
  type PaymentLog,
  pay,
  paymentLogsOf,
  randomOrderRef,
  sendPayments,
  tokenBySymbol,
} from "../support/payments.js";
import { type StackChain, type TestStack, startTestStack } from "../support/stack.js";
import { waitFor } from "../support/wait.js";

const MAIN = 31337;
const randomAddress = () => privateKeyToAccount(generatePrivateKey()).address;
const SECOND = 1337;

// The indexer's own answers (outside the gateway's OpenAPI document), checked as the suite reads them.
const statusAnswer: z.ZodType<IndexerStatus> = z.record(z.string(), z.object({ id: z.number(), block: z.object({ number: z.number(), timestamp: z.number() }) }));
const paymentsAnswer = z.object({ data: z.object({ payments: z.object({ totalCount: z.number(), items: z.array(z.object({ orderRef: z.string(), amount: z.string() })) }) }) });
const depositTransfersAnswer = z.object({ transfers: z.array(z.looseObject({ to: z.string() })), blocks: z.array(z.looseObject({ number: z.string(), hash: z.string() })) });

export function paymentIndexerSuite(databaseKind: TestDatabaseKind): void {
  let stack: TestStack;
  let indexer: RunningIndexer;
  const backfilled: PaymentLog[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ chainIds: [MAIN, SECOND], database: databaseKind });
    for (const chain of stack.chains) backfilled.push(...(await payBeforeTheIndexerStarts(chain)));
    indexer = await stack.startIndexer();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** Waits until the indexer has every block the chains have mined so far. */
  async function caughtUp(): Promise<void> {
    for (const chain of stack.chains) await waitForIndexedHead(indexer.url, chain.chainId, await blockNumber(chain.url));
  }

  /** The rows must be exactly the chains' PaymentReceived logs: none missing, none doubled, none left from a fork. */
  async function expectRowsToMatchTheChains(): Promise<PaymentRow[]> {
    await caughtUp();
    const rows = await indexedPayments(indexer.url);
    const logs = (await Promise.all(stack.chains.map((chain) => allPaymentLogs(chain.url, chain.record)))).flat();
    const key = (p: Pick<PaymentLog, "chainId" | "txHash" | "logIndex" | "blockHash" | "amount">) =>
      `${p.chainId}:${p.txHash}:${p.logIndex}:${p.blockHash}:${p.amount}`.toLowerCase();
    expect(rows.map(key).sort()).toEqual(logs.map(key).sort());
    return rows;
  }

  it("backfills the payments mined before it started: count and sum match the chain", async () => {
    const rows = await expectRowsToMatchTheChains();
    for (const chainId of [MAIN, SECOND]) {
      const chainRows = rows.filter((row) => row.chainId === chainId);
      const chainPayments = backfilled.filter((log) => log.chainId === chainId);
      expect(chainRows).toHaveLength(chainPayments.length);
      expect(chainRows.reduce((sum, row) => sum + row.amount, 0n)).toBe(chainPayments.reduce((sum, log) => sum + log.amount, 0n));
    }
    // Several payments shared a block: they are told apart by log index.
    expect(new Set(rows.map((row) => `${row.chainId}:${row.blockNumber}`)).size).toBeLessThan(rows.length);
  });

  it("stores a new payment on each chain with every field, read through @ponder/client", async () => {
    const { db } = paymentClient(indexer.url);
    for (const chain of stack.chains) {
      // 18 decimals and more than 2^64 base units: amounts must survive as exact bigints.
      const token = tokenBySymbol(chain.record, "USDT18");
      const paid = await pay(chain.url, chain.record, { token: token.address, amount: 123_456_789_012_345_678_901n, orderRef: randomOrderRef() });
      const block = await rpc<{ timestamp: Hex }>(chain.url, "eth_getBlockByHash", [paid.blockHash, false]);

      const rows = await waitForRows(() => db.select().from(payment).where(eq(payment.orderRef, paid.orderRef)));
      expect(rows).toEqual([
        {
          chainId: chain.chainId,
          router: chain.record.router.toLowerCase(),
          txHash: paid.txHash,
          logIndex: paid.logIndex,
          blockNumber: paid.blockNumber,
          blockHash: paid.blockHash,
          blockTimestamp: BigInt(block.timestamp),
          orderRef: paid.orderRef,
          merchant: paid.merchant.toLowerCase(),
          payer: paid.payer.toLowerCase(),
          token: token.address.toLowerCase(),
          amount: 123_456_789_012_345_678_901n,
        },
      ]);
    }
  });

  it("serves /status per chain, /ready, /health, /metrics and /graphql", async () => {
    await caughtUp();
    const status = statusAnswer.parse(await (await fetch(`${indexer.url}/status`)).json());
    expect(Object.keys(status).sort()).toEqual([`chain${SECOND}`, `chain${MAIN}`]);
    for (const chain of stack.chains) {
      const head = status[`chain${chain.chainId}`]!;
      expect(head.id).toBe(chain.chainId);
      expect(head.block.number).toBe(await blockNumber(chain.url));
      expect(head.block.timestamp).toBeGreaterThan(0);
    }
    expect((await fetch(`${indexer.url}/ready`)).status).toBe(200);
    expect((await fetch(`${indexer.url}/health`)).status).toBe(200);
    expect(await (await fetch(`${indexer.url}/metrics`)).text()).toContain("ponder_");

    const graphql = await fetch(`${indexer.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ payments(limit: 1000) { totalCount items { orderRef amount } } }" }),
    });
    const { data } = paymentsAnswer.parse(await graphql.json());
    expect(data.payments.totalCount).toBe((await indexedPayments(indexer.url)).length);
  });

  it("serves /deposit-transfers: transfers to the addresses, every transfer in the blocks not seen, each block's hash", async () => {
    const chain = stack.chain(MAIN);
    const token = tokenBySymbol(chain.record, "USDT");
    const [x, y, z] = [randomAddress(), randomAddress(), randomAddress()];
    const wallet = createWalletClient({ transport: http(chain.url) });
    const send = (to: Address, amount: bigint) =>
      wallet.writeContract({ account: DEV_ACCOUNTS.payers[0]!, chain: null, address: token.address, abi: erc20Abi, functionName: "transfer", args: [to, amount] });
    // Two transfers in one block (x and y), one more in the next (z), beside a payment through the router to m (its
    // Transfer is stored as the payment row only).
    const m = randomAddress();
    await setAutomine(chain.url, false);
    try {
      const [hx] = [await send(x, 1_000_000n), await send(y, 2_000_000n)];
      await mine(chain.url, 1);
      await send(z, 3_000_000n);
      const [routed] = await sendPayments(chain.url, chain.record, [{ token: token.address, amount: 4_000_000n, orderRef: randomOrderRef(), merchant: m }]);
      await mine(chain.url, 1);
      const head = BigInt(await blockNumber(chain.url));
      await caughtUp();
      const receipt = await createPublicClient({ transport: http(chain.url) }).getTransactionReceipt({ hash: hx });
      const ask = (body: Record<string, unknown>) =>
        fetch(`${indexer.url}/deposit-transfers`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const transfers = async (body: Record<string, unknown>) => {
        const response = await ask(body);
        expect(response.status).toBe(200);
        return depositTransfersAnswer.parse(await response.json());
      };
      const window = { chainId: MAIN, fromBlock: String(receipt.blockNumber), toBlock: String(head) };
      const only = await transfers({ ...window, addresses: [x] });
      expect(only.transfers).toEqual([
        expect.objectContaining({ chainId: MAIN, txHash: hx, blockNumber: String(receipt.blockNumber), blockHash: receipt.blockHash, to: x.toLowerCase(), amount: "1000000" }),
      ]);
      expect(only.blocks).toEqual([
        { number: String(receipt.blockNumber), hash: receipt.blockHash },
        { number: String(head), hash: (await rpc<{ hash: Hex }>(chain.url, "eth_getBlockByNumber", [`0x${head.toString(16)}`, false])).hash },
      ]);
      // The first block seen: of it only x's (an address asked); the next block in full.
      const seen = [`${receipt.blockNumber}:${receipt.blockHash}`];
      const incremental = await transfers({ ...window, addresses: [x], seen });
      expect(incremental.transfers.map((t) => t.to)).toEqual([x.toLowerCase(), z.toLowerCase()]);
      // Nothing seen: every transfer of the window, in chain order.
      const all = await transfers({ ...window, addresses: [], seen: [] });
      expect(all.transfers.map((t) => t.to)).toEqual([x, y, z].map((a) => a.toLowerCase()));
      expect((await transfers({ ...window, addresses: [m] })).transfers).toEqual([]);
      expect((await indexedPayments(indexer.url)).filter((p) => p.txHash === routed && p.merchant === m.toLowerCase())).toHaveLength(1);
      expect((await ask({ ...window, addresses: [], seen: ["12:0xnothex"] })).status).toBe(400);
    } finally {
      await setAutomine(chain.url, true);
    }
  });

  it("drops a payment that a reorg removes and indexes the one that replaces it", async () => {
    const chain = stack.chain(MAIN);
    const usdt = tokenBySymbol(chain.record, "USDT").address;
    const fork = await snapshot(chain.url);
    const removed = await pay(chain.url, chain.record, { token: usdt, amount: 1_000_000n, orderRef: randomOrderRef() });
    await waitForRows(() => rowsOf(removed));

    // The chain goes back to before the payment and grows a different, longer branch.
    await revertTo(chain.url, fork);
    const replacement = await pay(chain.url, chain.record, { token: usdt, amount: 2_000_000n, orderRef: randomOrderRef() });
    await mine(chain.url, 2);
    expect(replacement.blockNumber).toBe(removed.blockNumber);
    expect(replacement.blockHash).not.toBe(removed.blockHash);

    const [row] = await waitForRows(() => rowsOf(replacement));
    expect(row).toMatchObject({ txHash: replacement.txHash, blockHash: replacement.blockHash, amount: 2_000_000n });
    expect(await rowsOf(removed)).toEqual([]);
    await expectRowsToMatchTheChains();

    // What the API's confirmer asks before it calls a missing payment reorged: the block at that height now.
    const height = replacement.blockNumber;
    const hashes = await fetch(`${indexer.url}/block-hashes/${MAIN}?numbers=${height},${height + 1_000_000n}`);
    expect(await hashes.json()).toEqual({
      blocks: [
        { number: String(height), hash: replacement.blockHash },
        { number: String(height + 1_000_000n), hash: null },
      ],
    });
    expect((await fetch(`${indexer.url}/block-hashes/${MAIN}?numbers=0x10`)).status).toBe(400);
    expect((await fetch(`${indexer.url}/block-hashes/999?numbers=1`)).status).toBe(404);
  });

  it("restarts mid-stream without missing or doubling a row", async () => {
    const chain = stack.chain(MAIN);
    const usdt = tokenBySymbol(chain.record, "USDT").address;
    let paying = true;
    let paid = 0;
    // Payments keep coming, one block each, while the indexer is stopped and started again.
    const stream = (async () => {
      while (paying) {
        await pay(chain.url, chain.record, { token: usdt, amount: BigInt(1 + paid), orderRef: randomOrderRef() });
        paid += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      await until(() => paid >= 5);
      await indexer.stop();
      const paidWhileRunning = paid;
      await until(() => paid >= paidWhileRunning + 5);
      indexer = await stack.startIndexer();
      const paidAtRestart = paid;
      await until(() => paid >= paidAtRestart + 5);
    } finally {
      paying = false;
      await stream;
    }
    const rows = await expectRowsToMatchTheChains();
    expect(new Set(rows.map((row) => `${row.chainId}:${row.txHash}:${row.logIndex}`)).size).toBe(rows.length);
  });

  async function rowsOf(log: PaymentLog) {
    const { db } = paymentClient(indexer.url);
    return await db.select().from(payment).where(eq(payment.orderRef, log.orderRef));
  }
}

/** Twelve payments in two blocks (all three tokens), buried under Ponder's 30-block finality, then two recent ones. */
async function payBeforeTheIndexerStarts(chain: StackChain): Promise<PaymentLog[]> {
  const payments: Payment[] = chain.record.tokens.flatMap((token, t) =>
    [1n, 2n, 3n, 4n].map((n) => ({ token: token.address, amount: n * 10n ** BigInt(token.decimals) + BigInt(t), orderRef: randomOrderRef() })),
  );
  await setAutomine(chain.url, false);
  const hashes: Hash[] = [];
  try {
    for (const half of [payments.slice(0, 6), payments.slice(6)]) {
      hashes.push(...(await sendPayments(chain.url, chain.record, half)));
      await mine(chain.url);
    }
  } finally {
    await setAutomine(chain.url, true);
  }
  const logs = await paymentLogsOf(chain.url, chain.record, hashes);
  await mine(chain.url, 40);
  const usdt = tokenBySymbol(chain.record, "USDT").address;
  for (const amount of [5n, 6n]) logs.push(await pay(chain.url, chain.record, { token: usdt, amount, orderRef: randomOrderRef() }));
  return logs;
}

async function waitForRows<T>(query: () => Promise<T[]>): Promise<T[]> {
  return await waitFor("the payment's row", async () => {
    const rows = await query();
    return rows.length > 0 ? rows : undefined;
  });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}
