/**
 * `/docs`: the interactive API reference (Swagger UI), served from the `swagger-ui-dist` package on this
 * machine; no CDN is involved. It reads `/openapi.json`.
 *
 * It shares its origin with the hosted checkout, so it keeps nothing: an API key typed into "Authorize" lives in the
 * page's memory only (no `persistAuthorization`, which would put it in localStorage), and a CSP allows only this
 * origin's scripts (Swagger UI needs inline styles and data: images).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Hono, type Context, type Next } from "hono";
import type { AppEnv } from "../../http/context.js";

const ASSETS = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
} as const;

async function docsHeaders(c: Context<AppEnv>, next: Next) {
  await next();
  c.res.headers.set("Content-Security-Policy", DOCS_CSP);
  c.res.headers.set("X-Content-Type-Options", "nosniff");
  c.res.headers.set("Referrer-Policy", "no-referrer");
  c.res.headers.set("X-Frame-Options", "DENY");
}

const distDir = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const cache = new Map<string, Buffer>();

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Stablegate API reference</title>
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="reference"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#reference",
  deepLinking: true,
  persistAuthorization: false,
  displayOperationId: true,
  tryItOutEnabled: true,
});
`;

export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const docsRouter = new Hono<AppEnv>()
  .use("/docs/*", docsHeaders)
  .get("/docs", (c) => c.html(PAGE))
  .get("/docs/init.js", (c) => c.body(INIT, 200, { "Content-Type": "text/javascript; charset=utf-8" }))
  .get("/docs/assets/:file", async (c) => {
    const file = c.req.param("file");
    if (!Object.hasOwn(ASSETS, file)) return c.notFound();
    let body = cache.get(file);
    if (!body) {
      body = await readFile(path.join(distDir, file));
      cache.set(file, body);
    }
    return c.body(new Uint8Array(body), 200, {
      "Content-Type": ASSETS[file as keyof typeof ASSETS],
      "Cache-Control": "public, max-age=86400",
    });
  });
