import { httpRouter } from "convex/server";
import { corsRouter } from "convex-helpers/server/cors";
import { httpAction } from "./_generated/server";
import { handleBackfillRequest, handleCleanupRequest, handleRecountRequest } from "../src/client/http/adminEndpoints";
import { allowedOrigins, handleEventRequest } from "../src/client/http/eventEndpoint";
import { handleHealthRequest } from "../src/component/operate/health";
import { handleExportRequest } from "../src/client/http/statsExport";

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

/** Maintenance for a cron job or an operator, behind `Authorization: Bearer <STATS_ADMIN_SECRET>` (model/adminEndpoints.ts, prds/admin.md); no CORS: no page should hold the secret. */
http.route({ path: "/api/admin/backfill", method: "POST", handler: httpAction(handleBackfillRequest) });
http.route({ path: "/api/admin/cleanup", method: "POST", handler: httpAction(handleCleanupRequest) });
http.route({ path: "/api/admin/recount", method: "POST", handler: httpAction(handleRecountRequest) });

/** 200 or 503 with the pipeline's checks, for monitors (model/health.ts); no CORS: browsers have no need of it. */
http.route({ path: "/api/health", method: "GET", handler: httpAction(handleHealthRequest) });

/** The dashboard's figures as CSV (a ZIP of all with property=all), open or behind a token as the dashboard is (model/statsExport.ts); downloaded by a link, so no CORS. */
http.route({ path: "/api/export", method: "GET", handler: httpAction(handleExportRequest) });

export default http;
