import { ConvexError } from "convex/values";
import type { ComponentApi } from "../../component/_generated/component.js";
import { API_KEY_REQUESTS_PER_HOUR, BREAKDOWN_MAX_LIMIT, EVENT_PROPERTY, MAX_TOKEN_CHARS, STATS_QUERY_MAX_BODY_BYTES } from "../../shared/config.js";
import { readBodyUpTo } from "./eventEndpoint.js";
import { jsonResponse } from "./jsonResponse.js";
import type { HttpContext } from "./routes.js";
import { StatsQueryError, formatStatsAnswer, parseStatsQuery, siteIdOf, type OurRow, type StatsQuery } from "./statsQuery.js";

/**
 * Plausible's Stats API v2 on `POST /api/v2/query` (prds/compat.md): the site its `site_id` names (one of a site's
 * `domains`, as Plausible's events), a key of that site's (`Authorization: Bearer`, checked and counted by the
 * component), then the request parsed (statsQuery.ts), asked of our Stats API in one or two bounded reads, and
 * answered in Plausible's shape. Errors are `{"error": "..."}` with 400, 401 or 429, in Plausible's words.
 */

const error = (status: number, message: string, headers: Record<string, string> = {}) => jsonResponse(status, { error: message }, { "Cache-Control": "no-store", ...headers });
const UNAUTHORIZED = "Invalid API key or site ID. Please make sure you're using a valid API key with access to the site you've requested.";
// The codes our read functions refuse a question with: each is the request's fault, said in its message.
const REFUSALS = new Set(["INVALID_ARGUMENT", "FILTER_TOO_BROAD", "RANGE_TOO_EARLY", "RANGE_TOO_BUSY"]);

export async function handleStatsQueryRequest({ ctx, sites }: HttpContext, request: Request): Promise<Response> {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("Authorization") ?? "")?.[1];
  if (bearer === undefined) return error(401, "Missing API key. Please use a valid Plausible API key as a Bearer Token.", { "WWW-Authenticate": "Bearer" });
  const bytes = await readBodyUpTo(request, STATS_QUERY_MAX_BODY_BYTES);
  if (bytes === null) return error(413, `The query is larger than ${STATS_QUERY_MAX_BODY_BYTES} bytes.`);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return error(400, "The body must be a JSON query.");
  }
  try {
    const siteId = siteIdOf(body).trim().toLowerCase().replace(/^www\./, "");
    const site = sites.find(({ domains }) => domains.includes(siteId));
    // An unknown site and a wrong key are one answer: a caller learns nothing of which sites exist.
    if (site === undefined || bearer.length > MAX_TOKEN_CHARS) return error(401, UNAUTHORIZED, { "WWW-Authenticate": "Bearer" });
    const access = await ctx.runMutation(site.component.operate.useApiKey, { key: bearer });
    if (!access.allowed && access.reason === "unauthorized") return error(401, UNAUTHORIZED, { "WWW-Authenticate": "Bearer" });
    if (!access.allowed) {
      const retryAfter = Math.max(1, Math.ceil(access.retryAfter / 1000));
      return error(429, `Too many API requests. Your API key is limited to ${API_KEY_REQUESTS_PER_HOUR} requests per hour.`, { "Retry-After": String(retryAfter) });
    }
    const settings = await ctx.runQuery(site.component.read.settings, { granted: true });
    const query = parseStatsQuery(body, { timeZone: settings.timeZone, now: Date.now(), trackingSince: settings.trackingSince });
    return jsonResponse(200, formatStatsAnswer(query, await askStats(ctx, site.component, query)), { "Cache-Control": "no-store" });
  } catch (thrown) {
    if (thrown instanceof StatsQueryError) return error(400, thrown.message);
    const data = thrown instanceof ConvexError ? (thrown.data as { code?: string; message?: string }) : null;
    if (data?.code !== undefined && REFUSALS.has(data.code)) return error(400, data.message ?? data.code);
    throw thrown;
  }
}

/** The question's rows from our Stats API: one summary, timeseries or breakdown (a summary's `events` adds the custom events by name). */
async function askStats(ctx: HttpContext["ctx"], component: ComponentApi, query: StatsQuery): Promise<OurRow[]> {
  const { question } = query;
  const asked = { from: query.range.from, to: query.range.to, filters: query.filters, granted: true };
  if (question.kind === "timeseries") {
    const series = await ctx.runQuery(component.read.timeseries, { ...asked, interval: question.interval });
    return series.map(({ start, ...figures }) => ({ start, figures }));
  }
  if (question.kind === "breakdown") {
    const rows = await wholeBreakdown(ctx, component, query, question.property);
    return rows.map(({ value, ...figures }) => ({ value, figures }));
  }
  const summary = await ctx.runQuery(component.read.summary, asked);
  if (!query.addsCustomEvents) return [{ figures: summary }];
  const customEvents = (await wholeBreakdown(ctx, component, query, EVENT_PROPERTY)).reduce((sum, row) => sum + (row.events ?? 0), 0);
  return [{ figures: { ...summary, events: summary.pageviews + customEvents } }];
}

/** Every row of a breakdown, or a refusal: with as many rows as asked (BREAKDOWN_MAX_LIMIT), some may be missing, and ordering or paging them would be wrong. */
async function wholeBreakdown(ctx: HttpContext["ctx"], component: ComponentApi, query: StatsQuery, property: string) {
  const rows = await ctx.runQuery(component.read.breakdown, { from: query.range.from, to: query.range.to, filters: query.filters, granted: true, property, limit: BREAKDOWN_MAX_LIMIT });
  if (rows.length >= BREAKDOWN_MAX_LIMIT) {
    throw new StatsQueryError(`${query.dimensions[0] ?? "event:name"} has ${BREAKDOWN_MAX_LIMIT.toLocaleString("en-US")} values or more in this range: more than is answered whole here; narrow the range or the filters.`);
  }
  return rows;
}
