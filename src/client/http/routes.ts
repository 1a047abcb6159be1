import { httpActionGeneric, type FunctionReference, type GenericActionCtx, type GenericDataModel, type HttpRouter } from "convex/server";
import type { ComponentApi } from "../../component/_generated/component.js";
import { handleBackfillRequest, handleCleanupRequest, handleFunnelsRequest, handleGoalsRequest, handleRecountRequest } from "./adminEndpoints.js";
import { handleEventRequest, handleUmamiRequest } from "./eventEndpoint.js";
import { handleExportRequest } from "./statsExport.js";
import { handleStatsQueryRequest } from "./statsApi.js";
import { jsonResponse } from "./jsonResponse.js";
import { isAllowedOrigin } from "../../component/record/events.js";
import { mountNameOf } from "../mountName.js";
import { presentedToken } from "./presentedToken.js";

/** A query of the app's that names pages: titles for `paths`, null where it has none (LiveStats' `api().pageTitles`). */
export type PageTitlesQuery = FunctionReference<"query", "internal", { paths: string[] }, (string | null)[]>;

export type RouteOptions = {
  /** Where this site's routes sit: "/docs" serves /docs/api/event, /docs/api/health, … (none: /api/…). */
  pathPrefix?: string;
  /** The app's page titles for the CSV export (`internal.stats.pageTitles` from `liveStats.api()`); paths otherwise. */
  pageTitles?: PageTitlesQuery;
  /** The command GET /api/health's fixes name to rebuild derived data; by default the component's own. */
  backfillCommand?: string;
  /** The site's domains ("example.com"), for events a Plausible tracker sends (its `domain`: prds/compat.md); none: it takes none. */
  domains?: string[];
};

/** What every handler gets: the action's ctx, the site's component, and the app's titles query. */
export type HttpContext = { ctx: GenericActionCtx<GenericDataModel>; component: ComponentApi; pageTitles?: PageTitlesQuery; sites: SiteDomains[] };

/** A site registered on a router, by the domains its Plausible events name. */
export type SiteDomains = { component: ComponentApi; domains: string[] };

// Every site registered on each router: an event that names several by domain (`"a.com,b.com"`) is recorded in each.
const sitesByRouter = new WeakMap<HttpRouter, SiteDomains[]>();
type Handler = (http: HttpContext, request: Request) => Promise<Response>;

// Preflights may be cached this long by the browser (seconds).
const PREFLIGHT_MAX_AGE_SECONDS = 86_400;

/**
 * Mounts one site's HTTP API in the app's router: POST /api/event (with CORS for the site's
 * STATS_ALLOWED_ORIGINS), POST /api/send (Umami's), POST /api/v2/query (Plausible's Stats API), GET /api/health, GET /api/export, POST /api/admin/{backfill,cleanup,recount} and
 * GET, POST and DELETE /api/admin/goals.
 * They run in the app and reach the site's component by reference, as Convex's component docs
 * suggest (a component's own http.ts would get neither the app's routes nor its prefix).
 */
