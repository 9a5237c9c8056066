/**
 * `npm run bench:deposits`: what detecting plain transfers to deposit addresses costs on a mainnet-like load.
 *
 * The indexer stores every Transfer of the accepted tokens (token_transfer); the API asks it for those to its watched
 * deposit addresses. Load: `BENCH_BLOCKS` (30) blocks of 200 unrelated USDT transfers each (four dev accounts to
 * random addresses) plus 2 transfers to deposit addresses, with 10,000 open orders on the chain, indexer and API on
 * Postgres. Reported: the indexer's rows and bytes per block, the time from a block being mined to the indexer's
 * head reaching it, and the confirmer's deposit read per pass: the real confirmer (deposit-transfers.ts) runs a pass
 * after each of `BENCH_READS` (50) more such blocks (the window full by then), and what its deposit read adds to the
 * pass is taken (incremental: the new block's transfers matched against the watched addresses, and the window's
 * transfers to addresses already known); after each pass the full read (every watched address over the window: what
 * a pass did before, and still does with no scan stored) is timed too, on the same data and load. p50/p95 of each.
 */
import { loadavg } from "node:os";
import { getAddress, type Hex, parseUnits, toHex } from "viem";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import pg from "pg";
import * as admin from "../../api/admin/commands.js";
import { ChainCatalog } from "../../api/chains/catalog.js";
import { Confirmer } from "../../api/confirmer/confirmer.js";
import { fetchDepositTransfers, watchedDepositAddresses, withDepositTransfers } from "../../api/confirmer/deposit-transfers.js";
import { createIndexerSource } from "../../api/confirmer/indexer-source.js";
import { rescanBlocks } from "../../api/confirmer/rescan-window.js";
import { openDatabase } from "../../api/db/client.js";
import { migrate } from "../../api/db/migrate.js";
import { orders } from "../../api/db/schema.js";
import { newCheckoutToken, newId, newOrderRef } from "../../api/lib/ids.js";
import { orderDepositAddress } from "../../api/orders/deposit-address.js";
import { blockNumber, mine, setAutomine } from "../../test/support/chain.js";
import { createTestDatabase } from "../../test/support/database.js";
import { waitForIndexedHead } from "../../test/support/indexer.js";
import { DEV_ACCOUNTS, tokenBySymbol } from "../../test/support/payments.js";
import { requirePostgres } from "../../test/support/postgres-server.js";
import { startTestStack } from "../../test/support/stack.js";
import { writeBenchResult } from "./results.js";

const CHAIN = 31337;
const OPEN_ORDERS = 10_000;
const UNRELATED_PER_BLOCK = 200;
const DEPOSITS_PER_BLOCK = 2;
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 30);
const READS = Number(process.env.BENCH_READS ?? 50);

const log = (message: string) => console.log(`[bench:deposits] ${message}`);
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 10) / 10;
};

async function rpcBatch(url: string, calls: { method: string; params: unknown[] }[]) {
  const body = calls.map((call, id) => ({ jsonrpc: "2.0", id, ...call }));
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const results = (await response.json()) as { error?: { message: string } }[];
  const failed = results.find((r) => r.error);
  if (failed) throw new Error(`RPC batch: ${failed.error!.message}`);
}

const transferCall = (token: Hex, from: string, to: string, units: bigint) => ({
  method: "eth_sendTransaction",
  params: [{ from, to: token, gas: toHex(80_000n), data: `0xa9059cbb${to.slice(2).toLowerCase().padStart(64, "0")}${units.toString(16).padStart(64, "0")}` }],
});

