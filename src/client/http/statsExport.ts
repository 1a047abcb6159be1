import { strToU8, zipSync } from "fflate";
import { ConvexError } from "convex/values";
import { BREAKDOWN_MAX_LIMIT, BREAKDOWN_PROPERTIES, EVENT_PROPERTY, GOAL_PROPERTY, isStepProperty, type BreakdownTarget } from "../../shared/config.js";
import { toCsv } from "./csv.js";
import { parseFilterText, type FilterText } from "../../shared/filterText.js";
import { READ_TOKEN_VARIABLE } from "../../component/read/dashboardAccess.js";
import { jsonResponse } from "./jsonResponse.js";
import { presentedToken } from "./presentedToken.js";
import type { HttpContext } from "./routes.js";
import type { BreakdownRow } from "../../component/read/timeStats.js";
import { defaultInterval, isoInZone, localDate, PERIOD_NAMES, resolvePeriod, type TimeRange } from "../../shared/timeRanges.js";

/**
 * GET /api/export (registerRoutes, prds/export.md): the dashboard's figures as
 * CSV, read through the same stats queries the dashboard subscribes to, with
 * the caller's token, so a private dashboard's rules are the queries' own.
 *
 * - `property`: `timeseries`, one of BREAKDOWN_PROPERTIES, `event` or `goal` (every row up to
 *   BREAKDOWN_MAX_LIMIT), `funnels` (each funnel's steps), or `all` for a ZIP of all of them;
 * - the range: `from` and `to` as milliseconds or as dates `YYYY-MM-DD` in the
 *   site's zone (both included), or `period` (`7d`, `month`, ...); 30 days by default;
 * - `interval` for the time series (the range's default), `filter=property:value` (`!:` is not, `~:` contains;
 *   repeated, they combine: shared/filterText.ts);
 * - when private: `Authorization: Bearer <STATS_READ_TOKEN or a share token>`, or `token=`.
 */

/** What `property` may name besides a breakdown property. */
const SERIES = "timeseries";
const FUNNELS = "funnels";
const ALL = "all";
type Table = typeof SERIES | typeof FUNNELS | BreakdownTarget;
// Custom events and goals (under filters, those of the visits they match), and the funnels.
const CONVERSIONS = [EVENT_PROPERTY, GOAL_PROPERTY, FUNNELS] as const;

type ExportQuery = TimeRange & { filters?: FilterText[]; token?: string };

class BadRequest extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A property's CSV column: entryPage → entry_page. */
const columnOf = (property: string) => property.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** Bounce rate in percent and duration in seconds, as a spreadsheet wants them. */
const bounceRate = (rate: number | undefined) => round((rate ?? 0) * 100, 1);
const seconds = (ms: number | undefined) => Math.round((ms ?? 0) / 1000);

async function tableCsv({ ctx, component, pageTitles }: HttpContext, table: Table, query: ExportQuery, zone: string, interval: string): Promise<string> {
  if (table === SERIES) {
    const series = await ctx.runQuery(component.read.timeseries, { ...query, interval });
    return toCsv(
      ["date", "visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"],
      series.map((bucket) => [
        isoInZone(bucket.start, zone),
        bucket.visitors,
        bucket.visits,
        bucket.pageviews,
        round(bucket.viewsPerVisit, 2),
        bounceRate(bucket.bounceRate),
        seconds(bucket.visitDurationMs),
      ]),
    );
  }
  if (table === FUNNELS) return await funnelsCsv(ctx, component, query);
  const rows: BreakdownRow[] = await ctx.runQuery(component.read.breakdown, { ...query, property: table, limit: BREAKDOWN_MAX_LIMIT });
  if (table === EVENT_PROPERTY || table === GOAL_PROPERTY) {
    return toCsv(
      [table, "visitors", "events", "conversion_rate", "revenue", "average_revenue"],
      rows.map((row) => [row.value, row.visitors, row.events ?? 0, round((row.conversionRate ?? 0) * 100, 1), row.revenue ?? "", row.averageRevenue === undefined ? "" : round(row.averageRevenue, 2)]),
    );
  }
  const titled = table === "page" || table === "entryPage" || table === "exitPage";
  // The app's page titles (registerRoutes' `pageTitles`), else the path.
  const titles = titled && pageTitles !== undefined ? await ctx.runQuery(pageTitles, { paths: rows.map((row) => row.value) }) : [];
  rows.forEach((row, index) => (row.title = titles[index] ?? row.title));
  // Pages are views; every other property is of visits, with their figures.
  const figureHeader = table === "page" ? ["pageviews"] : ["visits", "pageviews", "bounce_rate", "visit_duration"];
  const figures = (row: BreakdownRow) =>
    table === "page" ? [row.pageviews ?? 0] : [row.visits ?? 0, row.pageviews ?? 0, bounceRate(row.bounceRate), seconds(row.visitDurationMs)];
  return toCsv(
    [columnOf(table), ...(titled ? ["title"] : []), "visitors", ...figureHeader],
    rows.map((row) => [row.value, ...(titled ? [row.title ?? ""] : []), row.visitors, ...figures(row)]),
  );
}

