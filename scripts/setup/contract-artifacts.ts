/**
 * Compiles the contracts when their build artifacts are missing or older than any Solidity source, so a fresh clone
 * (or a pulled change to `contracts/`) needs no separate `hardhat compile` before `npm start`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, utimesSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function solidityFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return solidityFiles(full);
    return entry.name.endsWith(".sol") ? [full] : [];
  });
}

/** The artifacts Hardhat wrote for one source file (`artifacts/<path>.sol/<Contract>.json`). */
function artifactsOf(dir: string, source: string): string[] {
  const folder = path.join(dir, "artifacts", path.relative(dir, source));
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith(".json") && !name.endsWith(".dbg.json"))
    .map((name) => path.join(folder, name));
}

/** Why the artifacts need a build, or undefined when they are up to date. */
export function staleArtifactsReason(dir = root): string | undefined {
  const sources = solidityFiles(path.join(dir, "contracts"));
  const newestSource = Math.max(0, ...sources.map((file) => statSync(file).mtimeMs));
  for (const source of sources) {
    const artifacts = artifactsOf(dir, source);
    if (artifacts.length === 0) return "no build artifacts yet";
    if (artifacts.some((artifact) => statSync(artifact).mtimeMs < newestSource)) return "the Solidity sources changed";
  }
  return undefined;
}

export function ensureContractArtifacts({ dir = root, log = console.log }: { dir?: string; log?: (line: string) => void } = {}): void {
  const reason = staleArtifactsReason(dir);
  if (!reason) return;
  log(`Compiling the contracts (${reason})…`);
  const hardhat = path.join(dir, "node_modules", "hardhat", "dist", "src", "cli.js");
  const result = spawnSync(process.execPath, [hardhat, "compile", "--quiet"], { cwd: dir, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) throw new Error("Compiling the contracts failed (see above); `npx hardhat compile` shows the same");
  // Hardhat's cache skips sources whose content did not change (a checkout only touched them): mark their
  // artifacts current, so the next start does not compile again.
  const now = new Date();
  for (const source of solidityFiles(path.join(dir, "contracts"))) {
    for (const artifact of artifactsOf(dir, source)) utimesSync(artifact, now, now);
  }
}
