/**
 * A newcomer's first minutes: a fresh clone of the committed HEAD, README's first command run in it exactly as
 * written, in a shell whose PATH and environment have nothing of ours (no node_modules/.bin, no npm_* variables).
 * Shared by the start test and `bench:start`.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const repoRoot = path.resolve(import.meta.dirname, "../..");

/** The first command of README's first `sh` block, comments dropped: what a newcomer types first. */
export async function readmeFirstCommand(readmePath = path.join(repoRoot, "README.md")): Promise<string> {
  const readme = await readFile(readmePath, "utf8");
  const block = /```sh\n([\s\S]*?)```/.exec(readme);
  const line = block?.[1]?.split("\n").find((text) => text.trim() !== "");
  if (!line) throw new Error("README.md has no ```sh block with a first command");
  return line.replace(/\s+#.*$/, "").trim();
}

/** Clones the repository's committed HEAD (what a newcomer gets; nothing built, installed or uncommitted). */
export async function cloneHead(into: string): Promise<string> {
  await run("git", ["clone", "--quiet", "--no-hardlinks", repoRoot, into]);
  return into;
}

/** This process's environment as a new user's shell has it: the system PATH and no npm or test variables. */
export function newcomerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|NODE_|VITEST|TEST$|INIT_CWD$|DATABASE_URL$)/.test(key)) continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => !dir.includes("node_modules") && !dir.includes("node-gyp-bin"))
    .join(path.delimiter);
  return { ...env, ...extra };
}

/** Runs `command` in `cwd` with bash, in its own process group (so Ctrl-C can go to all of it, as a terminal sends it). */
export function runInShell(command: string, cwd: string, env: NodeJS.ProcessEnv): ChildProcess & { output: () => string } {
  const child = spawn("bash", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return Object.assign(child, { output: () => output });
}

export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