/** Each funnel's steps in order: the visits that reached each, their share of the first step's, and the drop-off from the step before. */
async function funnelsCsv(ctx: HttpContext["ctx"], component: HttpContext["component"], query: ExportQuery): Promise<string> {
  const { funnels } = await ctx.runQuery(component.read.conversionSetup, { token: query.token });
  const rows: (string | number)[][] = [];
  for (const funnel of funnels) {
    const steps = await ctx.runQuery(component.read.funnel, { ...query, funnel: funnel.name });
    for (const [i, { goal, visits }] of steps.entries()) {
      const first = steps[0].visits;
      const before = i === 0 ? visits : steps[i - 1].visits;
      rows.push([funnel.name, i + 1, goal, visits, round(first === 0 ? 0 : (visits / first) * 100, 1), before - visits]);
    }
  }
  return toCsv(["funnel", "step", "goal", "visits", "conversion_rate", "drop_off"], rows);
}

/** The range the request names, resolved in the site's zone at `now`, with its chart's default interval. */
function requestedRange(params: URLSearchParams, zone: string, now: number): TimeRange & { interval: string } {
  const from = params.get("from");
  const to = params.get("to");
  if (from !== null || to !== null) {
    if (from === null || to === null) throw new BadRequest(from === null ? "from" : "to", "give both from and to (ms since 1970, or dates YYYY-MM-DD)");
    if (/^\d+$/.test(from) && /^\d+$/.test(to)) {
      const range = { from: Number(from), to: Number(to) };
      return { ...range, interval: defaultInterval(range) };
    }
    return resolvePeriod({ period: "custom", from, to }, now, zone);
  }
  const period = params.get("period") ?? "30d";
  if (!(PERIOD_NAMES as readonly string[]).includes(period)) {
    throw new BadRequest("period", `period must be one of ${PERIOD_NAMES.join(", ")}; for another range give from and to`);
  }
  return resolvePeriod({ period: period as (typeof PERIOD_NAMES)[number] }, now, zone);
}

/** The tables asked for; under a goal, event or property filter, `all` leaves out funnels (their steps are their goals). */
function parseTables(property: string | null, stepFiltered: boolean): Table[] {
  if (property === ALL) return [SERIES, ...BREAKDOWN_PROPERTIES, ...CONVERSIONS.filter((table) => !stepFiltered || table !== FUNNELS)];
  if (property === SERIES || ([...BREAKDOWN_PROPERTIES, ...CONVERSIONS] as readonly string[]).includes(property ?? "")) return [property as Table];
  throw new BadRequest("property", `property must be ${SERIES}, ${ALL}, ${CONVERSIONS.join(", ")} or one of ${BREAKDOWN_PROPERTIES.join(", ")}`);
}

function parseFilterParams(texts: string[]): FilterText[] {
  return texts.map((text) => {
    const filter = parseFilterText(text);
    if (filter !== null) return filter;
    if (text.includes(":")) throw new BadRequest("filter", `filter's property must be goal, event, prop:<key> or one of ${BREAKDOWN_PROPERTIES.join(", ")}; got ${JSON.stringify(text.slice(0, 40))}`);
    throw new BadRequest("filter", "filter must be property:value (property!:value for is not, property~:value for contains), e.g. source:Google");
  });
}

// What the stats queries refuse for the request's own arguments: a 400, naming the field.
const BAD_REQUESTS = ["INVALID_ARGUMENT", "FILTER_TOO_BROAD", "RANGE_TOO_EARLY", "RANGE_TOO_BUSY"];

const unauthorized = (message: string) => jsonResponse(401, { error: message, field: "Authorization" }, { "WWW-Authenticate": "Bearer" });

/** Answers the CSV (or the ZIP of every table); 400 with `{ error, field }` for a bad request, 401 when a private dashboard's token is missing or wrong. */
export async function handleExportRequest(http: HttpContext, request: Request): Promise<Response> {
  const params = new URL(request.url).searchParams;
  const token = presentedToken(request);
  const { timeZone: zone, visibility } = await http.ctx.runQuery(http.component.read.settings, token === undefined ? {} : { token });
  if (token === undefined && visibility === "private") {
    return unauthorized(`This dashboard is private: send Authorization: Bearer <${READ_TOKEN_VARIABLE}>, or a share link's token`);
  }
  try {
    const filters = parseFilterParams(params.getAll("filter"));
    const tables = parseTables(params.get("property"), filters.some((filter) => isStepProperty(filter.property)));
    const { from, to, interval: defaultSeriesInterval } = requestedRange(params, zone, Date.now());
    const query: ExportQuery = { from, to, ...(filters.length === 0 ? {} : { filters }), ...(token === undefined ? {} : { token }) };
    const interval = params.get("interval") ?? defaultSeriesInterval;
    const files: [Table, string][] = [];
    for (const table of tables) files.push([table, await tableCsv(http, table, query, zone, interval)]);
    const name = `stats-${params.get("property")}-${localDate(from, zone)}-to-${localDate(to - 1, zone)}`;
    const headers = { "Cache-Control": "no-store" };
    if (files.length === 1) {
      return new Response(files[0][1], {
        headers: { ...headers, "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${name}.csv"` },
      });
    }
    const zip = zipSync(Object.fromEntries(files.map(([table, csv]) => [`${table}.csv`, strToU8(csv)])));
    return new Response(zip, { headers: { ...headers, "Content-Type": "application/zip", "Content-Disposition": `attachment; filename="${name}.zip"` } });
  } catch (error) {
    if (error instanceof BadRequest) return jsonResponse(400, { error: error.message, field: error.field });
    const data = error instanceof ConvexError ? (error.data as { code?: string; message?: string; field?: string }) : null;
    if (data?.code === "PRIVATE_DASHBOARD") return unauthorized(data.message ?? "This dashboard is private");
    if (data !== null && BAD_REQUESTS.includes(data.code ?? "")) return jsonResponse(400, { error: data.message, field: data.field ?? "filter" });
    throw error;
  }
}
