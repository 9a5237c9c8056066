import { createRouter } from "../../http/openapi.js";
import * as handlers from "./chains.handlers.js";
import * as routes from "./chains.routes.js";

export const chainsRouter = createRouter().openapi(routes.listChains, handlers.listChains);
