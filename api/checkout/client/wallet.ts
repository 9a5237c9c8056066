/**
 * Browser wallets: EIP-6963 discovery (with `window.ethereum` as the fallback), and the few EIP-1193 calls the
 * checkout makes, with the wallet's error codes kept so the page can explain them.
 */
import type { Address, Hex } from "viem";
import { BaseError } from "../../lib/base-error.js";

export type Eip1193Provider = {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
  on?(event: string, listener: (...args: any[]) => void): void;
};

export type DiscoveredWallet = { uuid: string; name: string; icon?: string; provider: Eip1193Provider };

/** Calls back for every wallet that announces itself, now and later. */
export function discoverWallets(onWallet: (wallet: DiscoveredWallet) => void): void {
  const seen = new Set<string>();
  window.addEventListener("eip6963:announceProvider", (event) => {
    const detail = (event as CustomEvent<{ info: { uuid: string; name: string; icon?: string }; provider: Eip1193Provider }>).detail;
    if (!detail?.info?.uuid || !detail.provider || seen.has(detail.info.uuid)) return;
    seen.add(detail.info.uuid);
    onWallet({ uuid: detail.info.uuid, name: detail.info.name, icon: detail.info.icon, provider: detail.provider });
  });
  window.dispatchEvent(new Event("eip6963:requestProvider"));
}

/** The legacy injected provider, for wallets that do not speak EIP-6963. */
export function injectedWallet(): DiscoveredWallet | undefined {
  const provider = (window as unknown as { ethereum?: Eip1193Provider }).ethereum;
  return provider ? { uuid: "injected", name: "Browser wallet", provider } : undefined;
}

/** An error from the wallet, with its EIP-1193 / JSON-RPC code (4001: the user rejected). */
export class WalletError extends BaseError {
  override name = "WalletError";
  constructor(
    message: string,
    readonly code: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const USER_REJECTED = 4001;
export const UNRECOGNIZED_CHAIN = 4902;

export function walletErrorCode(error: unknown): number | undefined {
  const e = error as { code?: unknown; data?: { originalError?: { code?: unknown } }; cause?: unknown };
  if (typeof e?.code === "number") return e.code;
  if (typeof e?.data?.originalError?.code === "number") return e.data.originalError.code;
  if (e?.cause) return walletErrorCode(e.cause);
  return undefined;
}

export class Wallet {
  constructor(readonly provider: Eip1193Provider) {}

  async request<T>(method: string, params?: unknown[]): Promise<T> {
    try {
      return (await this.provider.request(params === undefined ? { method } : { method, params })) as T;
    } catch (error) {
      const message = (error as { message?: string })?.message ?? String(error);
      throw new WalletError(message, walletErrorCode(error), { cause: error });
    }
  }

  async connect(): Promise<Address> {
    const accounts = await this.request<Address[]>("eth_requestAccounts");
    if (!accounts?.[0]) throw new WalletError("The wallet shared no account", undefined);
    return accounts[0];
  }

  async chainId(): Promise<number> {
    return Number.parseInt(await this.request<string>("eth_chainId"), 16);
  }

  call(to: Address, data: Hex): Promise<Hex> {
    return this.request<Hex>("eth_call", [{ to, data }, "latest"]);
  }

  async nativeBalance(account: Address): Promise<bigint> {
    return BigInt(await this.request<string>("eth_getBalance", [account, "latest"]));
  }

  sendTransaction(from: Address, to: Address, data: Hex): Promise<Hex> {
    return this.request<Hex>("eth_sendTransaction", [{ from, to, data }]);
  }

  /** Resolves once the transaction is mined; a reverted transaction is an error. */
  async waitForReceipt(hash: Hex, { timeoutMs = 180_000 } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const receipt = await this.request<{ status: Hex } | null>("eth_getTransactionReceipt", [hash]);
      if (receipt) {
        if (receipt.status !== "0x1") throw new WalletError(`Transaction ${hash} failed on chain`, undefined);
        return;
      }
      if (Date.now() > deadline) throw new WalletError(`Transaction ${hash} was not mined in time`, undefined);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}
