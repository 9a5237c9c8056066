/**
 * How the sweeper settles an open forward transaction whose receipt it has not seen, against a real Hardhat/EDR
 * chain: a block that mines the very transaction between the sweeper's receipt read and its nonce read (the nonce is
 * used, and by this transaction) must not read as a replacement, which would fail a forward that happened and send a
 * second one; a transaction that another one with its nonce really replaced is settled as dropped. The whole flow
 * (deposit addresses, batches, reorgs of a mined forward, kill -9) is in test/e2e/deposits.test.ts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { createPublicClient, type Hex, http, keccak256, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, expect, it } from "vitest";
import { sweeperTransactions } from "../../api/db/schema.js";
import { ChainSweeper } from "../../api/sweeper/sweeper.js";
import { recordSent } from "../../api/sweeper/forward-rows.js";
import { rpc } from "../../scripts/stack/local-chain.js";
import { type DevChain, mine, setAutomine, startDevChain } from "../support/chain.js";
import { describeBackends, openTestDatabase, type OpenTestDatabase } from "../support/database.js";

const CONFIRMATIONS = 3;
const FACTORY = "0x00000000000000000000000000000000000000F1";

/**
 * A JSON-RPC proxy in front of the chain that, when armed, mines one block just before it answers the next
 * `eth_getTransactionCount(…, "latest")`: the block lands between the sweeper's receipt read and its nonce read.
 */
async function startRacingProxy(chainUrl: string): Promise<{ url: string; arm(): void; fired(): boolean; stop(): Promise<void> }> {
  let armed = false;
  let fired = false;
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const calls = [JSON.parse(body)].flat() as { method: string; params?: unknown[] }[];
    if (armed && calls.some((call) => call.method === "eth_getTransactionCount" && call.params?.[1] === "latest")) {
      armed = false;
      fired = true;
      await mine(chainUrl, 1);
    }
    const answer = await fetch(chainUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
    response.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arm: () => {
      armed = true;
      fired = false;
    },
    fired: () => fired,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describeBackends("the sweeper settling a forward it has no receipt for", (backend) => {
  let chain: DevChain;
  let proxy: Awaited<ReturnType<typeof startRacingProxy>>;
  let database: OpenTestDatabase;
  const key = generatePrivateKey();
  const account = privateKeyToAccount(key);
  const logs: string[] = [];
  let sweeper: ChainSweeper;

  beforeAll(async () => {
    chain = await startDevChain();
    proxy = await startRacingProxy(chain.url);
    database = await openTestDatabase(backend);
    await rpc(chain.url, "hardhat_setBalance", [account.address, `0x${parseEther("10").toString(16)}`]);
    sweeper = new ChainSweeper({
      db: database.handle.db,
      chainId: chain.chainId,
      factory: FACTORY,
      confirmations: CONFIRMATIONS,
      rpcUrl: proxy.url,
      privateKey: key,
      settings: { policy: "confirmed", batchSize: 20, batchMaxWaitMs: 60_000, retryMs: 1_000, lowBalance: 0n },
      log: (message) => logs.push(message),
    });
  }, 120_000);
  afterAll(async () => {
    await database?.drop();
    await proxy?.stop();
    await chain?.stop();
  });

  const client = () => createPublicClient({ transport: http(chain.url) });
  /** A signed transaction of the sweeper's account at `nonce` (a transfer to `to`), as `#send` signs a forward. */
  const signed = async (nonce: number, to = account.address) => {
    const fees = await client().estimateFeesPerGas();
    const rawTx = await account.signTransaction({
      chainId: chain.chainId, type: "eip1559", to, value: 0n, nonce, gas: 21_000n,
      maxFeePerGas: fees.maxFeePerGas * 2n, maxPriorityFeePerGas: fees.maxPriorityFeePerGas * 2n,
    });
    return { rawTx, txHash: keccak256(rawTx) };
  };
  /** Records `tx` as the open forward (as `#send` does before it broadcasts). */
  const recordOpen = (tx: { rawTx: Hex; txHash: Hex }, nonce: number) =>
    database.handle.db.transaction((t) => recordSent(t, { chainId: chain.chainId, sweeper: account.address, nonce, txHash: tx.txHash, rawTx: tx.rawTx, items: [], now: new Date() }));
  const rowOf = async (txHash: Hex) => (await database.handle.db.select().from(sweeperTransactions).where(eq(sweeperTransactions.txHash, txHash)))[0]!;

  it("reads a block that mined its transaction between the receipt read and the nonce read as mined, and settles it once final", async () => {
    const nonce = await client().getTransactionCount({ address: account.address, blockTag: "pending" });
    const tx = await signed(nonce);
    await recordOpen(tx, nonce);
    await setAutomine(chain.url, false);
    try {
      await client().sendRawTransaction({ serializedTransaction: tx.rawTx });
      proxy.arm();
      expect(await sweeper.sweep()).toEqual({ settled: 0, sent: null });
      expect(proxy.fired()).toBe(true);
      expect((await client().getTransactionReceipt({ hash: tx.txHash })).status).toBe("success"); // mined, by the proxy
      expect(await rowOf(tx.txHash)).toMatchObject({ status: "sent", settledAt: null }); // mined, not final yet: open
      expect(logs.join("\n")).not.toMatch(/dropped/);
      await mine(chain.url, CONFIRMATIONS - 1);
      expect(await sweeper.sweep()).toEqual({ settled: 1, sent: null });
      expect(await rowOf(tx.txHash)).toMatchObject({ status: "mined" });
      expect(logs.filter((line) => line.includes(tx.txHash))).toEqual([expect.stringMatching(/mined: 0 forwarded, 0 failed/)]);
    } finally {
      await setAutomine(chain.url, true);
    }
  }, 60_000);

  it("settles as dropped a transaction that another one with its nonce replaced", async () => {
    const nonce = await client().getTransactionCount({ address: account.address, blockTag: "pending" });
    const forward = await signed(nonce);
    const replacement = await signed(nonce, privateKeyToAccount(generatePrivateKey()).address);
    await recordOpen(forward, nonce);
    await client().waitForTransactionReceipt({ hash: await client().sendRawTransaction({ serializedTransaction: replacement.rawTx }) });
    proxy.arm(); // a block between the reads here too: the receipt read again after the nonce is still none
    expect(await sweeper.sweep()).toEqual({ settled: 1, sent: null });
    expect(proxy.fired()).toBe(true);
    expect(await rowOf(forward.txHash)).toMatchObject({ status: "reverted" });
    expect(logs.filter((line) => line.includes(forward.txHash))).toEqual([expect.stringMatching(/was dropped \(nonce \d+ used\)/)]);
  }, 60_000);
});
