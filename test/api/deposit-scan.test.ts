/**
 * The confirmer's deposit-transfer scan (api/confirmer/deposit-transfers.ts) attacked: each pass asks only the blocks
 * it has not scanned for every transfer, and the window only for the addresses it knows; the scan lives in the
 * database with the payments. The indexer here is an in-process HTTP server answering `POST /deposit-transfers` over
 * a list of token transfers exactly as indexer/src/api/deposit-transfers.ts answers over `token_transfer` (its SQL
 * is checked against the real Ponder in test/indexer), with the chain's blocks from the MemoryPaymentSource: a reorg
 * drops the transfers above its ancestor and gives those heights new blocks, as Ponder does.
 */
import { readAs } from "../support/api-client.js";
import * as ordersRoutes from "../../api/routes/orders/orders.routes.js";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { type Address, getAddress, type Hex } from "viem";
import { afterAll, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { Confirmer } from "../../api/confirmer/confirmer.js";
import { MAX_NEW_BLOCKS, withDepositTransfers } from "../../api/confirmer/deposit-transfers.js";
import { confirmerCursors, payments, unmatchedPayments } from "../../api/db/schema.js";
import type { Transaction } from "../../api/db/client.js";
import type { OrderView } from "../../api/orders/views.js";
import { MemoryPaymentSource } from "../support/memory-source.js";
import { createHarness, describeBackends, LOCAL, orderBody, testRecords, TOKENS, type Harness, type TestMerchant } from "../support/harness.js";

const FACTORY = "0x00000000000000000000000000000000000000F1";
const CONFIRMATIONS = 3;
const hex = (bytes: number) => `0x${randomBytes(bytes).toString("hex")}` as Hex;

type Transfer = { chainId: number; token: string; txHash: string; logIndex: number; blockNumber: bigint; blockHash: string; blockTimestamp: string; from: string; to: string; amount: string };
type Deposit = { to: string; amount?: bigint; txHash?: string; logIndex?: number };
/** What the confirmer asks the indexer's `/deposit-transfers` (the rest, e.g. chainId, kept as sent). */
const requestSchema = z.looseObject({ fromBlock: z.string(), toBlock: z.string(), addresses: z.array(z.string()), seen: z.array(z.string()).optional() });
type Request = z.output<typeof requestSchema>;

/** The indexer's `/deposit-transfers` over `transfers`, answering as its SQL does; `requests` keeps what was asked. */
class FakeIndexer {
  readonly transfers: Transfer[] = [];
  readonly requests: Request[] = [];
  /** Runs as each request arrives (a test's way to change the world while the indexer answers). */
  onRequest?: () => void;
  /** Rows Ponder's crash recovery has deleted and not indexed again yet: left out of every answer. */
  hidden = new Set<Transfer>();
  #server!: Server;
  url = "";

  async start() {
    this.#server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const request = requestSchema.parse(JSON.parse(body));
        this.requests.push(request);
        this.onRequest?.();
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(this.answer(request)));
      });
    });
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  answer({ fromBlock, toBlock, addresses, seen }: Request) {
    const rows = this.transfers.filter((t) => !this.hidden.has(t) && t.blockNumber >= BigInt(fromBlock) && t.blockNumber <= BigInt(toBlock));
    const wanted = new Set(addresses.map((a) => a.toLowerCase()));
    const scanned = seen && new Set(seen);
    const transfers = rows.filter((t) => wanted.has(t.to) || (scanned !== undefined && !scanned.has(`${t.blockNumber}:${t.blockHash}`)));
    const blocks = [...new Map(rows.map((t) => [`${t.blockNumber}:${t.blockHash}`, { number: String(t.blockNumber), hash: t.blockHash }])).values()];
    return { transfers: transfers.map((t) => ({ ...t, blockNumber: String(t.blockNumber) })), blocks };
  }

  stop() {
    return new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

describeBackends("deposit scan: new blocks in full, the window for known addresses, the scan stored with the payments", (backend) => {
  let h: Harness;
  let m: TestMerchant;
  let chain: MemoryPaymentSource;
  let indexer: FakeIndexer;
  let block: bigint;

  beforeAll(async () => {
    const records = testRecords().map((record) => (record.chainId === LOCAL ? { ...record, depositFactory: FACTORY as Address } : record));
    h = await createHarness(backend, { records, env: { CHAIN_CONFIRMATIONS: `${LOCAL}=${CONFIRMATIONS}` } });
    m = await h.merchant();
    chain = new MemoryPaymentSource();
    indexer = new FakeIndexer();
    await indexer.start();
    block = 10n;
    chain.setHead(LOCAL, block);
  });
  afterAll(async () => {
    await indexer?.stop();
    await h?.close();
  });

  /** A confirmer as an API instance starts one: its own source (nothing in memory), the shared database. */
  const instance = (fence?: (tx: Transaction) => Promise<void>) =>
    new Confirmer({
      db: h.db,
      source: withDepositTransfers(chain, { db: h.db, chains: h.chains, indexerUrl: indexer.url, watchSeconds: 3600, now: h.clock.now }),
      chains: h.chains,
      publicBaseUrl: h.config.publicBaseUrl,
      now: h.clock.now,
      ...(fence ? { fence } : {}),
    });
  const pass = async (confirmer = instance()) => (await confirmer.confirmAll()).find((p) => p.chainId === LOCAL)!;
  const createOrder = async () => await readAs(await m.call("POST", "/v1/orders", { body: orderBody({ amount: "10" }) }), ordersRoutes.createQrOrder, 201);
  /** A block of `unrelated` transfers (someone else's) at the next height, plus the given ones (returned). */
  const mineBlock = (deposits: Deposit[] = [], unrelated = 5) => {
    block += 1n;
    chain.setHead(LOCAL, block);
    const blockHash = chain.blockHash(LOCAL, block);
    const all: Deposit[] = [...Array.from({ length: unrelated }, () => ({ to: hex(20) as string })), ...deposits];
    const rows: Transfer[] = all.map((d, i) => ({
      chainId: LOCAL,
      token: TOKENS.USDT.toLowerCase(),
      txHash: (d.txHash ?? hex(32)).toLowerCase(),
      logIndex: d.logIndex ?? i,
      blockNumber: block,
      blockHash,
      blockTimestamp: String(Math.floor(h.clock.now().getTime() / 1000)),
      from: "0x000000000000000000000000000000000000fa11",
      to: d.to.toLowerCase(),
      amount: String(d.amount ?? 10_000_000n),
    }));
    indexer.transfers.push(...rows);
    return rows.slice(unrelated);
  };
  /** A reorg back to `ancestor`: the transfers above it are gone, those heights get new blocks (Ponder's revert). */
  const reorg = (ancestor: bigint) => {
    chain.reorg(LOCAL, ancestor);
    for (let i = indexer.transfers.length - 1; i >= 0; i--) if (indexer.transfers[i]!.blockNumber > ancestor) indexer.transfers.splice(i, 1);
    block = ancestor;
  };
  const paymentsOf = (order: OrderView) => h.db.select().from(payments).where(eq(payments.orderId, order.id));
  const lastRequest = () => indexer.requests.at(-1)!;
  const storedScan = async () => (await h.db.select().from(confirmerCursors).where(eq(confirmerCursors.chainId, LOCAL)))[0]?.depositScan ?? null;

  it("reads the window for every watched address once, then only the new blocks (every transfer) and the known addresses", async () => {
    const [a, b] = [await createOrder(), await createOrder()];
    mineBlock([{ to: a.depositAddress! }]);
    expect(await pass()).toMatchObject({ credited: 1 });
    // No scan stored yet: the whole window for every watched address (the pass before this design).
    expect(indexer.requests.at(-1)!.seen).toBeUndefined();
    expect(lastRequest().addresses).toEqual(expect.arrayContaining([a.depositAddress!.toLowerCase(), b.depositAddress!.toLowerCase()]));
    expect((await storedScan())?.through).toBe(String(block));

    const [t] = mineBlock([{ to: b.depositAddress!, amount: 4_000_000n }]);
    expect(await pass()).toMatchObject({ credited: 1 });
    // Now: the scanned blocks named, only the address with a transfer in the window sent.
    expect(lastRequest().seen).toEqual([`${block - 1n}:${chain.blockHash(LOCAL, block - 1n)}`]);
    expect(lastRequest().addresses).toEqual([a.depositAddress!.toLowerCase()]);
    expect(await paymentsOf(b)).toMatchObject([{ txHash: t!.txHash, amount: 4_000_000n, method: "transfer", state: "confirming" }]);
    // Nothing new: nothing credited twice, both known addresses re-read over the window.
    expect(await pass()).toMatchObject({ credited: 0, moved: 0, reverted: 0 });
    expect(lastRequest().addresses.sort()).toEqual([a.depositAddress!.toLowerCase(), b.depositAddress!.toLowerCase()].sort());
  });

  it("a reorg after the scan moved: the replaced block is scanned again, its new transfer credited, the removed one reverted", async () => {
    const [gone, fresh] = [await createOrder(), await createOrder()];
    const ancestor = block;
    mineBlock([{ to: gone.depositAddress! }]);
    mineBlock();
    expect(await pass()).toMatchObject({ credited: 1 });
    // The new branch: at the scanned heights, another transaction to another (never seen) deposit address.
    reorg(ancestor);
    mineBlock([{ to: fresh.depositAddress! }]);
    mineBlock();
    expect(await pass()).toMatchObject({ credited: 1, reverted: 1 });
    expect(await paymentsOf(gone)).toMatchObject([{ state: "reverted", revertReason: "reorged_before_confirmation" }]);
    expect(await paymentsOf(fresh)).toMatchObject([{ state: "confirming", blockNumber: ancestor + 1n }]);
  });

  it("a transfer a reorg re-includes at another height is the same payment: credited once, then paid", async () => {
    const order = await createOrder();
    const ancestor = block;
    const [t] = mineBlock([{ to: order.depositAddress! }]);
    expect(await pass()).toMatchObject({ credited: 1 });
    reorg(ancestor);
    mineBlock();
    mineBlock([{ to: order.depositAddress!, txHash: t!.txHash, logIndex: 7 }]);
    expect(await pass()).toMatchObject({ credited: 0, moved: 1, reverted: 0 });
    block += BigInt(CONFIRMATIONS);
    chain.setHead(LOCAL, block);
    await pass();
    expect(await paymentsOf(order)).toMatchObject([{ state: "confirmed", blockNumber: ancestor + 2n, logIndex: 7 }]);
    expect((await (await m.call("GET", `/v1/contract-payment?orderId=${order.id}`)).json()) as object).toMatchObject({ status: "paid", amountReceived: "10" });
  });

  it("a leader that lost its lease mid-pass stores no scan: the next leader scans the blocks it had read and credits their transfer", async () => {
    const order = await createOrder();
    await pass();
    const before = await storedScan();
    mineBlock([{ to: order.depositAddress! }]);
    const lost = instance(async () => {
      throw new Error("lost the confirmer lease");
    });
    await expect(pass(lost)).rejects.toThrow(/chain\(s\) failed/);
    expect(await storedScan()).toEqual(before);
    // Another instance takes over, its memory empty: it continues from the stored scan (incremental), block included.
    expect(await pass(instance())).toMatchObject({ credited: 1 });
    expect(lastRequest().seen).toBeDefined();
    expect(await paymentsOf(order)).toHaveLength(1);
  });

  it("a restart continues from the stored scan; a crash-recovering indexer's missing rows are never taken as scanned", async () => {
    const order = await createOrder();
    const [t] = mineBlock([{ to: order.depositAddress! }]);
    // Ponder deleted the block's rows (crash recovery) while its head still reads as before: nothing there yet.
    indexer.hidden.add(indexer.transfers.find((row) => row.txHash === t!.txHash)!);
    for (const row of indexer.transfers.filter((row) => row.blockNumber === block)) indexer.hidden.add(row);
    expect(await pass(instance())).toMatchObject({ credited: 0 });
    expect((await storedScan())!.blocks.some(([height]) => height === String(block))).toBe(false);
    indexer.hidden.clear();
    // A fresh process (the restart): the rows are back, the block was never scanned, the transfer is credited.
    expect(await pass(instance())).toMatchObject({ credited: 1 });
    expect(lastRequest().seen).toBeDefined();
    expect(await paymentsOf(order)).toHaveLength(1);
  });

  it("a block an indexer shows in part while it restarts is never taken as scanned: that pass stores no scan", async () => {
    const order = await createOrder();
    const [t] = mineBlock([{ to: order.depositAddress! }]);
    // Ready when the pass starts; restarting (re-indexing, the deposit row not back yet) while it answers.
    indexer.hidden.add(indexer.transfers.find((row) => row.txHash === t!.txHash)!);
    indexer.onRequest = () => void (chain.ready = false);
    try {
      expect(await pass(instance())).toMatchObject({ credited: 0 });
    } finally {
      indexer.onRequest = undefined;
      chain.ready = true;
      indexer.hidden.clear();
    }
    expect((await storedScan())?.blocks.some(([height]) => height === String(block)) ?? false).toBe(false);
    expect(await pass(instance())).toMatchObject({ credited: 1 });
    expect(await paymentsOf(order)).toHaveLength(1);
  });

  it(`after more than ${MAX_NEW_BLOCKS} new blocks (a long stop), reads the window for every watched address again, and misses nothing`, async () => {
    const order = await createOrder();
    for (let i = 0n; i < MAX_NEW_BLOCKS; i++) mineBlock([], 1);
    mineBlock([{ to: order.depositAddress! }]);
    expect(await pass()).toMatchObject({ credited: 1 });
    expect(lastRequest().seen).toBeUndefined();
    expect(lastRequest().addresses).toContain(order.depositAddress!.toLowerCase());
    expect((await storedScan())?.through).toBe(String(block));
  });

  it("a router payment that names a deposit address pays that order as a transfer; one in a token the chain does not accept is ignored", async () => {
    const [order, other] = [await createOrder(), await createOrder()];
    mineBlock();
    const paid = { amount: 10_000_000n, blockNumber: block, blockTimestamp: h.clock.now() };
    chain.payOrder(order, { ...paid, merchant: getAddress(order.depositAddress!) });
    chain.payOrder(other, { ...paid, merchant: getAddress(other.depositAddress!), token: "0x00000000000000000000000000000000000Dead1" });
    await pass();
    expect(await paymentsOf(order)).toEqual([expect.objectContaining({ method: "transfer", merchantAddress: getAddress(order.depositAddress!), state: "confirming" })]);
    expect(await paymentsOf(other)).toEqual([]);
    // Credited once, as the transfer, and not also kept unmatched beside it (a router payment to another address than
    // the payout), where support would see it as money that paid nothing; nor on the next pass, which reads it again.
    await pass();
    expect(await paymentsOf(order)).toHaveLength(1);
    expect(await h.db.select().from(unmatchedPayments).where(eq(unmatchedPayments.merchantAddress, getAddress(order.depositAddress!)))).toEqual([]);
    // Not even a wrong-token transfer (for the sweeper to forward at the operator's gas): only the router payment itself,
    // unmatched for naming another address than the order's payout.
    const strays = await h.db.select({ method: unmatchedPayments.method }).from(unmatchedPayments).where(eq(unmatchedPayments.merchantAddress, getAddress(other.depositAddress!)));
    expect(strays).toEqual([{ method: "router" }]);
  });
});
