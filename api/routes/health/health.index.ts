import { createRouter } from "../../http/openapi.js";
import * as handlers from "./health.handlers.js";
import * as routes from "./health.routes.js";

export const healthRouter = createRouter().openapi(routes.getHealth, handlers.getHealth).openapi(routes.getReady, handlers.getReady)
  .openapi(routes.getMetrics, handlers.getMetrics);
