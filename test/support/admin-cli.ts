/**
 * The operator CLI (`npm run admin`, run in-process) against a throw-away PGlite data dir and the test deployment
 * records, as an operator's shell has them. `useAdminCli` registers its own `beforeAll`/`afterAll`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { runAdmin } from "../../api/admin/cli.js";
import { writeTestDeployments } from "./harness.js";

export type AdminCli = {
  /** The CLI's data dir (API_DATA_DIR). */
  dataDir: string;
  /** What the CLI's environment sets: API_DATA_DIR and DEPLOYMENTS_DIR. */
  env: Record<string, string>;
  /** A command's `--json` answer. */
  json<T>(...args: string[]): Promise<T>;
};

export function useAdminCli(prefix: string): AdminCli {
  let deployments: Awaited<ReturnType<typeof writeTestDeployments>> | undefined;
  const cli: AdminCli = {
    dataDir: "",
    env: {},
    json: async <T>(...args: string[]) => JSON.parse(await runAdmin([...args, "--json"], cli.env)) as T,
  };
  beforeAll(async () => {
    cli.dataDir = await mkdtemp(path.join(tmpdir(), prefix));
    deployments = await writeTestDeployments();
    cli.env = { API_DATA_DIR: cli.dataDir, DEPLOYMENTS_DIR: deployments.dir };
  });
  afterAll(async () => {
    if (cli.dataDir) await rm(cli.dataDir, { recursive: true, force: true });
    await deployments?.remove();
  });
  return cli;
}
