/**
 * The refund page's script: live status from the server (pushed, polled as the fallback), the claim link and the
 * Safe transaction kept current, and sending from a browser wallet, which must be the payout wallet. The page
 * never decides the refund is done; it shows what the server says and offers sending only while it is sendable.
 */
import type { Address } from "viem";
import { watchStatus } from "../../checkout/client/live-status.js";
import { type DiscoveredWallet, discoverWallets, injectedWallet, Wallet } from "../../checkout/client/wallet.js";
import { type RefundStatusName, refundStatusDetail, refundStatusLabel, sendable } from "../refund-text.js";
import { wireCopyButtons } from "./copy-buttons.js";
import { isPayoutWallet, type SendableRefund, sendRefund } from "./send-flow.js";
import { connectWallet, oneAtATime, stepList, walletMessage } from "../../checkout/client/wallet-ui.js";

type RefundState = SendableRefund & {
  pageToken: string;
  status: RefundStatusName;
  destination: Address | null;
  awaitingClaim: boolean;
  claimUrl: string | null;
  approveTransaction: { to: Address; value: string; data: string } | null;
  txHash: string | null;
  failureReason: string | null;
};

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let refund: RefundState = JSON.parse($("page-data").textContent!);
let wallet: Wallet | undefined;
let account: Address | undefined;
const actions = oneAtATime(["send", "connect"], () => render());
const wallets: DiscoveredWallet[] = [];

const walletAvailable = () => wallets.length > 0 || Boolean(injectedWallet());
const pickWallet = () => wallets[0] ?? injectedWallet();
const wrongWallet = () => Boolean(account) && !isPayoutWallet(account!, refund);

function render(): void {
  document.querySelector("main")!.dataset.status = refund.status;
  const badge = $("status");
  badge.textContent = refundStatusLabel(refund);
  badge.dataset.status = refund.status;
  $("status-detail").textContent = refundStatusDetail(refund);
  $("destination").textContent = refund.destination ?? "not set yet: waiting for the customer";
  $("tx").hidden = !refund.txHash;
  $("tx-hash").textContent = refund.txHash ?? "";
  $("claim-box").hidden = !refund.awaitingClaim;
  $("claim-url").textContent = refund.claimUrl ?? "";
  $("approve-to").textContent = refund.approveTransaction?.to ?? "";
  $("approve-data").textContent = refund.approveTransaction?.data ?? "";
  $("safe-to").textContent = refund.transaction?.to ?? "";
  $("safe-value").textContent = refund.transaction?.value ?? "0";
  $("safe-data").textContent = refund.transaction?.data ?? "";
  const canSend = sendable(refund);
  $("send-methods").hidden = !canSend && !actions.busy();
  if (!canSend && !actions.busy()) message("");
  else if (wrongWallet()) message(`This wallet (${account}) is not the payout wallet ${refund.from}. Switch to the payout wallet in your wallet to send the refund.`, "error");
  $("send").hidden = !account || !canSend || wrongWallet();
  $("connect").hidden = Boolean(account) || !canSend || !walletAvailable();
  $("no-wallet").hidden = walletAvailable();
}

const message = walletMessage;
const ui = stepList();

async function connect(): Promise<void> {
  const found = pickWallet();
  if (!found) return message("No browser wallet found in this browser.", "error");
  ({ wallet, account } = await connectWallet(found, (switched) => {
    account = switched;
    message("");
    render();
  }));
  message("");
  render();
}

async function send(): Promise<void> {
  if (!sendable(refund)) return message("This refund can no longer be sent from here.", "error");
  if (!wallet || !account) await connect();
  if (!wallet || !account || wrongWallet()) return;
  ui.clear();
  const hash = await sendRefund(wallet, account, refund, ui);
  if (sendable(refund)) message(`Refund sent (${hash.slice(0, 10)}…). Waiting for the network to confirm it; this page updates by itself.`, "info");
}

watchStatus<RefundState>(`/refund/${encodeURIComponent(refund.pageToken)}`, (next) => {
  refund = next;
  render();
});
discoverWallets((found) => {
  wallets.push(found);
  render();
});
$("connect").addEventListener("click", () => actions.run(connect));
$("send").addEventListener("click", () => actions.run(send));
wireCopyButtons();
render();
