/**
 * The API as its own process (`node --import tsx api/main.ts`), so end-to-end tests can kill it mid-stream
 * (SIGKILL, no clean shutdown) and start it again on the same data, as a crash in production would. Node itself
 * runs the API, not the `tsx` command: that one starts Node as a child of its own, which a SIGKILL to `tsx`
 * would leave running.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface ApiProcess {
  url: string;
  process: ChildProcess;
  output(): string;
  /** SIGKILL: the process gets no chance to finish anything. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startApiProcess(env: Record<string, string | undefined>, port: number): Promise<ApiProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "api/main.ts"], {
    cwd: root,
    env: withoutUnset({ ...process.env, ...env, API_HOST: "127.0.0.1", API_PORT: String(port) }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const url = `http://127.0.0.1:${port}`;
  // Exited with a code, or ended by a signal (then exitCode stays null).
  const exited = () =>
    new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));

  try {
    await waitFor(
      "the API's /health",
      async () => {
        if (child.exitCode !== null) throw new Error(`the API exited (${child.exitCode}): ${output}`);
        return (await fetch(`${url}/health`)).ok;
      },
      // A TypeScript boot on a loaded machine (load average over 20 on two cores) can take over a minute.
      { timeoutMs: 180_000, intervalMs: 100 },
    );
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`The API did not start: ${output}`, { cause: error });
  }

  return {
    url,
    process: child,
    output: () => output,
    kill: async () => {
      child.kill("SIGKILL");
      await exited();
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await Promise.race([exited(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited();
      }
    },
  };
}

/** `undefined` in the overrides means "not set" for the child, not the string "undefined". */
function withoutUnset(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}
