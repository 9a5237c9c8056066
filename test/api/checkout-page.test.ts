/**
 * The checkout page's "Send from any wallet or exchange" card as the server renders it: shown with the order's
 * deposit address and amount due when the chain has a DepositFactory, absent (with the old warning) when not, and
 * every value escaped.
 */
import { describe, expect, it } from "vitest";
import { checkoutPage } from "../../api/checkout/page.js";
import type { PublicOrder } from "../../api/checkout/public-order.js";

const DEPOSIT = "0x422176F33E3B84caaD378fcaD27D21E84C2C2F29";
const base: PublicOrder = {
  checkoutToken: "A".repeat(32),
  id: "ord_01TEST",
  merchantName: "Acme <Coffee>",
  status: "pending",
  amount: "12.5",
  amountReceived: "0",
  amountDue: "12.5",
  amountDueUnits: "12500000",
  token: { symbol: "USDT", address: "0x55d398326f99059fF775485246999027B3197955", decimals: 18, permit: false },
  chain: { id: 56, name: "BNB Smart Chain", rpcUrls: [], nativeCurrency: { name: "BNB", symbol: "BNB", decimals: 18 } },
  toAddress: "0x0000000000000000000000000000000000000001",
  payoutAddress: "0x0000000000000000000000000000000000000002",
  orderRef: `0x${"ab".repeat(32)}`,
  depositAddress: DEPOSIT,
  depositUri: `ethereum:0x55d398326f99059fF775485246999027B3197955@56/transfer?address=${DEPOSIT}&uint256=12500000`,
  metamaskUrl: "https://metamask.app.link/dapp/pay.example/pay/x",
  https: true,
  expiresAt: new Date(0).toISOString(),
  serverTime: new Date(0).toISOString(),
  confirmationsRequired: 15,
  payments: [],
  explorerTxUrl: null,
  successUrl: null,
  cancelUrl: null,
};

describe("checkout page: the deposit option", () => {
  it("names the token and network in large print, the amount due, the address with copy buttons and its QR code", () => {
    const html = checkoutPage(base);
    expect(html).toContain("Send from any wallet or exchange");
    expect(html).toContain('id="deposit-network">Send only <strong>USDT</strong> on <strong>BNB Smart Chain</strong>');
    expect(html).toContain('id="deposit-amount" data-testid="deposit-amount">12.5</span>');
    expect(html).toContain(`id="deposit-address" data-testid="deposit-address">${DEPOSIT}</code>`);
    expect(html).toContain(`src="/pay/${base.checkoutToken}/transfer-qr.svg?due=12500000"`);
    expect([...html.matchAll(/data-copy="([^"]+)"/g)].map((m) => m[1])).toEqual(["deposit-amount", "deposit-address"]);
    // The merchant's own address is never offered to send to.
    expect(html).not.toMatch(new RegExp(`<code[^>]*>${base.payoutAddress}`));
    expect(html).toContain("Acme &lt;Coffee&gt;");
  });

  it("is absent on a chain without a DepositFactory, where the page still warns against plain transfers", () => {
    const html = checkoutPage({ ...base, depositAddress: null, depositUri: null });
    expect(html).not.toContain("method-deposit");
    expect(html).not.toContain("data-copy");
    expect(html).toContain("withdrawn from an exchange, cannot be matched to this order and are not credited");
  });
});
