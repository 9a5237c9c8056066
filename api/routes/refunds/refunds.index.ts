import { createRouter } from "../../http/openapi.js";
import * as handlers from "./refunds.handlers.js";
import * as routes from "./refunds.routes.js";

export const refundsRouter = createRouter()
  .openapi(routes.createRefund, handlers.createRefund)
  .openapi(routes.listRefunds, handlers.listRefunds)
  .openapi(routes.getRefund, handlers.getRefund)
  .openapi(routes.cancelRefund, handlers.cancelRefund)
  .openapi(routes.recordRefundTransaction, handlers.recordRefundTransaction);
