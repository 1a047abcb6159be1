import { EVENT_PROPERTY, EVENT_PROP_PREFIX, GOAL_PROPERTY, MAX_FILTERS, STATS_QUERY_MAX_LIMIT, type FilterOp } from "../../shared/config.js";
import { defaultInterval, isoInZone, localDate, resolvePeriod, type Interval, type TimeRange } from "../../shared/timeRanges.js";

/**
 * Plausible's Stats API v2 (`POST /api/v2/query`, prds/compat.md) as questions to our own Stats API: a pure parser
 * (a request → one summary, timeseries or breakdown question, or the reason we refuse it) and a pure formatter (our
 * figures → Plausible's `{ results, meta, query }`). Every figure is one our read functions answer; anything they
 * cannot answer exactly is refused, named in Plausible's words where it has them, never answered approximately.
 */

export const STATS_METRICS = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration", "events", "conversion_rate", "scroll_depth"] as const;
export type StatsMetric = (typeof STATS_METRICS)[number];

// Plausible's metrics we do not answer, each with why.
const UNSUPPORTED_METRICS: Record<string, string> = {
  percentage: "is not supported here",
  group_conversion_rate: "is not supported here",
  time_on_page: "is not supported here",
  total_revenue: "is not supported here",
  average_revenue: "is not supported here",
};

// Plausible's dimensions (and filter keys) and our properties. event:goal, event:name and event:props:* test events.
const PROPERTIES: Record<string, string> = {
  "event:page": "page",
  "event:goal": GOAL_PROPERTY,
  "event:name": EVENT_PROPERTY,
  "visit:entry_page": "entryPage",
  "visit:exit_page": "exitPage",
  "visit:source": "source",
  "visit:referrer": "referrer",
  "visit:utm_source": "utmSource",
  "visit:utm_medium": "utmMedium",
  "visit:utm_campaign": "utmCampaign",
  "visit:browser": "browser",
  "visit:os": "os",
  "visit:device": "device",
  "visit:screen": "screen",
  "visit:country": "country",
};
const TIME_INTERVALS: Record<string, Interval | null> = { time: null, "time:hour": "hour", "time:day": "day", "time:week": "week", "time:month": "month" };
const EVENT_DIMENSIONS = ["event:goal", "event:name"];
const SESSION_METRICS: StatsMetric[] = ["visits", "bounce_rate", "views_per_visit", "visit_duration"];
const FILTER_OPS: Record<string, FilterOp> = { is: "is", is_not: "isNot", contains: "contains" };
const KNOWN_FILTER_OPS = ["is", "is_not", "contains", "contains_not", "matches", "matches_not", "matches_wildcard", "matches_wildcard_not"];
const DATE_SHORTHANDS = ["day", "7d", "28d", "30d", "month", "6mo", "12mo", "year", "all"];
const QUERY_KEYS = ["site_id", "metrics", "date_range", "dimensions", "filters", "order_by", "include", "pagination"];
const DAY_MS = 86_400_000;

/** What a request asks of our Stats API: one summary, one timeseries by an interval, or one breakdown of a property. */
export type StatsQuestion = { kind: "aggregate" } | { kind: "timeseries"; interval: Interval } | { kind: "breakdown"; property: string };
export type StatsFilter = { property: string; op: FilterOp; value: string };
export type OrderBy = [string, "asc" | "desc"][];

/** A request, checked and resolved: the question, its range and filters, and how the answer is shaped. */
export type StatsQuery = {
  siteId: string;
  metrics: StatsMetric[];
  range: TimeRange;
  timeZone: string;
  filters: StatsFilter[];
  dimensions: string[];
  question: StatsQuestion;
  // Custom events are added to page views for `events` without an event filter (a summary only).
  addsCustomEvents: boolean;
  orderBy: OrderBy;
  limit: number;
  offset: number;
  timeLabels: boolean;
  totalRows: boolean;
  imports: boolean;
  // The request as resolved, for the answer's `query`.
  resolved: Record<string, unknown>;
};

