import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "results");

/** Writes one benchmark's figures to `scripts/bench/results/<name>.json` with the time and machine they came from. */
export async function writeBenchResult(name: string, figures: object): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  const { cpus, totalmem } = await import("node:os");
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  await writeFile(file, `${JSON.stringify({ ...figures, measuredAt: new Date().toISOString(), machine }, null, 2)}\n`);
  return file;
}
