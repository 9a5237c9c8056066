/**
 * A browser wallet for Playwright tests: an EIP-1193 provider announced through EIP-6963, whose requests go to the
 * test process (an exposed binding, which the page's CSP does not restrict) and from there to the dev chain's
 * JSON-RPC, where the dev accounts are unlocked. The test controls what a person would: which network the wallet is
 * on, and whether the next signature or transaction is rejected.
 */
import type { Page } from "playwright-core";
import { type Address, numberToHex } from "viem";
import { z } from "zod";

export type WalletCall = { method: string; params: unknown[] };

export interface TestWallet {
  account: Address;
  /** The chain the wallet says it is on; `wallet_switchEthereumChain` to the real chain changes it. */
  chainId: number;
  /** The next `eth_sendTransaction`, `eth_signTypedData_v4` or network switch fails with 4001, as when the person clicks Reject. */
  rejectNext: boolean;
  /** Every request the page made, in order. */
  calls: WalletCall[];
}

/** What the page asks `eth_sendTransaction` to send (the fields the tests read), and `wallet_switchEthereumChain` to switch to. */
const transactionRequest = z.object({ to: z.string(), data: z.string() });
const switchRequest = z.object({ chainId: z.string() });

/** The transactions the page asked the wallet to send, in order. */
export function sentTransactions(wallet: TestWallet): z.output<typeof transactionRequest>[] {
  return wallet.calls.filter((c) => c.method === "eth_sendTransaction").map((c) => transactionRequest.parse(c.params[0]));
}

type RpcResult = { result?: unknown; error?: { code: number; message: string } };

const USER_ACTIONS = new Set(["eth_sendTransaction", "eth_signTypedData_v4"]);

export async function installTestWallet(
  page: Page,
  { rpcUrl, nodeChainId, account, chainId = nodeChainId }: { rpcUrl: string; nodeChainId: number; account: Address; chainId?: number },
): Promise<TestWallet> {
  const wallet: TestWallet = { account, chainId, rejectNext: false, calls: [] };
  await page.exposeFunction("__testWalletRequest", walletRequestHandler(wallet, nodeChainId, rpcForwarder(rpcUrl)));
  await page.addInitScript(announceProvider);
  return wallet;
}

/** Sends one JSON-RPC request to the dev chain, where the dev accounts are unlocked. */
function rpcForwarder(rpcUrl: string): (method: string, params: unknown[]) => Promise<RpcResult> {
  let rpcId = 0;
  return async (method, params) => {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params }),
    });
    const body = (await response.json()) as RpcResult;
    return body.error ? { error: { code: body.error.code, message: body.error.message } } : { result: body.result };
  };
}

/**
 * What the wallet answers the page, in the test process: accounts and the network from its own state, a rejection
 * when the test asked for one, an error on the wrong network, and everything else from the chain.
 */
function walletRequestHandler(
  wallet: TestWallet,
  nodeChainId: number,
  forward: (method: string, params: unknown[]) => Promise<RpcResult>,
): (method: string, params?: unknown[]) => Promise<RpcResult> {
  const reject = (): RpcResult => {
    wallet.rejectNext = false;
    return { error: { code: 4001, message: "User rejected the request." } };
  };
  return async (method, params = []) => {
    wallet.calls.push({ method, params });
    switch (method) {
      case "eth_requestAccounts":
      case "eth_accounts":
        return { result: [wallet.account] };
      case "eth_chainId":
        return { result: numberToHex(wallet.chainId) };
      case "net_version":
        return { result: String(wallet.chainId) };
      case "wallet_switchEthereumChain": {
        if (wallet.rejectNext) return reject();
        const wanted = Number.parseInt(switchRequest.parse(params[0]).chainId, 16);
        if (wanted !== nodeChainId) return { error: { code: 4902, message: `Unrecognized chain ID ${wanted}` } };
        wallet.chainId = wanted;
        return { result: null };
      }
    }
    if (USER_ACTIONS.has(method) && wallet.rejectNext) return reject();
    if (wallet.chainId !== nodeChainId && method !== "eth_getTransactionReceipt") {
      return { error: { code: -32000, message: `The test wallet is on chain ${wallet.chainId}, not the node's ${nodeChainId}` } };
    }
    return forward(method, params);
  };
}

/**
 * Runs in the page (Playwright serializes it, so it uses nothing from this module): the EIP-1193 provider over the
 * exposed binding, announced through EIP-6963 now and on every request for providers.
 */
function announceProvider(): void {
  type Result = { result?: unknown; error?: { code: number; message: string } };
  const call = (window as unknown as { __testWalletRequest(method: string, params: unknown): Promise<Result> }).__testWalletRequest;
  const provider = {
    async request({ method, params }: { method: string; params?: unknown[] }) {
      const { result, error } = await call(method, params ?? []);
      if (error) throw Object.assign(new Error(error.message), { code: error.code });
      return result;
    },
    on() {},
    removeListener() {},
  };
  const info = Object.freeze({
    uuid: "6f1c3f0e-0000-4000-8000-00000000c0de",
    name: "Test Wallet",
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'/%3E",
    rdns: "dev.stablegate.test-wallet",
  });
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
}