/** What the site tells the parser: its time zone, the present, and its first view (where "all" starts). */
export type StatsSite = { timeZone: string; now: number; trackingSince: number | null };

/** A request we refuse: 400 with `{"error": message}`. */
export class StatsQueryError extends Error {}

function refuse(message: string): never {
  throw new StatsQueryError(message);
}

const shown = (value: unknown) => JSON.stringify(value);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The request's `site_id`, which names the site (one of a site's `domains`); refused when missing. */
export function siteIdOf(body: unknown): string {
  const siteId = isObject(body) ? body.site_id : undefined;
  if (typeof siteId !== "string" || siteId.trim() === "") refuse("Missing site ID. Please provide the required site_id parameter with your request.");
  return siteId;
}

/** Checks and resolves a request (Plausible's query body) for the site; throws StatsQueryError naming what it refuses. */
export function parseStatsQuery(body: unknown, site: StatsSite): StatsQuery {
  if (!isObject(body)) refuse("The query must be a JSON object.");
  const siteId = siteIdOf(body);
  for (const key of Object.keys(body)) if (!QUERY_KEYS.includes(key)) refuse(`#/${key}: Unknown property "${key}" (or not supported here).`);
  const metrics = parseMetrics(body.metrics);
  const range = parseDateRange(body.date_range, site);
  const dimensions = parseDimensions(body.dimensions);
  const filters = parseFilters(body.filters);
  const question = questionOf(dimensions, range);
  const hasGoalFilter = filters.some(({ property }) => property === GOAL_PROPERTY);
  const hasEventFilter = filters.some(({ property }) => isEventProperty(property));
  const addsCustomEvents = checkMetrics(metrics, dimensions, filters, hasGoalFilter, hasEventFilter);
  const orderBy = parseOrderBy(body.order_by, metrics, dimensions);
  const include = parseInclude(body.include, dimensions);
  const { limit, offset } = parsePagination(body.pagination);
  return {
    siteId,
    metrics,
    range,
    timeZone: site.timeZone,
    filters,
    dimensions,
    question,
    addsCustomEvents,
    orderBy,
    limit,
    offset,
    timeLabels: include.time_labels === true,
    totalRows: include.total_rows === true,
    imports: include.imports === true,
    resolved: {
      site_id: siteId,
      metrics,
      date_range: [isoInZone(range.from, site.timeZone), isoInZone(range.to - 1000, site.timeZone)],
      filters: body.filters ?? [],
      dimensions,
      order_by: orderBy,
      include,
      pagination: { limit, offset },
    },
  };
}

function parseMetrics(metrics: unknown): StatsMetric[] {
  if (!Array.isArray(metrics) || metrics.length === 0) refuse("#/metrics: Expected a non-empty list of metrics.");
  for (const [i, metric] of metrics.entries()) {
    if (typeof metric === "string" && metric in UNSUPPORTED_METRICS) refuse(`#/metrics/${i}: Metric \`${metric}\` ${UNSUPPORTED_METRICS[metric]}.`);
    if (!(STATS_METRICS as readonly unknown[]).includes(metric)) refuse(`#/metrics/${i}: Invalid metric ${shown(metric)}`);
    if (metrics.indexOf(metric) !== i) refuse(`#/metrics: Expected items to be unique but ${shown(metric)} is repeated.`);
  }
  return metrics as StatsMetric[];
}

/** A dimension or filter key's property of ours, or the refusal naming it. */
function propertyOf(key: unknown, at: string): string {
  if (typeof key === "string" && key in PROPERTIES) return PROPERTIES[key];
  if (typeof key === "string" && key.startsWith("event:props:") && key.length > "event:props:".length) return `${EVENT_PROP_PREFIX}${key.slice("event:props:".length)}`;
  if (typeof key === "string" && (key.startsWith("visit:") || key.startsWith("event:"))) refuse(`${at}: ${shown(key)} is not supported here.`);
  return refuse(`${at}: Invalid dimension ${shown(key)}`);
}

const isEventProperty = (property: string) => property === GOAL_PROPERTY || property === EVENT_PROPERTY || property.startsWith(EVENT_PROP_PREFIX);

