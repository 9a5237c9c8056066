/**
 * `npm run bench:start`: seconds from `npm start` to its "Ready" printout (chain, contracts, indexer, API, demo
 * merchant), from an empty data directory, median of BENCH_RUNS runs (default 3); then a newcomer's first run: a
 * fresh clone, README's first command, with install, compile and start timed separately.
 * Writes scripts/bench/results/start.json.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cloneHead, newcomerEnv, readmeFirstCommand, runInShell } from "../../test/support/newcomer.js";
import { freePort } from "../stack/ports.js";
import { writeBenchResult } from "./results.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const runs = Number(process.env.BENCH_RUNS ?? 3);

async function timeOneStart(): Promise<number> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "stablegate-bench-start-"));
  const args = ["start", "--", "--data-dir", dataDir];
  for (const flag of ["--chain-port", "--indexer-port", "--api-port"]) args.push(flag, String(await freePort()));
  const started = performance.now();
  const child = spawn("npm", args, { cwd: root, env: { ...process.env, DATABASE_URL: "" }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start was not ready within 180 s:\n${output}`)), 180_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Press Ctrl-C to stop.")) {
          clearTimeout(timer);
          resolve((performance.now() - started) / 1000);
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => reject(new Error(`npm start exited (${code}) before it was ready:\n${output}`)));
    });
  } finally {
    // Ctrl-C, as a terminal sends it to the whole process group; wait for the stack to be stopped.
    process.kill(-child.pid!, "SIGINT");
    for (let i = 0; i < 300 && !/chain stopped/.test(output); i++) await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A fresh clone through README's first command: seconds to install, to compile (in the start's preflight), to Ready. */
async function timeFreshClone(): Promise<{ installSec: number; compileSec: number; startSec: number; totalSec: number }> {
  const workDir = await mkdtemp(path.join(tmpdir(), "stablegate-bench-clone-"));
  const env = newcomerEnv({ CHAIN_PORT: String(await freePort()), INDEXER_PORT: String(await freePort()), API_PORT: String(await freePort()) });
  const clone = await cloneHead(path.join(workDir, "stablegate"));
  const started = performance.now();
  const child = runInShell(await readmeFirstCommand(), clone, env);
  const marks: Record<string, number> = {};
  const seen = (name: string, text: string) => {
    if (marks[name] === undefined && child.output().includes(text)) marks[name] = (performance.now() - started) / 1000;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready within 600 s:\n${child.output()}`)), 600_000);
      const onData = () => {
        seen("startScript", "> stablegate@0.1.0 start");
        seen("compiling", "Compiling the contracts");
        seen("chain", "Starting the local chain");
        seen("ready", "Press Ctrl-C to stop.");
        if (marks.ready !== undefined) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => reject(new Error(`exited (${code}) before it was ready:\n${child.output()}`)));
    });
  } finally {
    process.kill(-child.pid!, "SIGINT");
    for (let i = 0; i < 300 && !/chain stopped/.test(child.output()); i++) await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
    await rm(workDir, { recursive: true, force: true });
  }
  const round = (value: number) => Math.round(value * 10) / 10;
  const compileSec = marks.compiling === undefined ? 0 : marks.chain! - marks.compiling;
  return {
    installSec: round(marks.startScript!),
    compileSec: round(compileSec),
    startSec: round(marks.ready! - marks.startScript! - compileSec),
    totalSec: round(marks.ready!),
  };
}

const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const seconds = await timeOneStart();
  times.push(Math.round(seconds * 10) / 10);
  console.log(`run ${i + 1}: ready in ${seconds.toFixed(1)} s`);
}
const sorted = [...times].sort((a, b) => a - b);
const readySec = sorted[Math.floor(sorted.length / 2)]!;
console.log("a fresh clone through README's first command…");
const freshClone = await timeFreshClone();
console.log(`fresh clone: install ${freshClone.installSec} s, compile ${freshClone.compileSec} s, start ${freshClone.startSec} s, total ${freshClone.totalSec} s`);
const file = await writeBenchResult("start", { readySec, runs: times, goalSec: 30, freshClone });
console.log(`npm start ready in ${readySec} s (median of ${runs}); written to ${file}`);
