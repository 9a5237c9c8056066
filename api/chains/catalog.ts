/**
 * The chains and tokens this gateway accepts: the deployment records (router, tokens) plus how many
 * confirmations each chain needs.
 */
import type { Address } from "viem";
import { DeploymentRecordError, readDeploymentRecords, type AcceptedToken } from "../../contracts/deployments/record.js";
import { confirmationsFor } from "./confirmations.js";

export type AcceptedChain = {
  chainId: number;
  name: string;
  router: Address;
  /** The DepositFactory whose clones are the orders' deposit addresses; absent in records written before it existed. */
  depositFactory?: Address | undefined;
  /** The RefundRouter merchants send refunds through; absent in records written before it existed. */
  refundRouter?: Address | undefined;
  deployBlock: number;
  confirmations: number;
  tokens: AcceptedToken[];
};

export class ChainCatalog {
  readonly #chains: Map<number, AcceptedChain>;

  constructor(chains: AcceptedChain[]) {
    this.#chains = new Map(chains.map((chain) => [chain.chainId, chain]));
  }

  static async load({ dir, confirmations = {} }: { dir: string; confirmations?: Record<number, number> }): Promise<ChainCatalog> {
    const records = await readDeploymentRecords(dir);
    if (records.length === 0) throw new DeploymentRecordError(`DEPLOYMENTS_DIR: no deployment records (<chainId>.json) in ${dir}`);
    return new ChainCatalog(
      records.map((record) => ({
        chainId: record.chainId,
        name: record.chainName,
        router: record.router,
        depositFactory: record.depositFactory,
        refundRouter: record.refundRouter,
        deployBlock: record.deployBlock,
        confirmations: confirmationsFor(record.chainId, confirmations),
        tokens: record.tokens,
      })),
    );
  }

  list(): AcceptedChain[] {
    return [...this.#chains.values()];
  }

  chain(chainId: number): AcceptedChain | undefined {
    return this.#chains.get(chainId);
  }

  /** Symbols match case-insensitively (`usdt` is `USDT`). */
  token(chainId: number, symbol: string): AcceptedToken | undefined {
    const wanted = symbol.toUpperCase();
    return this.#chains.get(chainId)?.tokens.find((token) => token.symbol.toUpperCase() === wanted);
  }

  tokenByAddress(chainId: number, address: string): AcceptedToken | undefined {
    const wanted = address.toLowerCase();
    return this.#chains.get(chainId)?.tokens.find((token) => token.address.toLowerCase() === wanted);
  }
}
