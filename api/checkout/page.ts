/**
 * The checkout page's HTML. The server renders what it knows (merchant, amount, network, addresses) so the page is
 * useful before the script runs; the script then keeps the status live and drives the wallet. Every value is
 * escaped; the order data the script needs travels in a JSON `<script type="application/json">` block, which the
 * CSP allows because it is not executed.
 */
import { amountLabel, amountNote, PAYABLE_STATUSES, shownAmount, statusDetail, statusLabel } from "./order-text.js";
import { depositQrPath } from "./deposit-qr-path.js";
import { escapeHtml, pageDocument, scriptJson, statusSection, walletCard } from "./page-skeleton.js";
import type { PublicOrder } from "./public-order.js";

const layout = (title: string, body: string) => pageDocument(title, body);

export function checkoutPage(order: PublicOrder): string {
  const e = escapeHtml;
  const payable = PAYABLE_STATUSES.has(order.status);
  return layout(
    `Pay ${order.amountDue} ${order.token.symbol} to ${order.merchantName}`,
    `<main class="checkout" data-status="${e(order.status)}">
  <header class="merchant">
    <p class="eyebrow">Pay</p>
    <h1 id="merchant-name">${e(order.merchantName)}</h1>
  </header>

  <section class="amount-card" aria-labelledby="amount-label">
    <p id="amount-label" class="label">${e(amountLabel(order))}</p>
    <p class="amount"><span id="amount" data-testid="amount">${e(shownAmount(order))}</span> <span id="token-symbol">${e(order.token.symbol)}</span></p>
    <p id="amount-note" class="amount-note">${e(amountNote(order))}</p>
    <p class="network">on <strong id="network-name">${e(order.chain.name)}</strong> (chain id <span id="chain-id">${order.chain.id}</span>)</p>
    <p class="countdown" id="countdown" aria-live="off"></p>
  </section>

${statusSection({
  status: order.status,
  label: statusLabel(order),
  detail: statusDetail(order),
  extra: `    <ul id="payments" class="payments"></ul>
    <p id="redirect-notice" class="notice" hidden></p>`,
})}

  <section class="pay-methods" id="pay-methods" aria-labelledby="pay-methods-title"${payable ? "" : " hidden"}>
    <h2 id="pay-methods-title" class="visually-hidden">How to pay</h2>
    <div class="warning" id="transfer-warning" role="note">
      <p><strong>Pay only with one of the options below.</strong> ${
        order.depositAddress
          ? "Tokens sent to any other address (the merchant's own wallet, the payment router)"
          : "Tokens sent straight to the merchant's address, or withdrawn from an exchange,"
      } cannot be matched to this order and are not credited.</p>
    </div>
    <div class="methods">
${walletMethod(order)}
${metamaskMethod(order)}
${depositMethod(order)}
    </div>
    <details class="technical">
      <summary>What your wallet will show</summary>
      <dl class="facts">
        <dt>The transaction goes to the payment router</dt>
        <dd><code>${e(order.toAddress)}</code></dd>
        <dt>Token contract (${e(order.token.symbol)})</dt>
        <dd><code>${e(order.token.address)}</code></dd>
      </dl>
      <p class="small">The router passes the tokens straight to the merchant in the same transaction. These addresses are
      for checking what your wallet asks you to confirm: do not send tokens to them.</p>
    </details>
  </section>
  <footer class="muted small">Non-custodial: the tokens go from your wallet to the merchant's. Order <code>${e(order.id)}</code></footer>
</main>
<script id="order-data" type="application/json">${scriptJson(order)}</script>
<script src="/pay/assets/checkout.js" defer></script>`,
  );
}

/** One way to pay, as a card; each method is a self-contained `<article class="method">`. */
function walletMethod(order: PublicOrder): string {
  return walletCard({ title: "Pay with a browser wallet", action: { id: "pay", label: `Pay ${order.amountDue} ${order.token.symbol}` } });
}

function metamaskMethod(order: PublicOrder): string {
  const e = escapeHtml;
  if (!order.https) {
    return `      <article class="method" id="method-metamask" aria-labelledby="metamask-title">
        <h3 id="metamask-title">Pay with MetaMask on your phone</h3>
        <p id="metamask-unavailable">Not available for this checkout: it is served over plain http, and MetaMask opens
        checkout pages over https only. Use a browser wallet, or ask the shop for a secure (https) checkout link.</p>
      </article>`;
  }
  return `      <article class="method" id="method-metamask" aria-labelledby="metamask-title">
        <h3 id="metamask-title">Pay with MetaMask on your phone</h3>
        <div class="on-phone">
          <p>Opens this checkout in the MetaMask app, where you approve and pay in two confirmations.</p>
          <a id="metamask-link" class="button-link" href="${e(order.metamaskUrl)}" rel="noopener noreferrer">Open in MetaMask</a>
        </div>
        <div class="on-desktop">
          <img class="qr" src="/pay/${e(order.checkoutToken)}/qr.svg" width="180" height="180" alt="QR code that opens this checkout in MetaMask Mobile">
          <p>Scan with your phone's camera or MetaMask: it opens this checkout in the MetaMask app.</p>
        </div>
      </article>`;
}

/**
 * A plain transfer to the order's own deposit address, from any wallet or exchange: network and token in large
 * print, the exact amount still due and the address with copy buttons, and an EIP-681 `transfer` QR code. The
 * script keeps the amount and the QR code current as payments arrive.
 */
function depositMethod(order: PublicOrder): string {
  const e = escapeHtml;
  if (!order.depositAddress) return "";
  const { symbol } = order.token;
  return `      <article class="method method-deposit" id="method-deposit" aria-labelledby="deposit-title">
        <h3 id="deposit-title">Send from any wallet or exchange</h3>
        <p class="deposit-network" id="deposit-network">Send only <strong>${e(symbol)}</strong> on <strong>${e(order.chain.name)}</strong></p>
        <div class="deposit-grid">
          <img class="qr" id="deposit-qr" src="${e(depositQrPath(order))}" width="180" height="180" alt="QR code of a ${e(symbol)} transfer to this order's deposit address, for wallets that scan payment codes">
          <dl class="deposit-facts">
            <dt id="deposit-amount-label">Amount to send</dt>
            <dd><span class="deposit-value"><span id="deposit-amount" data-testid="deposit-amount">${e(order.amountDue)}</span> ${e(symbol)}</span>
              <button type="button" class="copy" data-copy="deposit-amount" aria-describedby="deposit-amount-label">Copy amount</button></dd>
            <dt id="deposit-address-label">To this order's deposit address</dt>
            <dd><code class="deposit-value address" id="deposit-address" data-testid="deposit-address">${e(order.depositAddress)}</code>
              <button type="button" class="copy" data-copy="deposit-address" aria-describedby="deposit-address-label">Copy address</button></dd>
          </dl>
        </div>
        <p class="small">This address is for this order only. Send the exact amount in one or more transfers; if your exchange
        takes its withdrawal fee out of the amount, add the fee so that the whole amount arrives. Other tokens, or
        ${e(symbol)} on another network, are not credited to this order.</p>
        <p id="copy-status" class="visually-hidden" role="status"></p>
      </article>`;
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
