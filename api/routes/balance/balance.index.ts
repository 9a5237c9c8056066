import { createRouter } from "../../http/openapi.js";
import * as handlers from "./balance.handlers.js";
import * as routes from "./balance.routes.js";

export const balanceRouter = createRouter().openapi(routes.getBalance, handlers.getBalance);
