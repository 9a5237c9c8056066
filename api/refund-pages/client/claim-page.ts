/**
 * The claim page's script: checks both fields as the customer types (the same checks the server makes), sends the
 * address as JSON, and shows the server's answer: the address set (the form goes away for good), or what is wrong
 * with which field.
 */
import { watchStatus } from "../../checkout/client/live-status.js";
import { addressProblem } from "../claim-input.js";
import { claimStatusDetail, claimStatusLabel, type RefundStatusName } from "../refund-text.js";

type ClaimState = {
  claimToken: string;
  status: RefundStatusName;
  amount: string;
  token: { symbol: string };
  chain: { name: string };
  destination: string | null;
};
type ErrorBody = { error?: { code?: string; message?: string; details?: { field?: string; message?: string }[] } };

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
let claim: ClaimState = JSON.parse($("page-data").textContent!);
const fields = ["address", "confirmation"] as const;

function render(): void {
  document.querySelector("main")!.dataset.status = claim.status;
  const badge = $("status");
  badge.textContent = claimStatusLabel(claim);
  badge.dataset.status = claim.status;
  $("status-detail").textContent = claimStatusDetail(claim);
  $("claimed").hidden = !claim.destination;
  $("claimed-address").textContent = claim.destination ?? "";
  $("claim-card").hidden = !(claim.status === "pending" && !claim.destination);
}

function fieldError(field: (typeof fields)[number], text: string): void {
  $(`${field}-error`).textContent = text ? `${field === "address" ? "Address" : "Confirmation"} ${text}.` : "";
  $<HTMLInputElement>(field).setAttribute("aria-invalid", String(Boolean(text)));
}

/** The browser's own check: true when both fields look right (the server checks again). */
function checkLocally(): boolean {
  const address = $<HTMLInputElement>("address").value.trim();
  const confirmation = $<HTMLInputElement>("confirmation").value.trim();
  const problem = addressProblem(address);
  fieldError("address", problem ?? "");
  const mismatch = confirmation === "" ? "is required: type the address a second time" : confirmation.toLowerCase() !== address.toLowerCase() ? "does not match the address: check both" : "";
  fieldError("confirmation", mismatch);
  return !problem && !mismatch;
}

async function submit(event: Event): Promise<void> {
  event.preventDefault();
  $("claim-message").textContent = "";
  if (!checkLocally()) return;
  const button = $<HTMLButtonElement>("claim-submit");
  button.disabled = true;
  try {
    const response = await fetch(`/claim/${encodeURIComponent(claim.claimToken)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ address: $<HTMLInputElement>("address").value, confirmation: $<HTMLInputElement>("confirmation").value }),
    });
    if (response.ok) {
      claim = (await response.json()) as ClaimState;
      return render();
    }
    const body = (await response.json().catch(() => ({}))) as ErrorBody;
    for (const detail of body.error?.details ?? []) if (detail.field === "address" || detail.field === "confirmation") fieldError(detail.field, detail.message ?? "");
    $("claim-message").textContent = body.error?.message ?? `The server answered ${response.status}; try again.`;
    const latest = await fetch(`/claim/${encodeURIComponent(claim.claimToken)}/status`, { cache: "no-store" });
    if (latest.ok) claim = (await latest.json()) as ClaimState;
    render();
  } catch {
    $("claim-message").textContent = "Could not reach the server. Check your connection and try again.";
  } finally {
    button.disabled = false;
  }
}

// The status stays live (the merchant sends, the network confirms, or the refund is cancelled while the form is open).
watchStatus<ClaimState>(`/claim/${encodeURIComponent(claim.claimToken)}`, (next) => {
  claim = next;
  render();
});
$("claim-form").addEventListener("submit", (event) => void submit(event));
render();
