/**
 * The newcomer path, for real: a fresh clone of the committed HEAD, README's first command typed as written (the
 * registry install, then `npm start`, with no compiled artifacts and a system Node that may be 20), then what the
 * printout says: create an order with the printed key, pay it with the printed command, see it paid and the demo
 * receiver's verified order.paid; Ctrl-C stops everything and frees the ports. Change README's first line to
 * something that does not work and this fails.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as orderRoutes from "../../api/routes/orders/orders.routes.js";
import { assertPortFree, freePort } from "../../scripts/stack/ports.js";
import { readAs } from "../support/api-client.js";
import { checkoutStatus } from "../support/gateway.js";
import { cloneHead, groupAlive, newcomerEnv, readmeFirstCommand, runInShell } from "../support/newcomer.js";
import { waitFor } from "../support/wait.js";

const run = promisify(execFile);

describe("README's first command on a fresh clone", () => {
  let workDir: string;
  let clone: string;
  let child: ReturnType<typeof runInShell>;
  let env: NodeJS.ProcessEnv;
  const ports = { chain: 0, indexer: 0, api: 0 };

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "stablegate-newcomer-"));
    clone = await cloneHead(path.join(workDir, "stablegate"));
    ports.chain = await freePort();
    ports.indexer = await freePort();
    ports.api = await freePort();
    // The ports by environment (README documents CHAIN_PORT, INDEXER_PORT, API_PORT), so the command stays README's.
    env = newcomerEnv({ CHAIN_PORT: `${ports.chain}`, INDEXER_PORT: `${ports.indexer}`, API_PORT: `${ports.api}` });
    child = runInShell(await readmeFirstCommand(), clone, env);
    await waitFor("README's first command to print Ready", () => {
      if (child.exitCode !== null) throw new Error(`it exited (${child.exitCode}) before Ready:\n${child.output()}`);
      return child.output().includes("Press Ctrl-C to stop.");
    }, { timeoutMs: 480_000, intervalMs: 250 });
  }, 500_000);

  afterAll(async () => {
    if (child?.pid && groupAlive(child.pid)) process.kill(-child.pid, "SIGKILL");
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const printed = (label: string) => {
    const match = new RegExp(`^\\s*${label}\\s+(.+)$`, "m").exec(child.output());
    if (!match) throw new Error(`npm start did not print "${label}":\n${child.output()}`);
    return match[1]!.trim();
  };
  const firstWord = (label: string) => printed(label).split(/\s+/)[0]!;

  it("compiled the contracts itself and prints the API, its docs, a demo key and a sample order's checkout", async () => {
    expect(child.output()).toContain("Compiling the contracts (no build artifacts yet)");
    const apiUrl = firstWord("API");
    expect(apiUrl).toBe(`http://127.0.0.1:${ports.api}`);
    expect(firstWord("Demo API key")).toMatch(/^sk_/);
    expect(child.output()).toContain(`curl -s ${apiUrl}/v1/orders`);
    // The checkout URL carries a random token, not the order id (nobody finds a checkout by guessing ids).
    expect(firstWord("Checkout")).toMatch(new RegExp(`^${apiUrl}/pay/[0-9A-Za-z_-]{32}$`));
    expect(firstWord("Checkout")).not.toContain(firstWord("Sample order"));
    expect((await fetch(`${apiUrl}/openapi.json`)).ok).toBe(true);
    expect((await fetch(`${apiUrl}/docs`)).ok).toBe(true);
    // A wallet that adds the chain from the checkout gets the port the chain really runs on.
    const status = await checkoutStatus(firstWord("Checkout"));
    expect(status.chain.rpcUrls).toEqual([`http://127.0.0.1:${ports.chain}`]);
  });

  it("takes the newcomer from the printed key to a paid order with the printed pay command", async () => {
    const apiUrl = firstWord("API");
    const key = firstWord("Demo API key");
    const created = await fetch(`${apiUrl}/v1/orders`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ chainId: 31337, symbol: "USDT", amount: "12.50", merchantOrderId: `newcomer-${Date.now()}` }),
    });
    expect(created.status).toBe(201);
    const order = await readAs(created, orderRoutes.createQrOrder, 201);

    // The printed command names the ports it needs; only the checkout URL is the newcomer's own.
    const payCommand = printed("Pay it").replace(firstWord("Checkout"), order.cashierUrl);
    expect(payCommand).toContain(order.cashierUrl);
    expect(payCommand).toContain(`--api ${apiUrl}`);
    expect(payCommand).toContain(`--rpc http://127.0.0.1:${ports.chain}`);
    const { stdout } = await run("bash", ["-c", payCommand], { cwd: clone, env });
    expect(stdout).toMatch(/pay\s+0x[0-9a-f]{64}/);

    const paid = await waitFor("the order to be paid", async () => {
      const response = await fetch(`${apiUrl}/v1/contract-payment?orderId=${order.id}`, { headers: { authorization: `Bearer ${key}` } });
      const body = await readAs(response, orderRoutes.contractPayment, 200);
      return body.status === "paid" ? body : undefined;
    }, { intervalMs: 250 });
    expect(paid.payments).toHaveLength(1);
    // The built-in receiver verified (standardwebhooks) and logged the signed order.paid delivery.
    await waitFor("the demo receiver to log order.paid", () => child.output().includes(`webhook order.paid for ${order.id}: paid 12.5 USDT (verified`), {
      timeoutMs: 15_000,
    });
    // While confirming it says what waits (the order's amountReceived counts confirmed payments only: it is 0 then).
    await waitFor("the demo receiver to log order.confirming", () =>
      child.output().includes(`webhook order.confirming for ${order.id}: confirming 12.5 USDT (waiting for confirmations) (verified`));
    // The API starts beside the indexer: a live stream that never opened is "not yet" (then "on"), never "lost".
    expect(child.output()).not.toContain("lost the live updates from the indexer");
    if (child.output().includes("no live updates from the indexer yet")) {
      await waitFor("the live stream to be on", () => child.output().includes("live updates from the indexer are on"), { timeoutMs: 15_000 });
    }
  }, 120_000);

  it("stops everything on Ctrl-C and frees its ports", async () => {
    process.kill(-child.pid!, "SIGINT");
    const stopped = () => /receiver stopped[\s\S]*API stopped[\s\S]*indexer stopped[\s\S]*chain stopped/.test(child.output());
    await waitFor("start.ts to stop the stack", stopped, { timeoutMs: 90_000 }).catch((error: Error) => {
      throw new Error(`${error.message}; it printed, last:\n${child.output().slice(-3000)}`);
    });
    await waitFor("every process of the group to end", () => !groupAlive(child.pid!), { timeoutMs: 15_000 });
    expect(child.output()).not.toMatch(/did not stop cleanly/);
    for (const port of Object.values(ports)) await assertPortFree(port);
  }, 150_000);
});
