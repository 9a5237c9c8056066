/**
 * The "Send from any wallet or exchange" card in the browser: keeps the amount still due and its QR code current
 * (partial payments lower it), and copies the amount or the deposit address to the clipboard. Where the clipboard
 * is not available (an insecure context, a refused permission) the value is selected for the customer to copy.
 */
import { depositQrPath } from "../deposit-qr-path.js";

type DepositFacts = { checkoutToken: string; amountDue: string; amountDueUnits: string; depositAddress: string | null };

const COPIED_MS = 2_000;

export function renderDepositOption(order: DepositFacts): void {
  const amount = document.getElementById("deposit-amount");
  const qr = document.getElementById("deposit-qr") as HTMLImageElement | null;
  if (!amount || !qr || !order.depositAddress) return;
  amount.textContent = order.amountDue;
  const path = depositQrPath(order);
  if (qr.getAttribute("src") !== path) qr.setAttribute("src", path);
}

export function setUpCopyButtons(): void {
  for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>("button[data-copy]"))) {
    const label = button.textContent ?? "Copy";
    button.addEventListener("click", () => void copy(button, label));
  }
}

async function copy(button: HTMLButtonElement, label: string): Promise<void> {
  const source = document.getElementById(button.dataset.copy!)!;
  const text = (source.textContent ?? "").trim();
  const status = document.getElementById("copy-status");
  const what = label.replace(/^Copy /, "");
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
    if (status) status.textContent = `The ${what} is copied: ${text}`;
    setTimeout(() => (button.textContent = label), COPIED_MS);
  } catch {
    window.getSelection()?.selectAllChildren(source);
    if (status) status.textContent = `Could not reach the clipboard: the ${what} is selected, copy it with Ctrl+C or a long press.`;
  }
}
