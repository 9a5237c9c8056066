/**
 * `npm start` as a newcomer runs it: the whole stack as a child process, then what its printout says to do: create an
 * order with the printed key, pay it with `npm run pay`, watch it become paid; then Ctrl-C stops everything cleanly.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertPortFree, freePort } from "../../scripts/stack/local-chain.js";
import { waitFor } from "../support/wait.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

describe("npm start", () => {
  let child: ChildProcess;
  let output = "";
  let dataDir: string;
  const ports = { chain: 0, indexer: 0, api: 0 };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "stablegate-start-"));
    ports.chain = await freePort();
    ports.indexer = await freePort();
    ports.api = await freePort();
    child = spawn(
      "npm",
      ["start", "--", "--data-dir", dataDir, "--chain-port", `${ports.chain}`, "--indexer-port", `${ports.indexer}`, "--api-port", `${ports.api}`],
      // Its own process group, so the test can press Ctrl-C the way a terminal does: SIGINT to the whole group.
      { cwd: root, env: { ...process.env, DATABASE_URL: "" }, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await waitFor("npm start to print Ready", () => {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      return output.includes("Press Ctrl-C to stop.");
    }, { timeoutMs: 150_000, intervalMs: 200 });
  });

  afterAll(async () => {
    if (child?.pid && groupAlive(child.pid)) process.kill(-child.pid, "SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
  });

  const printed = (label: string) => {
    const match = new RegExp(`^\\s*${label}\\s+(\\S+)`, "m").exec(output);
    if (!match) throw new Error(`npm start did not print "${label}":\n${output}`);
    return match[1]!;
  };

  it("prints the API, its docs, a demo key, a curl to create an order and a sample order's checkout", async () => {
    const apiUrl = printed("API");
    expect(apiUrl).toBe(`http://127.0.0.1:${ports.api}`);
    expect(printed("Demo API key")).toMatch(/^sk_/);
    expect(output).toContain(`curl -s ${apiUrl}/v1/orders`);
    expect(printed("Checkout")).toBe(`${apiUrl}/pay/${printed("Sample order")}`);
    expect((await fetch(`${apiUrl}/openapi.json`)).ok).toBe(true);
    expect((await fetch(`${apiUrl}/docs`)).ok).toBe(true);
  });

  it("takes a newcomer from the printed key to a paid order with npm run pay", async () => {
    const apiUrl = printed("API");
    const key = printed("Demo API key");
    const created = await fetch(`${apiUrl}/v1/orders`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ chainId: 31337, symbol: "USDT", amount: "12.50", merchantOrderId: `smoke-${Date.now()}` }),
    });
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: string; cashierUrl: string };

    const { stdout } = await run("npm", ["run", "pay", "--", order.cashierUrl, "--rpc", `http://127.0.0.1:${ports.chain}`], { cwd: root });
    expect(stdout).toMatch(/pay\s+0x[0-9a-f]{64}/);

    const paid = await waitFor("the order to be paid", async () => {
      const response = await fetch(`${apiUrl}/v1/contract-payment?orderId=${order.id}`, { headers: { authorization: `Bearer ${key}` } });
      const body = (await response.json()) as { status: string; payments: unknown[] };
      return body.status === "paid" ? body : undefined;
    }, { intervalMs: 250 });
    expect(paid.payments).toHaveLength(1);
    // The built-in receiver verified (standardwebhooks) and logged the signed order.paid delivery.
    await waitFor("the demo receiver to log order.paid", () => output.includes(`webhook order.paid for ${order.id}: paid 12.5 USDT (verified`), {
      timeoutMs: 15_000,
    });
  });

  it("stops everything on Ctrl-C and frees its ports", async () => {
    process.kill(-child.pid!, "SIGINT");
    // npm itself dies of the SIGINT as in a terminal; what matters is that start.ts stopped what it started.
    await waitFor("start.ts to stop the stack", () => /receiver stopped[\s\S]*API stopped[\s\S]*indexer stopped[\s\S]*chain stopped/.test(output), {
      timeoutMs: 30_000,
    });
    await waitFor("every process of the group to end", () => !groupAlive(child.pid!), { timeoutMs: 15_000 });
    expect(output).not.toMatch(/did not stop cleanly/);
    for (const port of Object.values(ports)) await assertPortFree(port);
  });
});

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
