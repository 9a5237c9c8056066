import path from "node:path";

/**
 * Resolves a path from the environment against the directory the user ran the command in: `npm run indexer` runs
 * Ponder inside `indexer/` (Ponder writes `generated/schema.graphql` into its working directory), and npm keeps the
 * user's directory in INIT_CWD.
 */
export function resolveUserPath(value: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.INIT_CWD ?? process.cwd(), value);
}
