/**
 * The refund page (merchant) and the claim page (customer), server-rendered so they are useful before the script
 * runs; every value is escaped and the data the script needs travels in a JSON block (the CSP allows it: it is not
 * executed). They use the checkout's stylesheet plus a few rules of their own.
 */
import { escapeHtml, pageDocument, scriptJson, statusSection, walletCard as sharedWalletCard } from "../checkout/page-skeleton.js";
import type { ClaimView, MerchantRefundView } from "./public-refund.js";
import { claimStatusDetail, claimStatusLabel, refundStatusDetail, refundStatusLabel, sendable } from "./refund-text.js";

const e = escapeHtml;

function layout(title: string, body: string, script: string, data: unknown): string {
  const tail = data === undefined ? "" : `<script id="page-data" type="application/json">${scriptJson(data)}</script>\n<script src="/refund/assets/${script}" defer></script>`;
  return pageDocument(title, body, { meta: ['<meta name="robots" content="noindex">'], stylesheets: ["/refund/assets/refund.css"], tail });
}

/** A value with a copy button (the script wires `data-copy`); the value is selectable as text too. */
const copyRow = (id: string, label: string, value: string) =>
  `<dt id="${id}-label">${e(label)}</dt>
        <dd class="copy-row"><code id="${id}">${e(value)}</code> <button type="button" class="copy" data-copy="${id}" aria-describedby="${id}-label">Copy</button></dd>`;

export function refundPage(r: MerchantRefundView): string {
  const canSend = sendable(r);
  return layout(
    `Refund ${r.amount} ${r.token.symbol} · ${r.merchantName}`,
    `<main class="checkout refund-page" data-status="${e(r.status)}">
  <header class="merchant">
    <p class="eyebrow">Refund from ${e(r.merchantName)}</p>
    <h1>Send a refund</h1>
    <p class="muted small">Only for you, the merchant: do not share this page's address. Order <code>${e(r.orderId)}</code> · refund <code>${e(r.id)}</code></p>
  </header>

  <section class="amount-card" aria-labelledby="amount-label">
    <p id="amount-label" class="label">Refund amount</p>
    <p class="amount"><span id="amount" data-testid="amount">${e(r.amount)}</span> <span id="token-symbol">${e(r.token.symbol)}</span></p>
    <p class="network big-print">on <strong id="network-name">${e(r.chain.name)}</strong> (chain id <span id="chain-id">${r.chain.id}</span>)</p>
    <dl class="facts">
      <dt>To (the customer)</dt>
      <dd><code id="destination">${e(r.destination ?? "not set yet: waiting for the customer")}</code></dd>
      <dt>From (your payout wallet, the only one that can send it)</dt>
      <dd><code id="from">${e(r.from)}</code></dd>
      <dt>Reason</dt>
      <dd id="reason">${e(r.reason)}</dd>
    </dl>
  </section>

${statusSection({
  status: r.status,
  label: refundStatusLabel(r),
  detail: refundStatusDetail(r),
  extra: `    <p id="tx" class="small"${r.txHash ? "" : " hidden"}>Transaction <code id="tx-hash">${e(r.txHash ?? "")}</code></p>`,
})}

  <section class="claim-box" id="claim-box" aria-labelledby="claim-title"${r.awaitingClaim ? "" : " hidden"}>
    <h2 id="claim-title">Claim link for the customer</h2>
    <p>Send this link to the customer. They enter the address that receives the refund, once; then this page lets you send it.</p>
    <dl class="facts">${copyRow("claim-url", "Claim link", r.claimUrl ?? "")}</dl>
  </section>

  <section class="pay-methods" id="send-methods" aria-labelledby="send-title"${canSend ? "" : " hidden"}>
    <h2 id="send-title">How to send it</h2>
    <div class="methods">
${walletCard(r)}
${safeCard(r)}
    </div>
  </section>
</main>`,
    "refund.js",
    r,
  );
}

function walletCard(r: MerchantRefundView): string {
  return sharedWalletCard({
    title: "Send from a browser wallet",
    intro: `<p class="small">Connect the payout wallet <code>${e(r.from)}</code>. It approves the RefundRouter for the amount
        (resetting an old allowance to 0 first, as USDT requires), then sends the refund; it pays the gas.</p>`,
    action: { id: "send", label: `Send ${r.amount} ${r.token.symbol}` },
  });
}

