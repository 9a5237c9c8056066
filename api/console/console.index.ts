/**
 * The web console under `/console`: server-rendered pages for the people who run a shop (owners, developers,
 * support, finance) and for operators. Guards in `middleware.ts`; each area's routes in `routes/`.
 */
import { Hono, type Context } from "hono";
import { domainApiError } from "../http/domain-errors.js";
import { ApiError } from "../lib/errors.js";
import { consoleAsset } from "./assets.js";
import type { ConsoleEnv } from "./context.js";
import { csrfProtection, requireSignedIn, securityHeaders, withMerchant, withSession } from "./middleware.js";
import { errorBody, layout } from "./pages/layout.js";
import { accessRoutes } from "./routes/access.js";
import { developerRoutes } from "./routes/developers.js";
import { financeRoutes } from "./routes/finance.js";
import { operatorRoutes } from "./routes/operator.js";
import { ownerRoutes } from "./routes/owner.js";
import { refundRoutes } from "./routes/refunds.js";
import { supportRoutes } from "./routes/support.js";

const wantsJson = (c: Context) => c.req.path.endsWith(".json") || (c.req.header("accept") ?? "").startsWith("application/json");

function renderError(c: Context<ConsoleEnv>, error: ApiError) {
  if (wantsJson(c)) return c.json(error.toJSON(), error.status, error.headers);
  const titles: Record<number, string> = { 401: "Sign in first", 403: "Not allowed", 404: "Not found", 429: "Slow down" };
  const page = layout(c, { title: titles[error.status] ?? "Something went wrong", body: errorBody(error.message, "/console") });
  return c.html(page, error.status, error.headers);
}

export const consoleRouter = new Hono<ConsoleEnv>()
  .use("/console/*", securityHeaders)
  .get("/console/assets/:name", async (c) => {
    const asset = await consoleAsset(c.req.param("name"));
    if (!asset) throw new ApiError(404, "not_found", "No such asset");
    if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304, { ETag: asset.etag });
    return c.body(asset.body, 200, { "Content-Type": asset.contentType, ETag: asset.etag, "Cache-Control": "no-cache" });
  })
  .use("/console", withSession)
  .use("/console/*", withSession, csrfProtection)
  .route("/", accessRoutes)
  .get("/console", requireSignedIn, (c) => {
    const first = c.get("merchants")[0];
    if (first) return c.redirect(`/console/m/${first.id}/orders`, 303);
    if (c.get("session")!.user.isOperator) return c.redirect("/console/operator", 303);
    return c.html(layout(c, { title: "No merchant yet", body: errorBody("You are not a member of any merchant yet; ask its owner to add you.") }));
  })
  .use("/console/operator", requireSignedIn)
  .use("/console/operator/*", requireSignedIn)
  .route("/", operatorRoutes)
  .use("/console/m/:merchantId/*", requireSignedIn, withMerchant)
  .route("/", supportRoutes)
  .route("/", refundRoutes)
  .route("/", financeRoutes)
  .route("/", developerRoutes)
  .route("/", ownerRoutes)
  .all("/console/*", () => {
    throw new ApiError(404, "not_found", "Page not found");
  });

consoleRouter.onError((error, c) => {
  if (error instanceof ApiError) return renderError(c, error);
  const domain = domainApiError(error);
  if (domain) return renderError(c, domain);
  console.error(`[${c.get("requestId") ?? "-"}] console ${c.req.method} ${c.req.path}:`, error);
  return renderError(c, new ApiError(500, "internal_error", "Something went wrong on our side; it has been logged", { details: { requestId: c.get("requestId") } }));
});
