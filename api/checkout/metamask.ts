/**
 * MetaMask Mobile's dapp link, `https://metamask.app.link/dapp/<host/path>`: it opens the checkout inside MetaMask's
 * own browser, where its wallet is injected and the page's approve + pay flow runs. MetaMask loads the page over
 * https whatever the link says, so a checkout served over plain http cannot be opened that way.
 */
export function metamaskDappLink(publicBaseUrl: string, checkoutToken: string): string {
  return `https://metamask.app.link/dapp/${publicBaseUrl.replace(/^https?:\/\//, "")}/pay/${checkoutToken}`;
}

const LOCAL_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|[^/]+\.localhost)$/i;

/** The start-up warning for a `PUBLIC_BASE_URL` that is not https, unless it points at this machine (local development). */
export function publicBaseUrlWarning(publicBaseUrl: string): string | undefined {
  const url = new URL(publicBaseUrl);
  if (url.protocol === "https:" || LOCAL_HOSTS.test(url.hostname)) return undefined;
  return (
    `PUBLIC_BASE_URL (${publicBaseUrl}) is not https: customers' wallets will not open the checkout ` +
    `(MetaMask Mobile loads dapp links over https only) and the page travels unencrypted. Serve the API behind https.`
  );
}