function parseDimensions(dimensions: unknown): string[] {
  if (dimensions === undefined) return [];
  if (!Array.isArray(dimensions)) refuse("#/dimensions: Expected a list of dimensions.");
  for (const [i, dimension] of dimensions.entries()) {
    if (typeof dimension === "string" && dimension in TIME_INTERVALS) continue;
    propertyOf(dimension, `#/dimensions/${i}`);
    if (dimensions.indexOf(dimension) !== i) refuse(`#/dimensions: Expected items to be unique but ${shown(dimension)} is repeated.`);
  }
  if (dimensions.length > 1) refuse(`Several dimensions at once (${dimensions.join(", ")}) are not supported here: ask one dimension per query.`);
  return dimensions as string[];
}

/** The one question the dimensions ask: none a summary, a time dimension a timeseries, any other a breakdown. */
function questionOf(dimensions: string[], range: TimeRange): StatsQuestion {
  const [dimension] = dimensions;
  if (dimension === undefined) return { kind: "aggregate" };
  if (dimension in TIME_INTERVALS) {
    // `time` takes the interval our dashboard would: hours up to 3 days, days up to 93, then months (never minutes).
    const interval = TIME_INTERVALS[dimension] ?? defaultInterval(range);
    return { kind: "timeseries", interval: interval === "minute" ? "hour" : interval };
  }
  return { kind: "breakdown", property: propertyOf(dimension, "#/dimensions/0") };
}

/** Filters as ours: `[op, key, [value], {case_sensitive}?]`, ANDed (a top-level list or `["and", [...]]`). */
function parseFilters(filters: unknown): StatsFilter[] {
  if (filters === undefined) return [];
  if (!Array.isArray(filters)) refuse("#/filters: Expected a list of filters.");
  const parsed = flattenAnd(filters, "#/filters");
  if (parsed.length > MAX_FILTERS) refuse(`#/filters: At most ${MAX_FILTERS} filters are supported here; got ${parsed.length}.`);
  return parsed;
}

function flattenAnd(filters: unknown[], at: string): StatsFilter[] {
  return filters.flatMap((filter, i) => {
    const here = `${at}/${i}`;
    if (!Array.isArray(filter) || typeof filter[0] !== "string") return refuse(`${here}: Invalid filter ${shown(filter)}`);
    if (filter[0] === "and" && filter.length === 2 && Array.isArray(filter[1]) && filter[1].length > 0) return flattenAnd(filter[1], `${here}/1`);
    if (filter[0] === "or" || filter[0] === "not" || filter[0] === "and") refuse(`${here}: Filters combined with "${filter[0]}" are not supported here: only "and" (or a list, which is "and").`);
    return [parseFilter(filter, here)];
  });
}

function parseFilter(filter: unknown[], at: string): StatsFilter {
  const [op, key, clauses, options] = filter;
  if (filter.length < 3 || filter.length > 4 || typeof op !== "string") refuse(`${at}: Invalid filter ${shown(filter)}`);
  if (!(op in FILTER_OPS)) refuse(KNOWN_FILTER_OPS.includes(op) ? `${at}: Filter operator "${op}" is not supported here: use is, is_not or contains.` : `${at}: Invalid filter ${shown(filter)}`);
  const property = propertyOf(key, `${at}/1`);
  if (!Array.isArray(clauses) || clauses.some((clause) => typeof clause !== "string" && !Number.isInteger(clause))) refuse(`${at}: Invalid filter ${shown(filter)}`);
  if (clauses.length !== 1) refuse(`${at}: A filter with ${clauses.length} values is not supported here: give one value per filter.`);
  if (options !== undefined && (!isObject(options) || Object.keys(options).some((name) => name !== "case_sensitive") || (options.case_sensitive !== undefined && typeof options.case_sensitive !== "boolean"))) {
    refuse(`${at}: Invalid filter ${shown(filter)}`);
  }
  if (property === GOAL_PROPERTY && op !== "is") refuse(`${at}: A goal filter takes "is" here.`);
  const value = String(clauses[0]);
  const caseSensitive = options?.case_sensitive !== false;
  // Our `is` and `is_not` match exactly and our `contains` ignores case: another case rule gives the same answer only for a value without letters of either case.
  const ours = op === "contains" ? !caseSensitive : caseSensitive;
  if (!ours && value.toLowerCase() !== value.toUpperCase()) {
    refuse(`${at}: ${op === "contains" ? 'A case-sensitive "contains"' : `A case-insensitive "${op}"`} is not supported here: ${op === "contains" ? '"contains" ignores case here; send {"case_sensitive": false}' : `"${op}" matches case exactly here`}.`);
  }
  return { property, op: FILTER_OPS[op], value };
}

