/**
 * What the checkout test asks of every page state: axe-core finds no serious or critical accessibility violation
 * (contrast included), and a closed order's page offers nothing to pay with.
 */
import AxeBuilder from "@axe-core/playwright";
import { parse as parseEthUrl } from "eth-url-parser";
import type { Page } from "playwright-core";

/** axe-core's WCAG 2.x A and AA rules on the page as it is now; returns the serious and critical violations, described. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  // The contrast rule must really have looked at the page (axe injected and ran under the page's CSP).
  const contrastRan = [...results.passes, ...results.violations, ...results.incomplete].some((r) => r.id === "color-contrast");
  if (!contrastRan) throw new Error("axe-core did not run its color-contrast rule");
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => `${n.target.join(" ")} (${n.failureSummary?.replace(/\s+/g, " ")})`).join("; ")}`);
}

/** Every visible thing on the page that would start a payment: buttons, wallet links, QR codes, EIP-681 links. */
export async function visiblePaymentOffers(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const visible = (el: Element) => {
      const box = (el as HTMLElement).getBoundingClientRect();
      return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
    };
    const offers: string[] = [];
    for (const el of Array.from(document.querySelectorAll("button, a[href], img.qr, [data-copy]"))) {
      if (!visible(el)) continue;
      const text = (el.textContent ?? "").trim();
      const href = el.getAttribute("href") ?? "";
      if (el.matches("img.qr") || el.hasAttribute("data-copy") || /^ethereum:|metamask\.app\.link/.test(href) || /pay|connect|approve|copy/i.test(text)) {
        offers.push(`${el.tagName.toLowerCase()} ${text || href || el.getAttribute("alt")}`);
      }
    }
    return offers;
  });
}

/**
 * The `ethereum:` links the page offers, checked the way MetaMask Mobile reads them (eth-url-parser): only `transfer`
 * or `approve` (the token functions its deep links execute), no repeated keys, and amounts a float holds exactly.
 * Returns what is wrong with each.
 */
export async function unusableWalletLinks(page: Page): Promise<string[]> {
  const hrefs = await page.locator('a[href^="ethereum:"]').evaluateAll((links) => links.map((a) => a.getAttribute("href")!));
  const problems: string[] = [];
  for (const href of hrefs) {
    const keys = new URLSearchParams(href.split("?")[1] ?? "").getAll("address");
    if (keys.length > 1) problems.push(`${href}: repeated address keys`);
    const parsed = parseEthUrl(href);
    if (!["transfer", "approve"].includes(parsed.function_name ?? "")) problems.push(`${href}: MetaMask does not execute ${parsed.function_name}`);
    const amount = parsed.parameters?.uint256;
    if (amount !== undefined && BigInt(Math.round(Number(amount))) !== BigInt(amount)) problems.push(`${href}: ${amount} does not survive a float`);
  }
  return problems;
}
