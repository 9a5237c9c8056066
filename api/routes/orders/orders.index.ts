import { createRouter } from "../../http/openapi.js";
import * as handlers from "./orders.handlers.js";
import * as routes from "./orders.routes.js";

export const ordersRouter = createRouter()
  .openapi(routes.createQrOrder, handlers.createQrOrder)
  .openapi(routes.listOrders, handlers.listOrders)
  .openapi(routes.getOrder, handlers.getOrder)
  .openapi(routes.cancelOrder, handlers.cancelOrder)
  .openapi(routes.listOrderPayments, handlers.listOrderPayments)
  .openapi(routes.contractPayment, handlers.contractPayment);
