/**
 * The console's static assets, served by the API (no CDN): the client script bundled by esbuild from
 * `client/console.ts` on first request and kept in memory, and the stylesheet.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

export type Asset = { body: string; contentType: string; etag: string };

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

async function bundleClient(): Promise<Asset> {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [here("./client/console.ts")],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2020",
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  });
  return asset(result.outputFiles[0]!.text, "text/javascript; charset=utf-8");
}

async function loadStyles(): Promise<Asset> {
  return asset(await readFile(here("./styles.css"), "utf8"), "text/css; charset=utf-8");
}

function asset(body: string, contentType: string): Asset {
  return { body, contentType, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"` };
}

const builders: Record<string, () => Promise<Asset>> = { "console.js": bundleClient, "console.css": loadStyles };
const cache = new Map<string, Promise<Asset>>();

export function consoleAsset(name: string): Promise<Asset> | undefined {
  const builder = builders[name];
  if (!builder) return undefined;
  let pending = cache.get(name);
  if (!pending) {
    pending = builder();
    pending.catch(() => cache.delete(name));
    cache.set(name, pending);
  }
  return pending;
}
