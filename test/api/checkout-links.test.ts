import { describe, expect, it } from "vitest";
import { metamaskDappLink, publicBaseUrlWarning } from "../../api/checkout/metamask.js";

describe("checkout links", () => {
  it("opens the checkout in MetaMask Mobile through its dapp link, host and path without the scheme", () => {
    expect(metamaskDappLink("https://pay.shop.example/base", "tok")).toBe("https://metamask.app.link/dapp/pay.shop.example/base/pay/tok");
  });

  it("warns at start-up when PUBLIC_BASE_URL is not https, except for this machine (local development)", () => {
    for (const url of ["http://pay.shop.example", "http://10.0.0.5:3000", "http://shop.example.com:8080"]) {
      expect(publicBaseUrlWarning(url), url).toMatch(/not https.*MetaMask/);
    }
    for (const url of ["https://pay.shop.example", "http://127.0.0.1:3000", "http://localhost:3000", "http://[::1]:3000", "http://shop.localhost"]) {
      expect(publicBaseUrlWarning(url), url).toBeUndefined();
    }
  });
});