/** Refuses metrics the question cannot answer exactly (in Plausible's words where it has them); true when `events` adds custom events to page views. */
function checkMetrics(metrics: StatsMetric[], dimensions: string[], filters: StatsFilter[], hasGoalFilter: boolean, hasEventFilter: boolean): boolean {
  const [dimension] = dimensions;
  const property = dimension === undefined || dimension in TIME_INTERVALS ? null : PROPERTIES[dimension] ?? EVENT_PROP_PREFIX;
  const eventDimension = dimension !== undefined && (EVENT_DIMENSIONS.includes(dimension) || dimension.startsWith("event:props:"));
  const pageAsked = property === "page" || filters.some(({ property }) => property === "page");
  if (pageAsked && (hasEventFilter || eventDimension)) refuse("`event:page` with event:goal, event:name or event:props is not supported here: our page filters test the visit's views, not the event's page.");
  if (metrics.includes("conversion_rate") && !hasGoalFilter && dimension !== "event:goal") refuse("Metric `conversion_rate` can only be queried with event:goal filters or dimensions.");
  // Our rows by time, page or visit property under a goal filter share their own group's visitors (Plausible's group_conversion_rate), not the range's.
  if (metrics.includes("conversion_rate") && dimension !== undefined && !eventDimension) refuse(`Metric \`conversion_rate\` by \`${dimension}\` is not supported here: only without dimensions or by event:goal, event:name or event:props.`);
  if (metrics.includes("scroll_depth")) checkScrollDepth(property, filters);
  if (metrics.includes("views_per_visit")) {
    if (filters.some(({ property }) => property === "page")) refuse("Metric `views_per_visit` cannot be queried with a filter on `event:page`.");
    if (dimensions.length > 0) refuse("Metric `views_per_visit` cannot be queried with `dimensions`.");
  }
  const sessionMetrics = metrics.filter((metric) => SESSION_METRICS.includes(metric));
  if (sessionMetrics.length > 0 && eventDimension) refuse(`Session metric(s) \`${sessionMetrics.join(", ")}\` cannot be queried along with event dimensions.`);
  if (metrics.includes("pageviews") && eventDimension) refuse(`Metric \`pageviews\` cannot be queried with the \`${dimension}\` dimension here (its rows count events).`);
  if (property === "page" && sessionMetrics.length > 0) refuse(`Metric(s) \`${sessionMetrics.join(", ")}\` by \`event:page\` are not supported here: pages are broken down by their views and visitors.`);
  if (!metrics.includes("events") || hasEventFilter || eventDimension) return false;
  // Without an event filter, events are page views and custom events: a summary adds the custom events by name.
  if (dimensions.length > 0) refuse("Metric `events` is answered here with an event:goal, event:name or event:props filter or dimension, or without dimensions.");
  if (filters.some(({ property }) => property === "page")) refuse("Metric `events` cannot be queried with a filter on `event:page` here: custom events are counted by visit, not by page.");
  return true;
}

/**
 * `scroll_depth` needs `event:page` as the dimension or a filter (Plausible's rule), and is read from a page's buckets:
 * by `event:page` with no filter but its own `is`, or of one page (`is`) alone.
 */
