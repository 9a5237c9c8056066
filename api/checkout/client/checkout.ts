/**
 * The checkout page's script: live status from the server (polled), countdown, copy buttons, and the browser
 * wallet payment. The page never decides that the order is paid; it shows what `/pay/:id/status` says.
 */
import type { Address } from "viem";
import { type CheckoutOrder, PaymentBlocked, payOrder, type Step } from "./pay-flow.js";
import { type DiscoveredWallet, discoverWallets, injectedWallet, USER_REJECTED, Wallet, WalletError } from "./wallet.js";

type Status = "pending" | "confirming" | "paid" | "underpaid" | "overpaid" | "expired" | "paid_late" | "cancelled";

type OrderState = CheckoutOrder & {
  id: string;
  status: Status;
  amountReceived: string;
  expiresAt: string;
  serverTime: string;
  confirmationsRequired: number;
  payments: { txHash: string; amount: string; state: string; confirmations: number; txUrl: string | null }[];
  successUrl: string | null;
  cancelUrl: string | null;
};

const POLL_MS = 1_500;
const REDIRECT_DELAY_MS = 3_000;

const STATUS_TEXT: Record<Status, { label: string; detail: (o: OrderState) => string }> = {
  pending: { label: "Waiting for payment", detail: () => "Pay with your wallet below, or scan the QR code with MetaMask." },
  confirming: {
    label: "Payment seen, confirming",
    detail: (o) => `Your payment is on chain; waiting for ${o.confirmationsRequired} confirmation(s) before the merchant counts it.`,
  },
  paid: { label: "Paid", detail: () => "The payment is confirmed. Thank you!" },
  underpaid: {
    label: "Underpaid",
    detail: (o) => `Received ${o.amountReceived} of ${o.amount} ${o.token.symbol}. Pay the rest before the order expires, or contact the merchant.`,
  },
  overpaid: { label: "Paid (more than asked)", detail: (o) => `Received ${o.amountReceived} ${o.token.symbol}; contact the merchant about the difference.` },
  expired: { label: "Expired", detail: () => "This order has expired and can no longer be paid. Go back to the shop to start again." },
  paid_late: { label: "Paid after expiry", detail: () => "A payment arrived after the order expired. The merchant will decide; contact them if needed." },
  cancelled: { label: "Cancelled", detail: () => "The merchant cancelled this order; do not pay it." },
};

/** Statuses in which the customer may still send a payment. */
const PAYABLE: ReadonlySet<Status> = new Set(["pending", "underpaid"]);

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let order: OrderState = JSON.parse($("order-data").textContent!);
let clockOffsetMs = Date.parse(order.serverTime) - Date.now();
let wallet: Wallet | undefined;
let account: Address | undefined;
let busy = false;
let redirecting = false;
const wallets: DiscoveredWallet[] = [];
let chosen: DiscoveredWallet | undefined;

const payable = () => PAYABLE.has(order.status) && Date.now() + clockOffsetMs < Date.parse(order.expiresAt);

function render(): void {
  const main = document.querySelector("main")!;
  main.dataset.status = order.status;
  const badge = $("status");
  badge.textContent = STATUS_TEXT[order.status]?.label ?? order.status;
  badge.dataset.status = order.status;
  $("status-detail").textContent = STATUS_TEXT[order.status]?.detail(order) ?? "";
  const list = $("payments");
  list.replaceChildren(
    ...order.payments.map((payment) => {
      const item = document.createElement("li");
      const hash = `${payment.txHash.slice(0, 10)}…${payment.txHash.slice(-8)}`;
      const label = `${payment.amount} ${order.token.symbol} · ${payment.state} · ${payment.confirmations}/${order.confirmationsRequired} confirmations · `;
      item.append(label);
      if (payment.txUrl) {
        const link = document.createElement("a");
        link.href = payment.txUrl;
        link.rel = "noopener noreferrer";
        link.target = "_blank";
        link.textContent = hash;
        item.append(link);
      } else {
        const code = document.createElement("code");
        code.textContent = hash;
        code.title = payment.txHash;
        item.append(code);
      }
      return item;
    }),
  );
  const canPay = payable();
  $("wallet-section").hidden = !canPay && !busy;
  $("pay").hidden = !account || !canPay;
  $("connect").hidden = Boolean(account) || !canPay;
  renderCountdown();
  maybeRedirect();
}

