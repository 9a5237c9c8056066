/**
 * The page side of a wallet flow, shared by the checkout and the refund page: the message line under the buttons, the
 * list of steps the wallet is taken through (each `active`, then `done`), and a customer's words for a wallet error.
 */
import { type FlowUi, PaymentBlocked, type Step } from "./pay-flow.js";
import { USER_REJECTED, WalletError } from "./wallet.js";

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
