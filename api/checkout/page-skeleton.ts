/**
 * What the hosted pages (the checkout, the refund and claim pages) share in their HTML: escaping, the JSON block the
 * script reads, the document around a page's `<main>` (under the checkout's stylesheet), and the browser-wallet
 * card the wallet client (`client/wallet-ui.ts`) drives: account, steps, message, connect and the action button.
 */

export const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

/** JSON that is safe inside a `<script>` element. */
export const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");

export type PageOptions = {
  /** `<meta>` tags of the page's own, before the title. */
  meta?: string[];
  /** Stylesheets after the checkout's. */
  stylesheets?: string[];
  /** A line after the body (the page's data and script). */
  tail?: string;
};

export function pageDocument(title: string, body: string, { meta = [], stylesheets = [], tail }: PageOptions = {}): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    ...meta,
    `<title>${escapeHtml(title)}</title>`,
    '<link rel="stylesheet" href="/pay/assets/checkout.css">',
    ...stylesheets.map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`),
    "</head>",
    "<body>",
    body,
    ...(tail === undefined ? [] : [tail]),
    "</body>",
    "</html>",
  ].join("\n");
}

/** The browser-wallet card: `action` is the button that does the page's one thing (pay, send) once connected. */
export function walletCard({ title, intro, action }: { title: string; intro?: string; action: { id: string; label: string } }): string {
  return `      <article class="method" id="method-wallet" aria-labelledby="wallet-title">
        <h3 id="wallet-title">${escapeHtml(title)}</h3>${intro === undefined ? "" : `\n        ${intro}`}
        <div id="wallets" class="wallets"></div>
        <p id="wallet-account" class="muted"></p>
        <ol id="steps" class="steps"></ol>
        <p id="wallet-message" class="message" role="alert" data-testid="wallet-message"></p>
        <div class="actions">
          <button type="button" id="connect" class="primary" hidden>Connect wallet</button>
          <button type="button" id="${escapeHtml(action.id)}" class="primary" hidden>${escapeHtml(action.label)}</button>
        </div>
        <p id="no-wallet" class="muted" hidden>No browser wallet found in this browser.</p>
      </article>`;
}

/**
 * The live status block every page has (its script updates `#status` and `#status-detail`): `status` the machine
 * value (`data-status`), `label` and `detail` the words, `extra` the page's own lines below them (trusted HTML).
 */
export function statusSection({ status, label, detail, extra }: { status: string; label: string; detail: string; extra: string }): string {
  return `  <section class="status" aria-live="polite" aria-labelledby="status-label">
    <p id="status-label" class="label">Status</p>
    <p id="status" class="status-badge" data-testid="status" data-status="${escapeHtml(status)}">${escapeHtml(label)}</p>
    <p id="status-detail" class="status-detail">${escapeHtml(detail)}</p>
${extra}
  </section>`;
}
