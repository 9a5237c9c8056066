/** The refund and claim pages' assets: their two scripts (bundled from `client/`) and their stylesheet. */
import { fileURLToPath } from "node:url";
import { assetServer } from "../lib/bundled-assets.js";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

const assets = assetServer({
  "refund.js": { bundle: here("./client/refund-page.ts") },
  "claim.js": { bundle: here("./client/claim-page.ts") },
  "refund.css": { css: here("./styles.css") },
});

export const refundPageAsset = assets.get;
export const warmRefundPageAssets = assets.warm;
