/**
 * Where the browser tests find Chromium: CHROMIUM_PATH or CHROME_PATH, else the usual install places (Debian's
 * chromium, Google Chrome on Linux and macOS). Chromium is a prerequisite: without one, one line says how to get it.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

const CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/snap/bin/chromium",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];

export function findChromium(env: NodeJS.ProcessEnv = process.env, candidates: readonly string[] = CANDIDATES): string {
  const configured = env.CHROMIUM_PATH || env.CHROME_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH/CHROME_PATH points at ${configured}, which does not exist`);
    return configured;
  }
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new Error(
      "No Chromium found for the browser tests: install it (Debian/Ubuntu: `apt-get install chromium`; macOS: Google Chrome) or set CHROMIUM_PATH",
    );
  }
  return found;
}

/** Headless Chromium as these machines run it (no sandbox as root, no background network on a closed network). */
export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: findChromium(),
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