function checkScrollDepth(property: string | null, filters: StatsFilter[]): void {
  const pageFilters = filters.filter((filter) => filter.property === "page");
  if (property !== "page" && pageFilters.length === 0) refuse("Metric `scroll_depth` can only be queried with event:page filters or dimensions.");
  const [filter] = filters;
  const onePage = filters.length === 1 && filter.property === "page" && filter.op === "is";
  // `property` null: a summary or a timeseries, which one page's `is` reads from its buckets.
  if (!(property === "page" ? filters.length === 0 || onePage : property === null && onePage)) {
    refuse("Metric `scroll_depth` is answered here by `event:page` without filters, or under one `is` filter of `event:page` and no other filter.");
  }
}

function parseOrderBy(orderBy: unknown, metrics: StatsMetric[], dimensions: string[]): OrderBy {
  const time = dimensions.find((dimension) => dimension in TIME_INTERVALS);
  if (orderBy === undefined) return time === undefined ? [[metrics[0], "desc"]] : [[time, "asc"], [metrics[0], "desc"]];
  if (!Array.isArray(orderBy)) refuse(`Invalid order_by ${shown(orderBy)}.`);
  return orderBy.map((entry) => {
    if (!Array.isArray(entry) || entry.length !== 2 || (entry[1] !== "asc" && entry[1] !== "desc")) refuse(`Invalid order_by entry ${shown(entry)}.`);
    if (!(metrics as unknown[]).includes(entry[0]) && !dimensions.includes(entry[0])) refuse(`Invalid order_by entry ${shown(entry)}. Entry is not a queried metric or dimension.`);
    return [entry[0], entry[1]] as [string, "asc" | "desc"];
  });
}

function parseInclude(include: unknown, dimensions: string[]): Record<string, boolean> {
  if (include === undefined) return {};
  if (!isObject(include)) refuse("#/include: Expected an object.");
  for (const [name, value] of Object.entries(include)) {
    if (!["time_labels", "total_rows", "imports"].includes(name)) refuse(`#/include/${name}: not supported here.`);
    if (typeof value !== "boolean") refuse(`#/include/${name}: Type mismatch. Expected Boolean but got ${typeof value}.`);
  }
  if (include.time_labels === true && !dimensions.some((dimension) => dimension in TIME_INTERVALS)) refuse("Invalid include.time_labels: requires a time dimension.");
  return include as Record<string, boolean>;
}

function parsePagination(pagination: unknown): { limit: number; offset: number } {
  if (pagination === undefined) return { limit: STATS_QUERY_MAX_LIMIT, offset: 0 };
  if (!isObject(pagination) || Object.keys(pagination).some((name) => name !== "limit" && name !== "offset")) refuse("#/pagination: Expected {limit, offset}.");
  const { limit = STATS_QUERY_MAX_LIMIT, offset = 0 } = pagination;
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > STATS_QUERY_MAX_LIMIT) refuse(`#/pagination/limit: Expected a whole number from 1 to ${STATS_QUERY_MAX_LIMIT}.`);
  if (!Number.isInteger(offset) || (offset as number) < 0) refuse("#/pagination/offset: Expected a whole number from 0.");
  return { limit: limit as number, offset: offset as number };
}

// ---------------------------------------------------------------------------------------------
// Date ranges, resolved in the site's time zone as Plausible resolves them (dates inclusive)

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A local date `days` after `date` ("YYYY-MM-DD"). */
const addDays = (date: string, days: number) => new Date(Date.parse(date) + days * DAY_MS).toISOString().slice(0, 10);
/** The first day of the month `months` after `date`'s. */
function monthStart(date: string, months: number): string {
  const day = new Date(Date.parse(date));
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + months, 1)).toISOString().slice(0, 10);
}

