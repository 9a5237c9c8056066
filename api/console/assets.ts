/** The console's static assets: the client script, bundled from `client/console.ts`, and the stylesheet. */
import { fileURLToPath } from "node:url";
import { assetServer } from "../lib/bundled-assets.js";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

const assets = assetServer({ "console.js": { bundle: here("./client/console.ts") }, "console.css": { css: here("./styles.css") } });

export const consoleAsset = assets.get;
