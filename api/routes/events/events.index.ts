import { createRouter } from "../../http/openapi.js";
import * as handlers from "./events.handlers.js";
import * as routes from "./events.routes.js";

export const eventsRouter = createRouter()
  .openapi(routes.listEvents, handlers.listEvents)
  .openapi(routes.listEventDeliveries, handlers.listEventDeliveries)
  .openapi(routes.redeliverEvent, handlers.redeliverEvent);