function parseDateRange(dateRange: unknown, site: StatsSite): TimeRange {
  const today = localDate(site.now, site.timeZone);
  const days = (from: string, to: string) => rangeOfDates(from, to, site);
  switch (dateRange) {
    case "day": return days(today, today);
    case "7d": return days(addDays(today, -6), today);
    case "28d": return days(addDays(today, -27), today);
    case "30d": return days(addDays(today, -30), today);
    case "month": return days(monthStart(today, 0), addDays(monthStart(today, 1), -1));
    case "6mo": return days(monthStart(today, -5), addDays(monthStart(today, 1), -1));
    case "12mo": return days(monthStart(today, -11), addDays(monthStart(today, 1), -1));
    case "year": return days(`${today.slice(0, 4)}-01-01`, `${today.slice(0, 4)}-12-31`);
    case "all": {
      const { from, to } = resolvePeriod({ period: "all", since: site.trackingSince ?? site.now }, site.now, site.timeZone);
      return { from, to };
    }
  }
  if (typeof dateRange === "string") refuse(`Invalid date_range ${shown(dateRange)}: use one of ${DATE_SHORTHANDS.join(", ")} or two ISO dates or datetimes.`);
  if (!Array.isArray(dateRange) || dateRange.length !== 2 || dateRange.some((end) => typeof end !== "string")) refuse(`Invalid date_range ${shown(dateRange)}.`);
  const [from, to] = dateRange as string[];
  if (DATE.test(from) && DATE.test(to)) return days(from, to);
  if (DATE_TIME.test(from) && DATE_TIME.test(to)) return rangeOfDateTimes(from, to);
  return refuse(`Invalid date_range ${shown(dateRange)}.`);
}

/** Local dates `from` to `to`, both included, as our range (its errors, a bad or reversed date, in Plausible's words). */
function rangeOfDates(from: string, to: string, site: StatsSite): TimeRange {
  try {
    const { from: start, to: end } = resolvePeriod({ period: "custom", from, to }, site.now, site.timeZone);
    return { from: start, to: end };
  } catch {
    return refuse(`Invalid date_range ${shown([from, to])}.`);
  }
}

/**
 * Two ISO datetimes: Plausible counts both ends' seconds. Our ranges run from a whole minute to a whole minute (the
 * end excluded), so the start must be on a whole minute and the end on its minute's last second (hh:mm:59).
 */
function rangeOfDateTimes(from: string, to: string): TimeRange {
  const [, , , , fromSeconds = "00", fromFraction = ""] = DATE_TIME.exec(from)!;
  const [, , , , toSeconds = "00", toFraction = ""] = DATE_TIME.exec(to)!;
  const start = Date.parse(from);
  const end = Date.parse(to);
  if (Number.isNaN(start) || Number.isNaN(end)) refuse(`Invalid date_range ${shown([from, to])}.`);
  if (fromSeconds !== "00" || !/^\.?0*$/.test(fromFraction)) refuse(`Invalid date_range ${shown([from, to])}: a range starts on a whole minute here (hh:mm:00).`);
  if (toSeconds !== "59" || !/^(\.0*|\.9*)?$/.test(toFraction)) {
    refuse(`Invalid date_range ${shown([from, to])}: a range ends on a minute's last second here (hh:mm:59, the whole minute counted), as Plausible counts the end's second.`);
  }
  const range = { from: start, to: end - (end % 1000) + 1000 };
  if (range.from >= range.to) refuse(`Invalid date_range ${shown([from, to])}: it ends before it starts.`);
  return range;
}

// ---------------------------------------------------------------------------------------------
// The answer

/** Our figures for one row, as summary, timeseries and breakdown rows carry them (rates as shares, durations in ms, scroll depth in %). */
export type OurFigures = {
  visitors: number;
  pageviews?: number;
  visits?: number;
  viewsPerVisit?: number;
  bounceRate?: number;
  visitDurationMs?: number;
  events?: number;
  conversionRate?: number;
  scrollDepth?: number;
};
/** A row of figures with its dimension's value (none for a summary): a bucket's start or a breakdown's value. */
export type OurRow = { figures: OurFigures; start?: number; value?: string };

const round2 = (x: number) => Math.round(x * 100) / 100;
/** To the nearest whole number, a half to the even one: ClickHouse's `round` of a float, which Plausible's scroll depth is. */
const roundHalfEven = (x: number) => (Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x));

