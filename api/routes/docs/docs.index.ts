/**
 * `/docs`: the interactive API reference (Swagger UI), served from the `swagger-ui-dist` package on this
 * machine; no CDN is involved. It reads `/openapi.json`.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Hono } from "hono";
import type { AppEnv } from "../../http/context.js";

const ASSETS = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
} as const;

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
  persistAuthorization: true,
  displayOperationId: true,
  tryItOutEnabled: true,
});
`;

export const docsRouter = new Hono<AppEnv>()
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
