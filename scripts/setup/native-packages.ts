/**
 * Platform packages the lock lists for this machine but the install left out. npm skips an optional package whose
 * `engines` the running Node does not meet, silently: npm on Node 20 leaves out EDR's native binary (Hardhat's
 * chain), which needs Node 22. `ensureNativePackages()` installs them again under the project's Node 22 (the `node`
 * devDependency, first on the PATH of every npm script), so `npm install && npm start` works on either Node.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

type LockEntry = { optional?: boolean; os?: string[]; cpu?: string[]; libc?: string[] };

/** glibc or musl, as npm names them; undefined off Linux. */
function libcFamily(): string | undefined {
  if (process.platform !== "linux") return undefined;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ? "glibc" : "musl";
}

/** npm's own reading of `os` / `cpu` / `libc`: a list of allowed values, or `!value` exclusions. */
function allows(list: string[] | undefined, value: string | undefined): boolean {
  if (!list || list.length === 0) return true;
  if (value === undefined) return false;
  const denied = list.filter((item) => item.startsWith("!")).map((item) => item.slice(1));
  const allowed = list.filter((item) => !item.startsWith("!"));
  return !denied.includes(value) && (allowed.length === 0 || allowed.includes(value));
}

/** Lock paths (`node_modules/...`) of this platform's optional packages that are not on disk. */
export function missingNativePackages(dir = root): string[] {
  const lockPath = path.join(dir, "package-lock.json");
  if (!existsSync(lockPath)) return [];
  const lock = JSON.parse(readFileSync(lockPath, "utf8")) as { packages?: Record<string, LockEntry> };
  const libc = libcFamily();
  return Object.entries(lock.packages ?? {})
    .filter(([key, entry]) => key !== "" && entry.optional && (entry.os || entry.cpu || entry.libc))
    .filter(([, entry]) => allows(entry.os, process.platform) && allows(entry.cpu, process.arch) && (!entry.libc || allows(entry.libc, libc)))
    .filter(([key]) => !existsSync(path.join(dir, key, "package.json")))
    .map(([key]) => key);
}

/**
 * Installs missing platform packages with npm running on this process's Node (22 inside npm scripts). Throws one
 * line naming the fix when that cannot be done.
 */
export function ensureNativePackages({ dir = root, log = console.log }: { dir?: string; log?: (line: string) => void } = {}): void {
  const missing = missingNativePackages(dir);
  if (missing.length === 0) return;
  const names = missing.map((key) => key.replace(/^.*node_modules\//, "")).join(", ");
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 22) {
    throw new Error(`Node ${process.versions.node} cannot install ${names}: run \`npx -y -p node@22 -- npm install\` once, then try again`);
  }
  const npmCli = process.env.npm_execpath;
  if (!npmCli || !npmCli.endsWith(".js")) {
    throw new Error(`${names} is missing (npm skipped it): run \`npx -y -p node@22 -- npm install\` once, then try again`);
  }
  log(`Installing ${names} for ${process.platform}-${process.arch} under Node ${process.versions.node} (npm on an older Node skips it)…`);
  // `--ignore-scripts`: this runs from our own postinstall, which must not start itself again.
  const result = spawnSync(process.execPath, [npmCli, "install", "--no-audit", "--no-fund", "--ignore-scripts"], {
    cwd: dir,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, npm_config_engine_strict: "false" },
  });
  const still = missingNativePackages(dir);
  if (result.status !== 0 || still.length > 0) {
    throw new Error(`Installing ${names} failed: run \`npx -y -p node@22 -- npm install\` and look at what npm prints`);
  }
}
