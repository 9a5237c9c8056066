import { createRouter } from "../../http/openapi.js";
import * as handlers from "./webhook-endpoints.handlers.js";
import * as routes from "./webhook-endpoints.routes.js";

export const webhookEndpointsRouter = createRouter()
  .openapi(routes.createEndpoint, handlers.createEndpoint)
  .openapi(routes.listEndpoints, handlers.listEndpoints)
  .openapi(routes.getEndpoint, handlers.getEndpoint)
  .openapi(routes.updateEndpoint, handlers.updateEndpoint)
  .openapi(routes.deleteEndpoint, handlers.deleteEndpoint)
  .openapi(routes.rotateSecret, handlers.rotateSecret)
  .openapi(routes.listEndpointDeliveries, handlers.listEndpointDeliveries);
