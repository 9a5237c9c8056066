/**
 * The console's only script: signing a payout address change in the browser wallet. It finds wallets through
 * EIP-6963 (falling back to `window.ethereum`), asks for the account that must sign, and fills the signature into
 * the form (EIP-191 `personal_sign`). Everything else in the console works without script.
 */
type Provider = { request(args: { method: string; params?: unknown[] }): Promise<unknown> };
type Announced = { info: { name: string; rdns: string }; provider: Provider };

const providers: Announced[] = [];
window.addEventListener("eip6963:announceProvider", (event) => {
  const detail = (event as CustomEvent<Announced>).detail;
  if (detail && !providers.some((p) => p.info.rdns === detail.info.rdns)) providers.push(detail);
});
window.dispatchEvent(new Event("eip6963:requestProvider"));

const toHex = (text: string) => `0x${[...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;

function pickProvider(): Provider | undefined {
  return providers[0]?.provider ?? (window as unknown as { ethereum?: Provider }).ethereum;
}

async function sign(form: HTMLFormElement, status: HTMLElement) {
  const address = form.dataset.address!;
  const message = form.dataset.message!;
  const provider = pickProvider();
  if (!provider) {
    status.textContent = "No browser wallet found. Sign the message elsewhere and paste the signature.";
    return;
  }
  status.textContent = "Waiting for your wallet…";
  const accounts = (await provider.request({ method: "eth_requestAccounts" })) as string[];
  if (!accounts.some((a) => a.toLowerCase() === address.toLowerCase())) {
    status.textContent = `Your wallet offers ${accounts.join(", ") || "no account"}; switch it to ${address} and try again.`;
    return;
  }
  const signature = (await provider.request({ method: "personal_sign", params: [toHex(message), address] })) as string;
  (form.querySelector("#signature") as HTMLTextAreaElement).value = signature;
  status.textContent = "Signed. Submitting…";
  form.submit();
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("payout-sign-form") as HTMLFormElement | null;
  const button = document.getElementById("sign-with-wallet");
  const status = document.getElementById("wallet-status");
  if (!form || !button || !status) return;
  button.addEventListener("click", () => {
    sign(form, status).catch((error: { code?: number; message?: string }) => {
      status.textContent = error.code === 4001 ? "You declined in the wallet; nothing changed." : `The wallet said: ${error.message ?? String(error)}`;
    });
  });
});
