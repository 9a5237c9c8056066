/**
 * The refund page (`refundUrl`, `/refund/<token>`: the merchant sends the refund from it) and the customer's claim
 * link (`claimUrl`, `/claim/<token>`: the customer sets where the refund goes). Public, unauthenticated routes under
 * the checkout's CSP and the per-address rate limit (app.ts); only the random token in the URL gives access, never a
 * refund id. The claim POST takes JSON only (a cross-site form cannot send it without a CORS preflight, which this
 * API does not answer), at most 4 KiB.
 */
import type { Context } from "hono";
import { createRouter } from "../../http/openapi.js";
import type { AppEnv } from "../../http/context.js";
import { pageHeaders, sameOriginCsp } from "../../http/page-headers.js";
import { ApiError, validationFailed } from "../../lib/errors.js";
import { jsonBody } from "../../middlewares/json-body.js";
import { viewContext } from "../../orders/reads.js";
import { claimRefundDestination } from "../../refunds/claim.js";
import { refundPageAsset, warmRefundPageAssets } from "../../refund-pages/assets.js";
import { checkClaimInput } from "../../refund-pages/claim-input.js";
import { claimPage, refundNotFoundPage, refundPage } from "../../refund-pages/page.js";
import { loadClaimView, loadMerchantRefund, REFUND_PAGE_TOKEN } from "../../refund-pages/public-refund.js";
import { streamStatus } from "../../refund-pages/status-stream.js";

const CSP = sameOriginCsp();

const securityHeaders = pageHeaders({ csp: CSP, referrerPolicy: "no-referrer", noStore: true });
const notFoundJson = (c: Context<AppEnv>, what: string) => c.json({ error: { code: "not_found", message: `No such ${what}`, details: null } }, 404);

export const refundPagesRouter = createRouter()
  .use("/refund/*", securityHeaders)
  .use("/claim/*", securityHeaders)
  .get("/refund/assets/:name", async (c) => {
    const asset = await refundPageAsset(c.req.param("name"));
    if (!asset) return c.text("Not found", 404);
    if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304, { ETag: asset.etag });
    return c.body(asset.body, 200, { "Content-Type": asset.contentType, ETag: asset.etag, "Cache-Control": "no-cache" });
  })
  .get("/refund/:token", async (c) => {
    warmRefundPageAssets();
    const refund = await loadMerchantRefund(c.get("deps"), c.req.param("token"));
    if (!refund) return c.html(refundNotFoundPage("refund"), 404);
    return c.html(refundPage(refund), 200);
  })
  .get("/refund/:token/status", async (c) => {
    const refund = await loadMerchantRefund(c.get("deps"), c.req.param("token"));
    return refund ? c.json(refund, 200) : notFoundJson(c, "refund");
  })
  .get("/refund/:token/events", async (c) => {
    const deps = c.get("deps");
    const token = c.req.param("token");
    const refund = await loadMerchantRefund(deps, token);
    if (!refund) return notFoundJson(c, "refund");
    return streamStatus(c, refund, () => loadMerchantRefund(deps, token));
  })
  .get("/claim/:token", async (c) => {
    warmRefundPageAssets();
    const claim = await loadClaimView(c.get("deps"), c.req.param("token"));
    if (!claim) return c.html(refundNotFoundPage("claim"), 404);
    return c.html(claimPage(claim), 200);
  })
  .get("/claim/:token/status", async (c) => {
    const claim = await loadClaimView(c.get("deps"), c.req.param("token"));
    return claim ? c.json(claim, 200) : notFoundJson(c, "refund link");
  })
  .get("/claim/:token/events", async (c) => {
    const deps = c.get("deps");
    const token = c.req.param("token");
    const claim = await loadClaimView(deps, token);
    if (!claim) return notFoundJson(c, "refund link");
    return streamStatus(c, claim, () => loadClaimView(deps, token));
  })
  .post("/claim/:token", jsonBody(4096), async (c) => {
    const deps = c.get("deps");
    const token = c.req.param("token");
    if (!/^application\/json\b/i.test(c.req.header("content-type") ?? "")) {
      throw new ApiError(415, "unsupported_media_type", "Send the address as JSON with Content-Type: application/json");
    }
    if (!REFUND_PAGE_TOKEN.test(token)) return notFoundJson(c, "refund link");
    const body = await c.req.json<unknown>().catch(() => {
      throw new ApiError(400, "invalid_json", "The body is not valid JSON");
    });
    const checked = checkClaimInput(body);
    if ("errors" in checked) throw validationFailed(checked.errors);
    const ctx = { ...(await viewContext(deps.db, deps.config.publicBaseUrl, { withHeads: false })), chains: deps.chains };
    await claimRefundDestination(deps.db, { claimToken: token, address: checked.address, now: deps.now(), ctx });
    return c.json(await loadClaimView(deps, token), 200);
  });
