import { httpRouter } from "convex/server";
import { corsRouter } from "convex-helpers/server/cors";
import { httpAction } from "./_generated/server";
import { allowedOrigins, handleEventRequest } from "./model/eventEndpoint";

// HTTP actions, served at https://<deployment>.convex.site (README, "Add to any site").
const http = httpRouter();

// CORS by convex-helpers: preflights, and Access-Control-Allow-Origin for the origins in STATS_ALLOWED_ORIGINS
// (the handler itself refuses the others with a 403 that says why).
const cors = corsRouter(http, {
  allowedOrigins: async () => allowedOrigins(),
  allowedHeaders: ["Content-Type"],
  exposedHeaders: ["Retry-After"],
});

/** A page view or heartbeat from the script tag (script.js, built from src/script/) or any client: model/eventEndpoint.ts. */
cors.route({ path: "/api/event", method: "POST", handler: httpAction(handleEventRequest) });

export default http;