async function main() {
  await requirePostgres();
  const stack = await startTestStack({ database: "postgres", payers: DEV_ACCOUNTS.payers });
  const apiDatabase = await createTestDatabase("postgres", { prefix: "stablegate_bench_api" });
  const handle = await openDatabase({ url: apiDatabase.url, dataDir: ".data/unused" });
  try {
    const indexer = await stack.startIndexer();
    const { url, record } = stack.chain(CHAIN);
    const usdt = tokenBySymbol(record, "USDT");
    await migrate(handle.db);
    const chains = await ChainCatalog.load({ dir: stack.deploymentsDir, confirmations: {} });
    const chain = chains.chain(CHAIN)!;
    const deposits = await openOrders(handle.db, chains, chain);
    log(`${deposits.length} open orders with deposit addresses`);

    await setAutomine(url, false);
    const latencies: number[] = [];
    const mineLoadedBlock = async (block: number) => {
      const calls = Array.from({ length: UNRELATED_PER_BLOCK }, (_, i) =>
        transferCall(usdt.address, DEV_ACCOUNTS.payers[i % 4]!, privateKeyToAccount(generatePrivateKey()).address, 1n + BigInt(i)),
      );
      for (let i = 0; i < DEPOSITS_PER_BLOCK; i++) calls.push(transferCall(usdt.address, DEV_ACCOUNTS.payers[i]!, deposits[(block * DEPOSITS_PER_BLOCK + i) % deposits.length]!, parseUnits("1", 6)));
      await rpcBatch(url, calls);
      await mine(url, 1);
      const mined = Date.now();
      const height = await blockNumber(url);
      await waitForIndexedHead(indexer.url, CHAIN, height, 120_000);
      latencies.push(Date.now() - mined);
      return BigInt(height);
    };
    for (let block = 0; block < BLOCKS; block++) await mineLoadedBlock(block);
    log(`indexed ${BLOCKS} blocks of ${UNRELATED_PER_BLOCK + DEPOSITS_PER_BLOCK} transfers`);
    const { rows, bytes } = await tableFigures(stack.database.url!);

    // The confirmer as the API runs it, its deposit read timed; the first pass has no scan stored (a full read).
    const sourceOptions = { db: handle.db, chains, indexerUrl: indexer.url, watchSeconds: 7 * 86_400 };
    // What the deposit read adds to the pass: the source's read (router payments and deposits, side by side) less the
    // router payments' read alone; its call to the indexer's /deposit-transfers is timed too.
    const routerSource = createIndexerSource({ indexerUrl: indexer.url });
    const timed = { last: 0, found: 0, router: 0, indexer: 0 };
    const deposits_ = withDepositTransfers(
      {
        ...routerSource,
        payments: async (query) => {
          const start = performance.now();
          const rows = await routerSource.payments(query);
          timed.router = performance.now() - start;
          return rows;
        },
      },
      sourceOptions,
    );
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      const start = performance.now();
      const response = await realFetch(input, init);
      if (String(input).endsWith("/deposit-transfers")) {
        const text = await response.text();
        timed.indexer = performance.now() - start;
        return new Response(text, { status: response.status, headers: response.headers });
      }
      return response;
    };
    const source = {
      ...deposits_,
      read: async (query: Parameters<NonNullable<typeof deposits_.read>>[0]) => {
        const start = performance.now();
        const read = await deposits_.read!(query);
        timed.last = performance.now() - start - timed.router;
        timed.found = read.payments.filter((p) => p.method === "transfer").length;
        return read;
      },
    };
    const confirmer = new Confirmer({ db: handle.db, source, chains, publicBaseUrl: "http://127.0.0.1" });
    await confirmer.confirmChain(CHAIN);
    const firstPassMs = timed.last;
    const reads = { incremental: [] as number[], incrementalIndexer: [] as number[], watched: [] as number[], indexer: [] as number[], total: [] as number[] };
    let found = { incremental: 0, full: 0 };
    for (let i = 0; i < READS; i++) {
      const head = await mineLoadedBlock(BLOCKS + i);
      await confirmer.confirmChain(CHAIN);
      reads.incremental.push(timed.last);
      reads.incrementalIndexer.push(timed.indexer);
      found.incremental = timed.found;
      // The full read over the same window (what every pass did before).
      const start = performance.now();
      const watched = await watchedDepositAddresses(handle.db, CHAIN, new Date(Date.now() - 7 * 86_400_000));
      const middle = performance.now();
      const window = rescanBlocks(CHAIN);
      const answer = await fetchDepositTransfers(indexer.url, { chainId: CHAIN, fromBlock: head >= window ? head - window + 1n : 0n, toBlock: head, addresses: [...watched.keys()] });
      const end = performance.now();
      found.full = answer.transfers.length;
      reads.watched.push(middle - start);
      reads.indexer.push(end - middle);
      reads.total.push(end - start);
    }
    await setAutomine(url, true);
    const figures = {
      openOrders: OPEN_ORDERS,
      transfersPerBlock: UNRELATED_PER_BLOCK + DEPOSITS_PER_BLOCK,
      blocks: BLOCKS,
      indexer: {
        tokenTransferRows: rows,
        rowsPerBlock: Math.round(rows / BLOCKS),
        tableBytes: bytes,
        bytesPerRow: Math.round(bytes / Math.max(rows, 1)),
        blockToIndexedMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: Math.max(...latencies) },
      },
      apiReadPerPass: {
        rescanBlocks: Number(rescanBlocks(CHAIN)),
        passes: READS,
        incremental: {
          depositTransfersFound: found.incremental,
          indexerQueryMs: { p50: percentile(reads.incrementalIndexer, 50), p95: percentile(reads.incrementalIndexer, 95) },
          totalMs: { p50: percentile(reads.incremental, 50), p95: percentile(reads.incremental, 95) },
        },
        firstPassMs: Math.round(firstPassMs * 10) / 10,
        fullReadBefore: {
          depositTransfersFound: found.full,
          watchedAddressesMs: { p50: percentile(reads.watched, 50), p95: percentile(reads.watched, 95) },
          indexerQueryMs: { p50: percentile(reads.indexer, 50), p95: percentile(reads.indexer, 95) },
          totalMs: { p50: percentile(reads.total, 50), p95: percentile(reads.total, 95) },
        },
      },
      loadAverage: loadavg().map((v) => Math.round(v * 10) / 10),
    };
    console.log(JSON.stringify(figures, null, 2));
    log(`wrote ${await writeBenchResult("deposits", figures)}`);
  } finally {
    await handle.close().catch(() => {});
    await apiDatabase.drop().catch(() => {});
    await stack.stop();
  }
}

