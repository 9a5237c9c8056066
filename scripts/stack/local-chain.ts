/** Starts a Hardhat/EDR JSON-RPC node as a child process and waits until it answers. */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { assertPortFree } from "./ports.js";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface LocalChain {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

export async function startLocalChain({
  port = 8545,
  host = "127.0.0.1",
  timeoutMs = 60_000,
  log = false,
}: { port?: number; host?: string; timeoutMs?: number; log?: boolean } = {}): Promise<LocalChain> {
  await assertPortFree(port, host, "The local chain's port");
  const child = spawn(
    path.join(root, "node_modules", ".bin", "hardhat"),
    ["node", "--hostname", host, "--port", String(port)],
    { cwd: root, stdio: ["ignore", log ? "inherit" : "ignore", "pipe"], env: process.env },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://${host}:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`The local chain exited early (code ${code}): ${stderr.trim()}`))),
  );
  exited.catch(() => {});
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await Promise.race([rpc<string>(url, "eth_chainId"), exited]);
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill("SIGKILL");
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    url,
    port,
    process: child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const done = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
