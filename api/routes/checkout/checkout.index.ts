/**
 * The hosted checkout (`cashierUrl`): public, unauthenticated routes for the customer paying one order. Only the
 * checkout's random token in the URL gives access (never the order id), and only to what the customer needs (see
 * `PublicOrder`).
 */
import QRCode from "qrcode";
import { checkoutAsset, warmCheckoutAssets } from "../../checkout/assets.js";
import { checkoutPage, notFoundPage } from "../../checkout/page.js";
import { loadPublicOrder } from "../../checkout/public-order.js";
import { streamOrderStatus } from "../../checkout/status-stream.js";
import { createRouter } from "../../http/openapi.js";
import { pageHeaders, sameOriginCsp } from "../../http/page-headers.js";

const CSP = sameOriginCsp();

const securityHeaders = pageHeaders({ csp: CSP, referrerPolicy: "no-referrer" });

export const checkoutRouter = createRouter()
  .use("/pay/*", securityHeaders)
  .get("/pay/assets/:name", async (c) => {
    const asset = await checkoutAsset(c.req.param("name"));
    if (!asset) return c.text("Not found", 404);
    if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304, { ETag: asset.etag });
    return c.body(asset.body, 200, { "Content-Type": asset.contentType, ETag: asset.etag, "Cache-Control": "no-cache" });
  })
  .get("/pay/:token", async (c) => {
    // The bundle is built on the first checkout visit (not at import, which every process that builds the app
    // does), so it is ready by the time the browser asks for the script.
    warmCheckoutAssets();
    const order = await loadPublicOrder(c.get("deps"), c.req.param("token"));
    if (!order) return c.html(notFoundPage(), 404, { "Cache-Control": "no-store" });
    return c.html(checkoutPage(order), 200, { "Cache-Control": "no-store" });
  })
  .get("/pay/:token/status", async (c) => {
    const order = await loadPublicOrder(c.get("deps"), c.req.param("token"));
    if (!order) return c.json({ error: { code: "not_found", message: "No such checkout", details: null } }, 404);
    return c.json(order, 200, { "Cache-Control": "no-store" });
  })
  .get("/pay/:token/events", async (c) => {
    const order = await loadPublicOrder(c.get("deps"), c.req.param("token"));
    if (!order) return c.json({ error: { code: "not_found", message: "No such checkout", details: null } }, 404);
    return streamOrderStatus(c, c.get("deps"), order);
  })
  .get("/pay/:token/qr.svg", async (c) => {
    const order = await loadPublicOrder(c.get("deps"), c.req.param("token"));
    if (!order) return c.text("Not found", 404);
    const svg = await QRCode.toString(order.metamaskUrl, { type: "svg", errorCorrectionLevel: "M", margin: 1 });
    return c.body(svg, 200, { "Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=3600" });
  })
  .get("/pay/:token/transfer-qr.svg", async (c) => {
    // The EIP-681 transfer of what is due now to the order's deposit address (the page's `?due=` only busts caches).
    const order = await loadPublicOrder(c.get("deps"), c.req.param("token"));
    if (!order?.depositUri) return c.text("Not found", 404);
    const svg = await QRCode.toString(order.depositUri, { type: "svg", errorCorrectionLevel: "M", margin: 1 });
    return c.body(svg, 200, { "Content-Type": "image/svg+xml", "Cache-Control": "no-store" });
  });
