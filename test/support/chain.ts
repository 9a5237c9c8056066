/**
 * Local dev chains for tests: a Hardhat/EDR node per chain id on a free port, plus the node's test controls
 * (mining, automine, snapshots) that the indexer tests use to shape blocks and to make reorgs.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { type LocalChain, rpc, startLocalChain } from "../../scripts/stack/local-chain.js";
import { freePort } from "../../scripts/stack/ports.js";

const root = path.resolve(import.meta.dirname, "../..");

export interface DevChain extends LocalChain {
  chainId: number;
}

/**
 * Starts a node for `chainId` (31337 is Hardhat's default; 1337 is the other id the deploy script treats as local).
 * `startLocalChain` has no chain id option, so other ids get the same node with `--chain-id`.
 */
export async function startDevChain({ chainId = 31337, port }: { chainId?: number; port?: number } = {}): Promise<DevChain> {
  port ??= await freePort();
  if (chainId === 31337) return { ...(await startLocalChain({ port })), chainId };

  const child = spawn(
    path.join(root, "node_modules", ".bin", "hardhat"),
    ["node", "--hostname", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId)],
    { cwd: root, stdio: ["ignore", "ignore", "pipe"], env: process.env },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await rpc<string>(url, "eth_chainId");
      return { url, port, process: child, stop, chainId };
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`The chain ${chainId} node did not start: ${stderr.trim() || String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * Mines `blocks` blocks, one `evm_mine` each (sent as one JSON-RPC batch). Not `hardhat_mine`: EDR "reserves" a long
 * run of blocks and reports a zero parentHash inside it, which breaks the hash chain Ponder checks for reorgs.
 */
export async function mine(url: string, blocks = 1): Promise<void> {
  const body = Array.from({ length: blocks }, (_, id) => ({ jsonrpc: "2.0", id, method: "evm_mine", params: [] }));
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const failed = ((await response.json()) as { error?: { message: string } }[]).find((result) => result.error);
  if (failed) throw new Error(`evm_mine: ${failed.error!.message}`);
}

/** With automine off, sent transactions wait in the mempool until `mine`: that is how tests put many in one block. */
export async function setAutomine(url: string, on: boolean): Promise<void> {
  await rpc(url, "evm_setAutomine", [on]);
}

export async function snapshot(url: string): Promise<string> {
  return await rpc<string>(url, "evm_snapshot");
}

/** Rewinds the chain to `snapshotId` (consumed): the blocks mined since are gone, as in a reorg. */
export async function revertTo(url: string, snapshotId: string): Promise<void> {
  if (!(await rpc<boolean>(url, "evm_revert", [snapshotId]))) throw new Error(`evm_revert(${snapshotId}) failed`);
}

export async function blockNumber(url: string): Promise<number> {
  return Number(await rpc<string>(url, "eth_blockNumber"));
}