function safeCard(r: MerchantRefundView): string {
  const tx = r.transaction;
  return `      <article class="method" id="method-safe" aria-labelledby="safe-title">
        <h3 id="safe-title">Propose from a Safe or multisig</h3>
        <p class="small">Two transactions from the payout wallet, in this order (a Safe can batch them). USDT: if an allowance
        to the RefundRouter is left over, propose <code>approve</code> of 0 first.</p>
        <p class="label">1. Approve the RefundRouter for ${e(r.amount)} ${e(r.token.symbol)}</p>
        <dl class="facts">
        ${copyRow("approve-to", "To (the token)", r.approveTransaction?.to ?? "")}
        ${copyRow("approve-value", "Value", "0")}
        ${copyRow("approve-data", "Data", r.approveTransaction?.data ?? "")}
        </dl>
        <p class="label">2. The refund</p>
        <dl class="facts">
        ${copyRow("safe-to", "To (RefundRouter)", tx?.to ?? "")}
        ${copyRow("safe-value", "Value", tx?.value ?? "0")}
        ${copyRow("safe-data", "Data", tx?.data ?? "")}
        </dl>
      </article>`;
}

export function claimPage(c: ClaimView): string {
  const open = c.status === "pending" && !c.destination;
  return layout(
    `Refund of ${c.amount} ${c.token.symbol} from ${c.merchantName}`,
    `<main class="checkout claim-page" data-status="${e(c.status)}">
  <header class="merchant">
    <p class="eyebrow">Refund from</p>
    <h1>${e(c.merchantName)}</h1>
  </header>

  <section class="amount-card" aria-labelledby="amount-label">
    <p id="amount-label" class="label">You get back</p>
    <p class="amount"><span id="amount" data-testid="amount">${e(c.amount)}</span> <span id="token-symbol">${e(c.token.symbol)}</span></p>
    <p class="big-print">Token <strong id="claim-token">${e(c.token.symbol)}</strong></p>
    <p class="big-print">Network <strong id="claim-network">${e(c.chain.name)}</strong></p>
    <p class="muted small">Chain id ${c.chain.id}; token contract <code>${e(c.token.address)}</code></p>
  </section>

${statusSection({
  status: c.status,
  label: claimStatusLabel(c),
  detail: claimStatusDetail(c),
  extra: `    <p id="claimed" class="big-print"${c.destination ? "" : " hidden"}>Address <code id="claimed-address">${e(c.destination ?? "")}</code></p>`,
})}

  <section class="claim-form-card" id="claim-card" aria-labelledby="claim-form-title"${open ? "" : " hidden"}>
    <h2 id="claim-form-title">Where should the refund go?</h2>
    <div class="warning" role="note"><p>Enter an address <strong>on ${e(c.chain.name)}</strong> that can receive
    <strong>${e(c.token.symbol)}</strong>. An exchange address must accept ${e(c.token.symbol)} on ${e(c.chain.name)}, or the tokens may be lost.</p></div>
    <form id="claim-form" novalidate>
      <label for="address">Your ${e(c.token.symbol)} address on ${e(c.chain.name)}</label>
      <input id="address" name="address" autocomplete="off" autocapitalize="off" spellcheck="false" inputmode="text" placeholder="0x…" aria-describedby="address-error" required>
      <p id="address-error" class="field-error" data-testid="address-error"></p>
      <label for="confirmation">The same address again</label>
      <input id="confirmation" name="confirmation" autocomplete="off" autocapitalize="off" spellcheck="false" inputmode="text" placeholder="0x…" aria-describedby="confirmation-error" required>
      <p id="confirmation-error" class="field-error" data-testid="confirmation-error"></p>
      <p id="claim-message" class="message" role="alert" data-testid="claim-message"></p>
      <button type="submit" id="claim-submit" class="primary">Send my refund to this address</button>
    </form>
  </section>
</main>`,
    "claim.js",
    c,
  );
}

export function refundNotFoundPage(what: "refund" | "claim"): string {
  return layout(
    what === "refund" ? "Refund not found" : "Refund link not found",
    `<main class="checkout not-found">
  <h1>We could not find this ${what === "refund" ? "refund" : "refund link"}</h1>
  <p>The link may be mistyped or incomplete. Check it, or ask ${what === "refund" ? "the API or the console for the refund's refundUrl" : "the merchant for the link again"}.</p>
</main>`,
    "",
    undefined,
  );
}
