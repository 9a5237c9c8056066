/**
 * The checkout page's HTML. The server renders what it knows (merchant, amount, network, addresses) so the page is
 * useful before the script runs; the script then keeps the status live and drives the wallet. Every value is
 * escaped; the order data the script needs travels in a JSON `<script type="application/json">` block, which the
 * CSP allows because it is not executed.
 */
import type { PublicOrder } from "./public-order.js";

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

/** JSON that is safe inside a `<script>` element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/pay/assets/checkout.css">
</head>
<body>
${body}
</body>
</html>`;
}

export function checkoutPage(order: PublicOrder): string {
  const e = escapeHtml;
  return layout(
    `Pay ${order.amount} ${order.token.symbol} to ${order.merchantName}`,
    `<main class="checkout" data-status="${e(order.status)}">
  <header class="merchant">
    <p class="eyebrow">Pay</p>
    <h1 id="merchant-name">${e(order.merchantName)}</h1>
  </header>

  <section class="amount-card" aria-labelledby="amount-label">
    <p id="amount-label" class="label">Amount</p>
    <p class="amount"><span id="amount" data-testid="amount">${e(order.amount)}</span> <span id="token-symbol">${e(order.token.symbol)}</span>
      <button type="button" class="copy" data-copy="${e(order.amount)}" aria-label="Copy amount">Copy</button></p>
    <p class="network">on <strong id="network-name">${e(order.chain.name)}</strong> (chain id <span id="chain-id">${order.chain.id}</span>)</p>
    <p class="countdown" id="countdown" aria-live="off">Expires ${e(order.expiresAt)}</p>
  </section>

  <section class="status" aria-live="polite">
    <p class="label">Status</p>
    <p id="status" class="status-badge" data-testid="status" data-status="${e(order.status)}">${e(order.status)}</p>
    <p id="status-detail" class="status-detail"></p>
    <ul id="payments" class="payments"></ul>
    <p id="redirect-notice" class="notice" hidden></p>
  </section>

  <section class="wallet" id="wallet-section" aria-labelledby="wallet-title">
    <h2 id="wallet-title">Pay with a browser wallet</h2>
    <div id="wallets" class="wallets"></div>
    <p id="wallet-account" class="muted"></p>
    <ol id="steps" class="steps"></ol>
    <p id="wallet-message" class="message" role="alert" data-testid="wallet-message"></p>
    <div class="actions">
      <button type="button" id="connect" class="primary">Connect wallet</button>
      <button type="button" id="pay" class="primary" hidden>Pay ${e(order.amount)} ${e(order.token.symbol)}</button>
    </div>
    <p id="no-wallet" class="muted" hidden>No browser wallet found. Scan the QR code with MetaMask on your phone, or use the payment link below.</p>
  </section>

  <section class="manual" aria-labelledby="manual-title">
    <h2 id="manual-title">Pay from your phone</h2>
    <div class="manual-grid">
      <img class="qr" src="/pay/${e(order.id)}/qr.svg" width="200" height="200" alt="QR code: opens this checkout in MetaMask Mobile">
      <dl class="facts">
        <dt>Merchant receives at</dt>
        <dd><code id="payout-address">${e(order.payoutAddress)}</code>
          <button type="button" class="copy" data-copy="${e(order.payoutAddress)}" aria-label="Copy merchant address">Copy</button></dd>
        <dt>Your wallet sends the transaction to</dt>
        <dd><code>${e(order.toAddress)}</code> <span class="muted">(the payment router, which passes the tokens straight to the merchant)</span></dd>
        <dt>Token</dt>
        <dd>${e(order.token.symbol)} <code>${e(order.token.address)}</code></dd>
        <dt>Wallet links (EIP-681)</dt>
        <dd><a id="approve-link" href="${e(order.approveUri)}">1. Approve ${e(order.amount)} ${e(order.token.symbol)}</a><br>
            <a id="eip681-link" href="${e(order.paymentUri)}">2. Pay the order</a></dd>
      </dl>
    </div>
    <p class="muted small">A plain token transfer to the merchant cannot be matched to this order: pay through the wallet button, the QR code or the links above.</p>
  </section>
  <footer class="muted small">Non-custodial: the tokens go from your wallet to the merchant's. Order <code>${e(order.id)}</code></footer>
</main>
<script id="order-data" type="application/json">${scriptJson(order)}</script>
<script src="/pay/assets/checkout.js" defer></script>`,
  );
}

export function notFoundPage(): string {
  return layout(
    "Checkout not found",
    `<main class="checkout not-found">
  <h1>We could not find this checkout</h1>
  <p>The link may be mistyped or incomplete. Go back to the shop and start the payment again; nothing has been charged.</p>
</main>`,
  );
}