/** A metric as Plausible reports it: rates in %, durations in whole seconds, views per visit to 2 decimals; scroll depth a whole %, null when no visit reported one. */
function metricOf(metric: StatsMetric, figures: OurFigures): number | null {
  if (metric === "scroll_depth") return figures.scrollDepth === undefined ? null : roundHalfEven(figures.scrollDepth);
  const value = {
    visitors: figures.visitors,
    visits: figures.visits,
    pageviews: figures.pageviews,
    views_per_visit: figures.viewsPerVisit === undefined ? undefined : round2(figures.viewsPerVisit),
    bounce_rate: figures.bounceRate === undefined ? undefined : Math.round(figures.bounceRate * 100),
    visit_duration: figures.visitDurationMs === undefined ? undefined : Math.round(figures.visitDurationMs / 1000),
    events: figures.events,
    conversion_rate: figures.conversionRate === undefined ? undefined : round2(figures.conversionRate * 100),
  }[metric];
  // The parser refuses what a row cannot carry: a missing figure is our bug, never a zero.
  if (value === undefined) throw new Error(`no figure for ${metric} in ${JSON.stringify(figures)}`);
  return value;
}

/** A bucket's label as Plausible writes it: `2024-09-10 01:00:00` by the hour, else the local date of its (clipped) start. */
function timeLabel(start: number, interval: Interval, zone: string): string {
  const local = isoInZone(start, zone);
  return interval === "hour" ? `${local.slice(0, 13).replace("T", " ")}:00:00` : local.slice(0, 10);
}

/** True when a row counts nothing: Plausible leaves such buckets out of `results`. */
const isEmpty = ({ visitors, pageviews, visits, events }: OurFigures) => visitors === 0 && (pageviews ?? 0) === 0 && (visits ?? 0) === 0 && (events ?? 0) === 0;

/** Plausible's answer for our rows: `results` ordered and paginated, `meta` (time labels, total rows) and the resolved `query`. */
export function formatStatsAnswer(query: StatsQuery, rows: OurRow[]): { results: ResultRow[]; meta: Record<string, unknown>; query: Record<string, unknown> } {
  const { question } = query;
  const labelOf = (row: OurRow) => (question.kind === "timeseries" ? timeLabel(row.start!, question.interval, query.timeZone) : row.value!);
  const kept = question.kind === "timeseries" ? rows.filter((row) => !isEmpty(row.figures)) : rows;
  const results = kept.map((row) => ({ metrics: query.metrics.map((metric) => metricOf(metric, row.figures)), dimensions: query.dimensions.length === 0 ? [] : [labelOf(row)] }));
  results.sort(comparatorOf(query));
  const meta: Record<string, unknown> = {};
  // We import no other tool's history: asked for it, we say none was included, as Plausible says for a site without imports.
  if (query.imports) meta.imports_included = false;
  if (query.timeLabels) meta.time_labels = rows.map(labelOf);
  if (query.totalRows) meta.total_rows = results.length;
  return { results: results.slice(query.offset, query.offset + query.limit), meta, query: query.resolved };
}

/** A row of Plausible's `results`: a null metric is one no visit gave a figure (scroll depth). */
type ResultRow = { metrics: (number | null)[]; dimensions: string[] };

/** The order of `order_by`: each entry a metric's or the dimension's column, nulls last either way (ClickHouse's); ties by the dimension's value, ascending. */
function comparatorOf(query: StatsQuery) {
  const columns = query.orderBy.map(([name, direction]) => {
    const metric = query.metrics.indexOf(name as StatsMetric);
    return { pick: (row: ResultRow) => (metric >= 0 ? row.metrics[metric] : row.dimensions[0]), sign: direction === "asc" ? 1 : -1 };
  });
  const compare = (a: number | string, b: number | string) => (a < b ? -1 : a > b ? 1 : 0);
  return (a: ResultRow, b: ResultRow) => {
    for (const { pick, sign } of columns) {
      const [x, y] = [pick(a), pick(b)];
      const order = x === null || y === null ? Number(x === null) - Number(y === null) : compare(x, y) * sign;
      if (order !== 0) return order;
    }
    return compare(a.dimensions[0] ?? "", b.dimensions[0] ?? "");
  };
}
