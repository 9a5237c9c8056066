/**
 * Static assets a page of the API serves itself (no CDN): a browser script bundled by esbuild from TypeScript the
 * first time it is asked for, and stylesheets, each kept in memory once built, with an ETag. Used by the hosted
 * checkout, the refund pages and the console.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";

export type Asset = { body: string; contentType: string; etag: string };

/** What an asset name serves: a TypeScript entry point to bundle, or a file sent as it is. */
export type AssetSource = { bundle: string } | { css: string };

export type AssetServer = {
  /** The named asset, built once per process (a failed build is retried on the next request); undefined if unknown. */
  get(name: string): Promise<Asset> | undefined;
  /** Starts building every asset in the background. */
  warm(): void;
};

function asset(body: string, contentType: string): Asset {
  return { body, contentType, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"` };
}

async function build(source: AssetSource): Promise<Asset> {
  if ("css" in source) return asset(await readFile(source.css, "utf8"), "text/css; charset=utf-8");
  const { build: bundle } = await import("esbuild");
  const result = await bundle({
    entryPoints: [source.bundle],
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

/** `sources` maps asset names (absolute paths as values) to what they serve. */
export function assetServer(sources: Record<string, AssetSource>): AssetServer {
  // A Map, not an object lookup: an asset name from the URL must never reach `__proto__`, `constructor` or `valueOf`.
  const known = new Map(Object.entries(sources));
  const cache = new Map<string, Promise<Asset>>();
  const get = (name: string): Promise<Asset> | undefined => {
    const source = known.get(name);
    if (!source) return undefined;
    let pending = cache.get(name);
    if (!pending) {
      pending = build(source);
      pending.catch(() => cache.delete(name));
      cache.set(name, pending);
    }
    return pending;
  };
  return { get, warm: () => known.forEach((_, name) => get(name)?.catch(() => {})) };
}