function renderCountdown(): void {
  const left = Date.parse(order.expiresAt) - (Date.now() + clockOffsetMs);
  const el = $("countdown");
  if (!PAYABLE.has(order.status)) {
    el.textContent = "";
    return;
  }
  if (left <= 0) {
    el.textContent = "Expired";
    return;
  }
  const s = Math.floor(left / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  el.textContent = `Expires in ${h > 0 ? `${h}:` : ""}${mm}:${ss}`;
}

function maybeRedirect(): void {
  if (redirecting) return;
  const target =
    order.status === "paid" || order.status === "overpaid"
      ? { url: order.successUrl, text: "Payment confirmed. Taking you back to the shop…" }
      : order.status === "expired" || order.status === "cancelled"
        ? { url: order.cancelUrl, text: `Order ${order.status}. Taking you back to the shop…` }
        : undefined;
  if (!target?.url || !/^https?:\/\//i.test(target.url)) return;
  redirecting = true;
  const notice = $("redirect-notice");
  notice.hidden = false;
  notice.textContent = `${target.text} `;
  const link = document.createElement("a");
  link.href = target.url;
  link.textContent = "Go now";
  notice.append(link);
  setTimeout(() => window.location.assign(target.url!), REDIRECT_DELAY_MS);
}

async function poll(): Promise<void> {
  try {
    const response = await fetch(`/pay/${encodeURIComponent(order.id)}/status`, { cache: "no-store" });
    if (response.ok) {
      order = await response.json();
      clockOffsetMs = Date.parse(order.serverTime) - Date.now();
      render();
    }
  } catch {
    // Offline for a moment: the next poll tries again.
  } finally {
    if (!redirecting) setTimeout(poll, POLL_MS);
  }
}

function message(text: string, kind: "error" | "info" | "" = ""): void {
  const el = $("wallet-message");
  el.textContent = text;
  el.dataset.kind = kind;
}

const steps = new Map<string, HTMLLIElement>();
const ui = {
  step({ id, text }: Step) {
    let item = steps.get(id);
    if (!item) {
      item = document.createElement("li");
      steps.set(id, item);
      $("steps").append(item);
    }
    item.textContent = text;
    item.dataset.state = "active";
    item.dataset.step = id;
  },
  done(id: string) {
    const item = steps.get(id);
    if (item) item.dataset.state = "done";
  },
};

function explain(error: unknown): string {
  if (error instanceof PaymentBlocked) return error.message;
  if (error instanceof WalletError) {
    if (error.code === USER_REJECTED) return "You rejected the request in your wallet, so nothing was sent. You can try again when ready.";
    if (error.code === -32002) return "Your wallet already has a request open: check the wallet window.";
    if (/insufficient funds/i.test(error.message)) return "Not enough funds for the network fee (gas). Add some and try again.";
    return `The wallet reported an error: ${error.message}`;
  }
  return `Something went wrong: ${(error as Error)?.message ?? String(error)}`;
}

function pickWallet(): DiscoveredWallet | undefined {
  return chosen ?? wallets[0] ?? injectedWallet();
}

function renderWallets(): void {
  const box = $("wallets");
  box.replaceChildren();
  $("no-wallet").hidden = wallets.length > 0 || Boolean(injectedWallet());
  if (wallets.length < 2) return;
  for (const candidate of wallets) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "wallet-choice";
    button.setAttribute("aria-pressed", String(candidate === pickWallet()));
    if (candidate.icon?.startsWith("data:image/")) {
      const img = document.createElement("img");
      img.src = candidate.icon;
      img.alt = "";
      img.width = 20;
      img.height = 20;
      button.append(img);
    }
    button.append(candidate.name);
    button.addEventListener("click", () => {
      chosen = candidate;
      account = undefined;
      renderWallets();
      render();
    });
    box.append(button);
  }
}

async function connect(): Promise<void> {
  const found = pickWallet();
  if (!found) {
    message("No browser wallet found. Install MetaMask or scan the QR code with your phone.", "error");
    return;
  }
  wallet = new Wallet(found.provider);
  message(`${found.name} will ask you to connect an account: the checkout needs its address to check your balance and build the payment.`, "info");
  account = await wallet.connect();
  $("wallet-account").textContent = `Connected: ${account}`;
  found.provider.on?.("accountsChanged", (accounts: Address[]) => {
    account = accounts[0];
    $("wallet-account").textContent = account ? `Connected: ${account}` : "";
    render();
  });
  message("");
  render();
}

async function withBusy(action: () => Promise<void>): Promise<void> {
  if (busy) return;
  busy = true;
  $<HTMLButtonElement>("pay").disabled = true;
  $<HTMLButtonElement>("connect").disabled = true;
  try {
    await action();
  } catch (error) {
    message(explain(error), "error");
  } finally {
    busy = false;
    $<HTMLButtonElement>("pay").disabled = false;
    $<HTMLButtonElement>("connect").disabled = false;
    render();
  }
}

async function pay(): Promise<void> {
  if (!payable()) {
    message("This order can no longer be paid.", "error");
    return;
  }
  if (!wallet || !account) await connect();
  if (!wallet || !account) return;
  message("");
  steps.clear();
  $("steps").replaceChildren();
  const hash = await payOrder(wallet, account, order, ui);
  message(`Transaction sent (${hash.slice(0, 10)}…). Waiting for the network to confirm it; this page updates by itself.`, "info");
}

function setUpCopyButtons(): void {
  document.querySelectorAll<HTMLButtonElement>("button[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(button.dataset.copy!);
        button.textContent = "Copied";
      } catch {
        button.textContent = "Select and copy";
      }
      setTimeout(() => (button.textContent = "Copy"), 1_500);
    });
  });
}

discoverWallets((found) => {
  wallets.push(found);
  renderWallets();
});
renderWallets();
setUpCopyButtons();
$("connect").addEventListener("click", () => withBusy(connect));
$("pay").addEventListener("click", () => withBusy(pay));
setInterval(renderCountdown, 1_000);
render();
setTimeout(poll, POLL_MS);