export function registerRoutes(http: HttpRouter, component: ComponentApi, options: RouteOptions = {}): void {
  const prefix = (options.pathPrefix ?? "").replace(/\/+$/, "");
  if (prefix !== "" && !prefix.startsWith("/")) throw new Error(`pathPrefix must start with "/" (got "${options.pathPrefix}")`);
  // As a Plausible tracker names them: lower case, without "www.".
  const domains = (options.domains ?? []).map((domain) => domain.trim().toLowerCase().replace(/^www\./, ""));
  const sites = sitesByRouter.get(http) ?? [];
  sites.push({ component, domains });
  sitesByRouter.set(http, sites);
  const route = (method: "GET" | "POST" | "DELETE" | "OPTIONS", path: string, handler: Handler) =>
    http.route({ path: `${prefix}${path}`, method, handler: httpActionGeneric((ctx, request) => handler({ ctx, component, pageTitles: options.pageTitles, sites }, request)) });

  // A page view or heartbeat from the script tag or any client; CORS from the site's own allowed origins.
  route("POST", "/api/event", async (site, request) => {
    const { response, originAllowed } = await handleEventRequest(site, request);
    // The recording call already knows whether the origin may send; only a refusal before it asks again.
    const allowed = originAllowed ?? isAllowedOrigin(request.headers.get("Origin"), await allowedOrigins(site));
    return allowed ? withCors(response, request) : response;
  });
  route("OPTIONS", "/api/event", async (site, request) => preflight(request, await allowedOrigins(site)));
  // Umami's trackers (prds/compat.md): their JSON and `x-umami-cache` header need a preflight.
  route("POST", "/api/send", async (site, request) => {
    const { response, originAllowed } = await handleUmamiRequest(site, request);
    const allowed = originAllowed ?? isAllowedOrigin(request.headers.get("Origin"), await allowedOrigins(site));
    return allowed ? withCors(response, request) : response;
  });
  route("OPTIONS", "/api/send", async (site, request) => preflight(request, await allowedOrigins(site)));
  // Plausible's Stats API v2 behind a site's API key (prds/compat.md); no CORS: it is for servers, no page should hold a key.
  route("POST", "/api/v2/query", handleStatsQueryRequest);
  // Maintenance behind Authorization: Bearer <STATS_ADMIN_SECRET>; no CORS: no page should hold the secret.
  route("POST", "/api/admin/backfill", handleBackfillRequest);
  route("POST", "/api/admin/cleanup", handleCleanupRequest);
  route("POST", "/api/admin/recount", handleRecountRequest);
  for (const method of ["GET", "POST", "DELETE"] as const) {
    route(method, "/api/admin/goals", handleGoalsRequest);
    route(method, "/api/admin/funnels", handleFunnelsRequest);
  }
  // 200 or 503 with the pipeline's checks, for monitors; of a private dashboard, the details only with its token.
  route("GET", "/api/health", async ({ ctx, component }, request) => {
    const operator = { mountName: mountNameOf(component), backfillCommand: options.backfillCommand };
    const token = presentedToken(request);
    const report = await ctx.runQuery(component.operate.healthReport, { now: Date.now(), ...operator, ...(token === undefined ? {} : { token }) });
    return jsonResponse(report.healthy ? 200 : 503, report, { "Cache-Control": "no-store" });
  });
  // The dashboard's figures as CSV, open or behind a token as the dashboard is; downloaded by a link, so no CORS.
  route("GET", "/api/export", handleExportRequest);
}

async function allowedOrigins({ ctx, component }: HttpContext): Promise<string[]> {
  return await ctx.runQuery(component.record.allowedOrigins, {});
}

/** The response with Access-Control-Allow-Origin for an origin that may send events, so its page may read the answer. */
function withCors(response: Response, request: Request): Response {
  const origin = request.headers.get("Origin");
  if (origin === null) return response;
  const headers = new Headers(response.headers);
  headers.set("Access-Control-Allow-Origin", origin);
  headers.set("Access-Control-Expose-Headers", "Retry-After");
  headers.append("Vary", "Origin");
  return new Response(response.body, { status: response.status, headers });
}

/** A CORS preflight: 204 allowing POST with Content-Type for an allowed origin; no Allow-Origin for another, so its browser sends nothing. */
function preflight(request: Request, allowed: string[]): Response {
  const origin = request.headers.get("Origin");
  const headers = new Headers({ Vary: "Origin" });
  if (origin !== null && isAllowedOrigin(origin, allowed)) {
    headers.set("Access-Control-Allow-Origin", origin);
    headers.set("Access-Control-Allow-Methods", "POST, OPTIONS");
    headers.set("Access-Control-Allow-Headers", "Content-Type, x-umami-cache");
    headers.set("Access-Control-Max-Age", String(PREFLIGHT_MAX_AGE_SECONDS));
  }
  return new Response(null, { status: 204, headers });
}
