/**
 * The page side of a wallet flow, shared by the checkout and the refund page: the message line under the buttons, the
 * list of steps the wallet is taken through (each `active`, then `done`), a customer's words for a wallet error,
 * connecting a wallet (its account shown and kept current) and running one wallet action at a time.
 */
import type { Address } from "viem";
import { type FlowUi, PaymentBlocked, type Step } from "./pay-flow.js";
import { type DiscoveredWallet, USER_REJECTED, Wallet, WalletError } from "./wallet.js";

export type MessageKind = "error" | "info" | "";

/** Writes `text` to the page's `#wallet-message` (empty clears it). */
export function walletMessage(text: string, kind: MessageKind = ""): void {
  const el = document.getElementById("wallet-message")!;
  el.textContent = text;
  el.dataset.kind = kind;
}

/** The steps list (`#steps`): one item per step id, updated in place; `clear()` before a new flow. */
export function stepList(): FlowUi & { clear(): void } {
  const items = new Map<string, HTMLLIElement>();
  const list = () => document.getElementById("steps")!;
  return {
    step({ id, text }: Step) {
      let item = items.get(id);
      if (!item) {
        item = document.createElement("li");
        items.set(id, item);
        list().append(item);
      }
      item.textContent = text;
      item.dataset.state = "active";
      item.dataset.step = id;
    },
    done(id: string) {
      const item = items.get(id);
      if (item) item.dataset.state = "done";
    },
    clear() {
      items.clear();
      list().replaceChildren();
    },
  };
}

/** What went wrong, in the customer's words: nothing was sent when the wallet refused. */
export function explainWalletError(error: unknown): string {
  if (error instanceof PaymentBlocked) return error.message;
  if (error instanceof WalletError) {
    if (error.code === USER_REJECTED) return "You rejected the request in your wallet, so nothing was sent. You can try again when ready.";
    if (error.code === -32002) return "Your wallet already has a request open: check the wallet window.";
    if (/insufficient funds/i.test(error.message)) return "Not enough funds for the network fee (gas). Add some and try again.";
    return `The wallet reported an error: ${error.message}`;
  }
  return `Something went wrong: ${(error as Error)?.message ?? String(error)}`;
}

const showAccount = (account: Address | undefined) => {
  document.getElementById("wallet-account")!.textContent = account ? `Connected: ${account}` : "";
};

/** Connects `found`: its account is shown in `#wallet-account` and kept current; `onAccountChange` hears each switch. */
export async function connectWallet(found: DiscoveredWallet, onAccountChange: (account: Address | undefined) => void): Promise<{ wallet: Wallet; account: Address }> {
  const wallet = new Wallet(found.provider);
  const account = await wallet.connect();
  showAccount(account);
  found.provider.on?.("accountsChanged", (accounts: Address[]) => {
    showAccount(accounts[0]);
    onAccountChange(accounts[0]);
  });
  return { wallet, account };
}

/**
 * One wallet action at a time: while one runs, `busy()` is true and the buttons `buttonIds` are disabled; a failure
 * is explained in the message line; `render` runs when it is over.
 */
export function oneAtATime(buttonIds: string[], render: () => void) {
  let busy = false;
  const disable = (disabled: boolean) => {
    for (const id of buttonIds) (document.getElementById(id) as HTMLButtonElement).disabled = disabled;
  };
  return {
    busy: () => busy,
    async run(action: () => Promise<void>): Promise<void> {
      if (busy) return;
      busy = true;
      disable(true);
      try {
        await action();
      } catch (error) {
        walletMessage(explainWalletError(error), "error");
      } finally {
        busy = false;
        disable(false);
        render();
      }
    },
  };
}
