/**
 * The checkout's static assets: the client script, bundled from `client/checkout.ts` (with viem's ABI encoding from
 * node_modules), and the stylesheet.
 */
import { fileURLToPath } from "node:url";
import { assetServer } from "../lib/bundled-assets.js";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

const assets = assetServer({ "checkout.js": { bundle: here("./client/checkout.ts") }, "checkout.css": { css: here("./styles.css") } });

export const checkoutAsset = assets.get;
export const warmCheckoutAssets = assets.warm;
