import { createRouter } from "../../http/openapi.js";
import * as handlers from "./payments.handlers.js";
import * as routes from "./payments.routes.js";

export const paymentsRouter = createRouter().openapi(routes.listPayments, handlers.listPayments);
