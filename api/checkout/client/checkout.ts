/**
 * The checkout page's script: live status from the server (pushed, polled as the fallback), countdown, and the
 * browser wallet payment. The page never decides that the order is paid; it shows what the server says, offers
 * ways to pay only while the order is payable, and only ever asks for the amount still due.
 */
import type { Address } from "viem";
import { amountLabel, amountNote, type OrderStatusName, PAYABLE_STATUSES, paymentText, shownAmount, statusDetail, statusLabel } from "../order-text.js";
import { renderDepositOption, setUpCopyButtons } from "./deposit-option.js";
import { watchOrder } from "./live-status.js";
import { type CheckoutOrder, payOrder } from "./pay-flow.js";
import { type DiscoveredWallet, discoverWallets, injectedWallet, Wallet } from "./wallet.js";
import { connectWallet, oneAtATime, stepList, walletMessage } from "./wallet-ui.js";

type OrderState = CheckoutOrder & {
  checkoutToken: string;
  id: string;
  status: OrderStatusName;
  amount: string;
  amountReceived: string;
  expiresAt: string;
  serverTime: string;
  confirmationsRequired: number;
  payments: { txHash: string; amount: string; state: string; confirmations: number; txUrl: string | null }[];
  successUrl: string | null;
  cancelUrl: string | null;
  depositAddress: string | null;
};

const REDIRECT_DELAY_MS = 3_000;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let order: OrderState = JSON.parse($("order-data").textContent!);
let clockOffsetMs = Date.parse(order.serverTime) - Date.now();
let wallet: Wallet | undefined;
let account: Address | undefined;
const actions = oneAtATime(["pay", "connect"], () => render());
let redirecting = false;
const wallets: DiscoveredWallet[] = [];
let chosen: DiscoveredWallet | undefined;

const payable = () => PAYABLE_STATUSES.has(order.status) && Date.now() + clockOffsetMs < Date.parse(order.expiresAt);
const walletAvailable = () => wallets.length > 0 || Boolean(injectedWallet());

function render(): void {
  const main = document.querySelector("main")!;
  main.dataset.status = order.status;
  main.dataset.wallet = walletAvailable() ? "found" : "none";
  const badge = $("status");
  badge.textContent = statusLabel(order);
  badge.dataset.status = order.status;
  $("status-detail").textContent = statusDetail(order);
  $("amount-label").textContent = amountLabel(order);
  $("amount").textContent = shownAmount(order);
  $("amount-note").textContent = amountNote(order);
  $("pay").textContent = `Pay ${order.amountDue} ${order.token.symbol}`;
  renderDepositOption(order);
  renderPayments();
  const canPay = payable();
  // A closed order offers nothing to pay with; a flow already under way keeps its steps in view until it ends.
  $("pay-methods").hidden = !canPay && !actions.busy();
  if (!canPay && !actions.busy()) message("");
  $("pay").hidden = !account || !canPay;
  $("connect").hidden = Boolean(account) || !canPay || !walletAvailable();
  $("no-wallet").hidden = walletAvailable();
  renderCountdown();
  maybeRedirect();
}

function renderPayments(): void {
  $("payments").replaceChildren(
    ...order.payments.map((payment) => {
      const item = document.createElement("li");
      item.append(`${paymentText(payment, order)} · `);
      const hash = `${payment.txHash.slice(0, 10)}…${payment.txHash.slice(-8)}`;
      const ref = payment.txUrl ? document.createElement("a") : document.createElement("code");
      if (ref instanceof HTMLAnchorElement) {
        ref.href = payment.txUrl!;
        ref.rel = "noopener noreferrer";
        ref.target = "_blank";
      }
      ref.textContent = hash;
      ref.title = payment.txHash;
      item.append(ref);
      return item;
    }),
  );
}

function renderCountdown(): void {
  const left = Date.parse(order.expiresAt) - (Date.now() + clockOffsetMs);
  const el = $("countdown");
  if (!PAYABLE_STATUSES.has(order.status)) {
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
  live.stop();
  const notice = $("redirect-notice");
  notice.hidden = false;
  notice.textContent = `${target.text} `;
  const link = document.createElement("a");
  link.href = target.url;
  link.textContent = "Go now";
  notice.append(link);
  setTimeout(() => window.location.assign(target.url!), REDIRECT_DELAY_MS);
}

const message = walletMessage;
const ui = stepList();

function pickWallet(): DiscoveredWallet | undefined {
  return chosen ?? wallets[0] ?? injectedWallet();
}

function renderWallets(): void {
  const box = $("wallets");
  box.replaceChildren();
  if (wallets.length >= 2) {
    for (const candidate of wallets) box.append(walletChoice(candidate));
  }
  render();
}

function walletChoice(candidate: DiscoveredWallet): HTMLButtonElement {
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
  });
  return button;
}

async function connect(): Promise<void> {
  const found = pickWallet();
  if (!found) {
    message("No browser wallet found in this browser.", "error");
    return;
  }
  message(`${found.name} will ask you to connect an account: the checkout needs its address to check your balance and build the payment.`, "info");
  ({ wallet, account } = await connectWallet(found, (switched) => {
    account = switched;
    render();
  }));
  message("");
  render();
}

async function pay(): Promise<void> {
  if (!payable()) {
    message("This order can no longer be paid.", "error");
    return;
  }
  if (!wallet || !account) await connect();
  if (!wallet || !account) return;
  message("");
  ui.clear();
  const hash = await payOrder(wallet, account, order, ui);
  // The status may already have moved on (pushed while the receipt was awaited): then there is nothing to add.
  if (payable()) message(`Transaction sent (${hash.slice(0, 10)}…). Waiting for the network to confirm it; this page updates by itself.`, "info");
}

const live = watchOrder<OrderState>(order.checkoutToken, (next) => {
  order = next;
  clockOffsetMs = Date.parse(order.serverTime) - Date.now();
  render();
});

discoverWallets((found) => {
  wallets.push(found);
  renderWallets();
});
$("connect").addEventListener("click", () => actions.run(connect));
$("pay").addEventListener("click", () => actions.run(pay));
setInterval(renderCountdown, 1_000);
setUpCopyButtons();
renderWallets();
