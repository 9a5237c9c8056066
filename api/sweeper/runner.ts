/**
 * Runs the sweepers inside the API process: one per chain that has a DepositFactory, a `SWEEPER_PRIVATE_KEY_<chainId>`
 * and an `RPC_URL_<chainId>`; a pass every `SWEEP_INTERVAL_MS`, only on the instance that leads the confirmer, each
 * write fenced by its lease. A failing pass is logged (once until it changes) and tried again on the next tick.
 */
import type { ChainCatalog } from "../chains/catalog.js";
import type { Config } from "../config.js";
import type { Database, Transaction } from "../db/client.js";
import { ChainSweeper } from "./sweeper.js";

export type SweeperLoops = { sweepers: ChainSweeper[]; stop(): Promise<void> };

export function createSweepers(
  { db, config, chains, fence, log }: { db: Database; config: Config; chains: ChainCatalog; fence?: (tx: Transaction) => Promise<void>; log: (message: string) => void },
): ChainSweeper[] {
  const sweepers: ChainSweeper[] = [];
  for (const chain of chains.list()) {
    const privateKey = config.sweeper.privateKeys[chain.chainId];
    if (!chain.depositFactory || !privateKey) continue;
    const rpcUrl = config.rpcUrls[chain.chainId];
    if (!rpcUrl) {
      log(`sweeper: chain ${chain.chainId} has SWEEPER_PRIVATE_KEY_${chain.chainId} but no RPC_URL_${chain.chainId}: not sweeping it`);
      continue;
    }
    const { chainId, depositFactory: factory, confirmations } = chain;
    sweepers.push(new ChainSweeper({ db, chainId, factory, confirmations, rpcUrl, privateKey, settings: config.sweeper, ...(fence ? { fence } : {}), log }));
  }
  return sweepers;
}

export function startSweeperLoops({ sweepers, intervalMs, isLeader, log }: { sweepers: ChainSweeper[]; intervalMs: number; isLeader: () => boolean; log: (message: string) => void }): SweeperLoops {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const lastFailure = new Map<number, string>();
  const pass = async () => {
    for (const sweeper of sweepers) {
      try {
        if (isLeader()) await sweeper.sweep();
        if (lastFailure.delete(sweeper.chainId)) log(`sweeper: chain ${sweeper.chainId} works again`);
      } catch (error) {
        const failure = ((error as Error).message ?? String(error)).split("\n")[0]!;
        if (lastFailure.get(sweeper.chainId) !== failure) log(`sweeper: chain ${sweeper.chainId} failed (retried): ${failure}`);
        lastFailure.set(sweeper.chainId, failure);
      }
    }
  };
  const tick = () => {
    if (stopped) return;
    running = pass().finally(() => {
      if (!stopped) timer = setTimeout(tick, intervalMs);
    });
  };
  if (sweepers.length > 0) {
    for (const sweeper of sweepers) log(`sweeper: chain ${sweeper.chainId}: account ${sweeper.account.address}`);
    tick();
  }
  return {
    sweepers,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => {});
    },
  };
}