/** 10,000 open orders of one merchant, written as the API writes them (deposit address computed at creation). */
async function openOrders(db: Parameters<typeof migrate>[0], chains: ChainCatalog, chain: NonNullable<ReturnType<ChainCatalog["chain"]>>): Promise<string[]> {
  const merchant = await admin.createMerchant(db, { name: "Bench Shop" });
  const payout = getAddress(DEV_ACCOUNTS.merchant);
  await admin.setPayoutAddress(db, chains, { merchantId: merchant.id, chainId: CHAIN, address: payout });
  const token = chain.tokens.find((t) => t.symbol === "USDT")!;
  const now = new Date();
  const addresses: string[] = [];
  for (let start = 0; start < OPEN_ORDERS; start += 1_000) {
    const values = Array.from({ length: 1_000 }, (_, i) => {
      const orderRef = newOrderRef();
      const depositAddress = orderDepositAddress(chain, { payoutAddress: payout, orderRef })!;
      addresses.push(depositAddress);
      return {
        id: newId("ord", now.getTime()),
        merchantId: merchant.id,
        merchantOrderId: `bench-${start + i}`,
        orderRef,
        checkoutToken: newCheckoutToken(),
        chainId: CHAIN,
        routerAddress: chain.router,
        tokenSymbol: token.symbol,
        tokenAddress: token.address,
        tokenDecimals: token.decimals,
        payoutAddress: payout,
        depositAddress,
        paymentMethods: ["router", "transfer"] as ("router" | "transfer")[],
        amount: parseUnits("10", 6),
        status: "pending" as const,
        confirmations: 1,
        underpaymentToleranceBps: 0,
        overpaymentToleranceBps: 0,
        expiresAt: new Date(now.getTime() + 3_600_000),
      };
    });
    await db.insert(orders).values(values);
  }
  return addresses;
}

async function tableFigures(indexerDatabaseUrl: string): Promise<{ rows: number; bytes: number }> {
  const client = new pg.Client({ connectionString: indexerDatabaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ rows: string; bytes: string }>(
      `select (select count(*) from stablegate.token_transfer)::text as rows, pg_total_relation_size('stablegate.token_transfer')::text as bytes`,
    );
    return { rows: Number(rows[0]!.rows), bytes: Number(rows[0]!.bytes) };
  } finally {
    await client.end();
  }
}

await main();
