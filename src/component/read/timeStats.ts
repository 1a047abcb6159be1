import { ConvexError, v } from "convex/values";
import type { QueryCtx } from "../_generated/server.js";
import {
  BREAKDOWN_DEFAULT_LIMIT,
  BREAKDOWN_MAX_LIMIT,
  BREAKDOWN_PROPERTIES,
  RANGE_STATS_MAX_BREAKDOWNS,
  HISTORY_ROWS_PER_ROW,
  HISTORY_COVER_MAX,
  PAGE_PROPERTIES,
  EVENT_PROPERTY,
  EVENT_PROP_PREFIX,
  GOAL_PROPERTY,
  type BreakdownProperty,
  type BreakdownTarget,
  type VisitProperty,
  isStepProperty,
  EVENT_PROP_KEYS,
} from "../../shared/config.js";
import { isBucketGoal, listGoalRows, listGoals, goalNamed, type Goal } from "../operate/goalDefinitions.js";
import { goalFoldsOf, goalScope } from "../derive/goalBuckets.js";
import { parseFilters, scanFiltered, stepTestOf, Tally, ValueTallies, vFilters, type Filter, type MatchedVisit } from "./filteredVisits.js";
import { ConversionTallies, conversionMetrics, type ConversionKey } from "./conversions.js";
import { openVisitFigures, openVisitValues, readOpenVisits, type OpenVisit } from "./openVisits.js";
import { countPrevsBefore } from "../derive/prevHistogram.js";
import { storedDetail } from "../derive/rollup.js";
import { PROPERTY_PIECE_LEVELS, assertRangeKept, isOnPropertyGrid, seriesSpans, type DetailHorizons } from "../../shared/detail.js";
import { SITE_SCOPE, eventPropGroup, eventPropScope, eventScope, hasAllLevels, propertyScope, rankMetricOf, type BucketLevel, type ScopeGroup, type TimeBucket } from "../derive/timeBuckets.js";
import {
  PIECE_LEVELS,
  alignedPieces,
  assertValidInterval,
  assertValidRange,
  buckets,
  parseTimeZone,
  pieceContaining,
  pieceEnd,
  siteTimeZone,
  type Interval,
  type Piece,
  type TimeRange,
} from "../../shared/timeRanges.js";
import { addFigures, addScroll, noFigures, scrollDepthOf, type Figures, type Lens } from "./figures.js";
import type { InvalidArgument } from "../../shared/validation.js";

/**
 * The Stats API's reads: exact figures for any whole-minute range, from the
 * worker's time buckets (component/derive/timeBuckets.ts). A range is split into whole
 * buckets (months in the middle, then days, hours, quarter-hours and minutes
 * at its edges: at most ~160 for two years); each adds its views, its
 * sessions whose previous view (or visit) is before the range, and its
 * visits (those in progress as the worker last folded them:
 * component/derive/foldVisits.ts). Runs of adjacent buckets of one level are
 * read with one index range; no query reads a row a visitor writes, so a
 * subscription re-runs only when the worker's batch changes what it read. No filter, or one `is` filter, reads the
 * buckets of the site or of that value; other filters (several, `isNot`, `contains`) and a breakdown under a filter
 * of another property scan the range's packed visits (component/read/filteredVisits.ts).
 * Old detail is rolled up (component/derive/rollup.ts): a range that needs a
 * dropped bucket is refused with the grid that holds there (shared/detail.ts).
 */

const vVisitMetrics = { visits: v.number(), viewsPerVisit: v.number(), bounceRate: v.number(), visitDurationMs: v.number() };
// Under one page's `is` filter: the mean deepest scroll (0–100) of its visits that reported one (Plausible's engagement `sd`); absent when none did.
const vScrollDepth = { scrollDepth: v.optional(v.number()) };
// Under a goal, event or event property filter: conversions, the share of the other filters' visitors who converted, and their revenue (total and per conversion) when any.
const vConversionMetrics = { events: v.optional(v.number()), conversionRate: v.optional(v.number()), revenue: v.optional(v.number()), averageRevenue: v.optional(v.number()) };
export const vFilter = v.object({ property: v.string(), value: v.string() });
export { vFilters };
export const vSummary = v.object({ from: v.number(), to: v.number(), pageviews: v.number(), visitors: v.number(), ...vVisitMetrics, ...vConversionMetrics, ...vScrollDepth });
export const vSeriesRow = v.object({ start: v.number(), pageviews: v.number(), visitors: v.number(), ...vVisitMetrics, ...vConversionMetrics, ...vScrollDepth });
export const vBreakdownRow = v.object({
  value: v.string(),
  // For pages (page, entry page, exit page): the page's title.
  title: v.optional(v.string()),
  // For pages and visit properties (an event's row has its events instead).
  pageviews: v.optional(v.number()),
  visitors: v.number(),
  // For events and goals (and any row under a goal, event or event property filter): how many, the share of the range's
  // visitors who converted, and their revenue in the site's currency, total and per conversion (when any).
  events: v.optional(v.number()),
  conversionRate: v.optional(v.number()),
  revenue: v.optional(v.number()),
  averageRevenue: v.optional(v.number()),
  // For visit properties:
  visits: v.optional(v.number()),
  bounceRate: v.optional(v.number()),
  visitDurationMs: v.optional(v.number()),
  // For pages read from their buckets (no filter, or the page's own `is`): the mean deepest scroll (0–100) of the visits that reported one there; absent when none did.
  scrollDepth: v.optional(v.number()),
});
export type BreakdownRow = typeof vBreakdownRow.type;
// A breakdown of `rangeStats`: its rows, or why a filtered one is refused (FILTER_TOO_BROAD, RANGE_TOO_EARLY, RANGE_TOO_BUSY: read/filteredVisits.ts).
// A refusal answered in place: its code and message, the argument at fault, and for a filter's scan the earliest start it can answer.
export const vRefusal = v.object({ code: v.string(), message: v.string(), field: v.optional(v.string()), availableFrom: v.optional(v.number()) });
export type Refusal = typeof vRefusal.type;
export const vRangeBreakdown = v.union(v.object({ rows: v.array(vBreakdownRow) }), v.object({ refused: vRefusal }));
export const vRangeStats = v.object({ summary: vSummary, series: v.array(vSeriesRow), breakdowns: v.array(vRangeBreakdown) });
// A range's figures as they add up (read/figures.ts), for a dashboard's history part.
export const vFigures = v.object({
  pageviews: v.number(),
  visitors: v.number(),
  visits: v.number(),
  bounces: v.number(),
  visitViews: v.number(),
  durationMs: v.number(),
  revenue: v.number(),
  // A page's (read/figures.ts); optional, so a history from before them is still taken back.
  scrollDepthVisits: v.optional(v.number()),
  scrollDepthSum: v.optional(v.number()),
});
/**
 * What a dashboard's range held before `before` (a local midnight): its summary's and each series bucket's figures
 * there, and each unfiltered breakdown's top values there with a bound on every other's metric (null: not split).
 * `rangeHistory` answers it once; the live question passes it back, so each re-run reads only the range from `before` on.
 */
export const vHistory = v.object({
  // The question it answers (its range, interval, zone, filter and breakdowns), so it is never taken back for another.
  question: v.string(),
  before: v.number(),
  summary: vFigures,
  series: v.array(vFigures),
  breakdowns: v.array(v.union(v.null(), v.object({ rows: v.array(v.object({ value: v.string(), figures: vFigures })), bound: v.number() }))),
});
export type History = typeof vHistory.type;
type CoverBucket = { level: BucketLevel; start: number };

const MINUTE = 60_000;

function invalid(field: string, message: string): never {
  throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field, message });
}

const quoted = (value: unknown) => JSON.stringify(String(value).slice(0, 40));

/** What a breakdown is of: a property, or custom events by name. */
function parseTarget(property: string): BreakdownTarget {
  if (property === EVENT_PROPERTY || property === GOAL_PROPERTY) return property;
  if (!(BREAKDOWN_PROPERTIES as readonly string[]).includes(property)) {
    invalid("property", `property must be ${EVENT_PROPERTY}, ${GOAL_PROPERTY}, ${EVENT_PROP_KEYS}, ${EVENT_PROP_PREFIX}<key> or one of ${BREAKDOWN_PROPERTIES.join(", ")}; got ${quoted(property)}`);
  }
  return property as BreakdownProperty;
}

/** The scope the filters read (none: the site; one `is`: its value's), or null when they need a scan (read/filteredVisits.ts): step filters always do. */
function lensOf(filters: Filter[]): Lens | null {
  if (filters.length === 0) return { group: "site", scope: SITE_SCOPE };
  const [filter] = filters;
  if (filters.length > 1 || filter.op !== "is" || isStepProperty(filter.property)) return null;
  const property = filter.property as BreakdownProperty;
  if (property === "page") return { group: "page", scope: filter.value };
  return { group: property, scope: propertyScope(property, filter.value), value: filter.value };
}

/** True when the filters test visits' steps: their figures are conversions. */
const hasStepFilter = (filters: Filter[]) => filters.some((filter) => isStepProperty(filter.property));

/** A scan's figures as the API reports them; under step filters, with the conversion figures. */
const tallyRow = (tally: Tally, filters: Filter[]) => ({
  ...summaryRow(tally.figures),
  ...(hasStepFilter(filters) ? conversionMetrics(tally.figures.visitors, tally.events, tally.baseVisitors, tally.figures.revenue) : {}),
});

/** Visit figures as the API reports them: rates and means, 0 with no visits. */
function visitMetrics(figures: Figures) {
  const per = (total: number) => (figures.visits === 0 ? 0 : total / figures.visits);
  return { visits: figures.visits, viewsPerVisit: per(figures.visitViews), bounceRate: per(figures.bounces), visitDurationMs: per(figures.durationMs) };
}


/** The range as whole buckets of the scope's levels: its week when it is exactly one (weeks do not nest in months), else its aligned pieces. */
function piecesOf(range: TimeRange, zone: string, group: ScopeGroup): Piece[] {
  if (!hasAllLevels(group)) return alignedPieces(range, PROPERTY_PIECE_LEVELS, zone);
  const week: Piece = { level: "week", start: range.from };
  if (pieceContaining(range.from, "week", zone) === range.from && pieceEnd(week, zone) === range.to) return [week];
  return alignedPieces(range, PIECE_LEVELS, zone);
}

/** The stored bucket of each piece (null where nothing was viewed), a run of adjacent same-level pieces per index range; none read twice in a call. */
async function readBuckets(ctx: QueryCtx, scope: string, pieces: Piece[], site: Site): Promise<(TimeBucket | null)[]> {
  const { zone, buckets: known } = site;
  const found: (TimeBucket | null)[] = [];
  for (let first = 0; first < pieces.length; ) {
    const { level } = pieces[first];
    let last = first;
    while (last + 1 < pieces.length && pieces[last + 1].level === level && pieces[last + 1].start === pieceEnd(pieces[last], zone)) last++;
    const cached = pieces.slice(first, last + 1).map((piece) => known.get(bucketKey(scope, piece)));
    if (cached.every((row) => row !== undefined)) {
      found.push(...cached);
      first = last + 1;
      continue;
    }
    const rows = await ctx.db
      .query("timeBuckets")
      .withIndex("by_scope_level_start", (q) => q.eq("scope", scope).eq("level", level).gte("start", pieces[first].start).lte("start", pieces[last].start))
      .collect();
    const byStart = new Map(rows.map((row) => [row.start, row]));
    for (let i = first; i <= last; i++) {
      const row = byStart.get(pieces[i].start) ?? null;
      known.set(bucketKey(scope, pieces[i]), row);
      found.push(row);
    }
    first = last + 1;
  }
  return found;
}

/** Buckets one call has read, by scope, level and start (null: none stored), so its questions read none twice. */
type BucketCache = Map<string, TimeBucket | null>;
const bucketKey = (scope: string, piece: { level: string; start: number }) => `${piece.level}|${piece.start}|${scope}`;

/** Figures of `[from, …)` from its pieces' buckets: each adds its views, its visits, and its sessions whose previous view (or visit) is before `from`. */
async function figuresOf(ctx: QueryCtx, from: number, pieces: Piece[], rows: (TimeBucket | null)[]): Promise<Figures> {
  const figures = noFigures();
  for (const [i, row] of rows.entries()) {
    if (row === null) continue;
    figures.pageviews += row.pageviews;
    // A bucket starting at `from` holds only sessions whose previous view is before it.
    figures.visitors += pieces[i].start === from ? row.visitors : await countPrevsBefore(ctx, row, from / MINUTE);
    figures.visits += row.visits ?? 0;
    figures.bounces += row.bounces ?? 0;
    figures.visitViews += row.visitViews ?? 0;
    figures.durationMs += row.durationMs ?? 0;
    figures.revenue += row.revenue ?? 0;
    Object.assign(figures, addScroll(figures, row));
  }
  return figures;
}

/**
 * A lens's exact figures in a range, from its buckets (a visit property's off its grid: from the visits in progress),
 * its visitors those whose previous view is before `since` (the range's start, or that of a range it is part of).
 */
async function lensFigures(ctx: QueryCtx, lens: Lens, range: TimeRange, site: Site, since = range.from) {
  if (!hasAllLevels(lens.group) && !isOnPropertyGrid(range, site.zone)) {
    return openVisitFigures(await openVisitsOf(ctx, site, range, lens.group), lens.scope, since);
  }
  const pieces = piecesOf(range, site.zone, lens.group);
  return await figuresOf(ctx, since, pieces, await readBuckets(ctx, lens.scope, pieces, site));
}

/**
 * The site's zone and the detail its buckets keep, read once per call whatever the number of questions it answers;
 * the buckets and each range's open visits the call has read, kept so no question reads them again.
 */
type Site = { zone: string; detail: DetailHorizons; buckets: BucketCache; openVisits: Map<string, Promise<OpenVisit[]>> };
const readSite = async (ctx: QueryCtx): Promise<Site> => ({ zone: siteTimeZone(), detail: await storedDetail(ctx), buckets: new Map(), openVisits: new Map() });

/** The visits in progress that started in the range (read/openVisits.ts), read once per call and range. */
function openVisitsOf(ctx: QueryCtx, site: Site, range: TimeRange, property: VisitProperty): Promise<OpenVisit[]> {
  const key = `${range.from}-${range.to}`;
  let visits = site.openVisits.get(key);
  if (visits === undefined) site.openVisits.set(key, (visits = readOpenVisits(ctx, range, property)));
  return visits;
}

/** Refuses a range that needs detail the rollup has dropped, else returns the site (read now when not given). */
async function assertAnswerable(ctx: QueryCtx, range: TimeRange, site?: Site): Promise<Site> {
  site ??= await readSite(ctx);
  assertRangeKept(range, site.detail, site.zone);
  return site;
}

type FilterArg = { filter?: { property: string; value: string }; filters?: { property: string; op: string; value: string }[] };
type SeriesArgs = TimeRange & FilterArg & { interval: string; timeZone?: string };

/** `summary`: page views, visitors and visits in `[from, to)`, of the site or of what the filters match. */
export async function summary(ctx: QueryCtx, args: TimeRange & FilterArg, site?: Site, history?: History) {
  const range = { from: args.from, to: args.to };
  assertValidRange(range);
  const filters = parseFilters(args);
  if (lensOf(filters) === null) {
    const tally = new Tally();
    await scanFiltered(ctx, range, filters, [], (visit, pageviews, _passes, conversion) => tally.add(visit, pageviews, conversion));
    return { ...range, ...tallyRow(tally, filters) };
  }
  return { ...range, ...summaryRow(await summaryFigures(ctx, args, site, history)) };
}

const summaryRow = (figures: Figures) => ({ pageviews: figures.pageviews, visitors: figures.visitors, ...visitMetrics(figures), ...scrollDepthOf(figures) });

/** Under a page's filter, views per visit are the page's views per visit (prds/visits.md): its buckets count its visits' other views too. */
const countedViews = (lens: Lens, figures: Figures): Figures => (lens.group === "page" ? { ...figures, visitViews: figures.pageviews } : figures);

/** A summary's figures from buckets (filters a lens answers); with `history`, those before `history.before` are taken from it and only the rest is read. */
async function summaryFigures(ctx: QueryCtx, args: TimeRange & FilterArg, site?: Site, history?: History): Promise<Figures> {
  const range = { from: args.from, to: args.to };
  const lens = lensOf(parseFilters(args))!;
  const known = await assertAnswerable(ctx, range, site);
  if (history === undefined) return countedViews(lens, await lensFigures(ctx, lens, range, known));
  return countedViews(lens, addFigures(history.summary, await lensFigures(ctx, lens, { from: history.before, to: range.to }, known, range.from)));
}

/** `timeseries`: each `interval` bucket of `timeZone` (the site's by default) with the figures of its part inside the range. */
export async function timeseries(ctx: QueryCtx, args: SeriesArgs, known?: Site, history?: History) {
  const range = { from: args.from, to: args.to };
  assertValidRange(range);
  assertValidInterval(args.interval);
  const filters = parseFilters(args);
  if (lensOf(filters) === null) {
    const zone = args.timeZone === undefined ? siteTimeZone() : parseTimeZone(args.timeZone);
    const series = new SeriesTallies(seriesSpans(range, args.interval, zone));
    await scanFiltered(ctx, range, filters, [], series.add);
    const starts = buckets(range, args.interval, zone);
    return series.tallies.map((tally, i) => ({ start: starts[i], ...tallyRow(tally, filters) }));
  }
  const { starts, figures } = await seriesFigures(ctx, args, known, history);
  return figures.map((each, i) => ({ start: starts[i], ...summaryRow(each) }));
}

/** A series' figures from buckets (filters a lens answers), span by span; with `history`, spans (or their parts) before `history.before` are taken from it. */
async function seriesFigures(ctx: QueryCtx, args: SeriesArgs, known?: Site, history?: History): Promise<{ starts: number[]; figures: Figures[] }> {
  const range = { from: args.from, to: args.to };
  assertValidInterval(args.interval);
  const zone = args.timeZone === undefined ? siteTimeZone() : parseTimeZone(args.timeZone);
  const lens = lensOf(parseFilters(args))!;
  const starts = buckets(range, args.interval, zone);
  const { figures } = await lensSeries(ctx, lens, range, args.interval, zone, known, history);
  return { starts, figures: figures.map((each) => countedViews(lens, each)) };
}

/** A scan's figures per span of a series (spans in time order, as seriesSpans gives them). */
class SeriesTallies {
  readonly tallies: Tally[];
  constructor(private readonly spans: TimeRange[]) {
    this.tallies = spans.map(() => new Tally());
  }
  readonly add: MatchedVisit = (visit, pageviews, _passes, conversion) => {
    let low = 0;
    let high = this.spans.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (this.spans[middle].from <= visit.start) low = middle;
      else high = middle - 1;
    }
    this.tallies[low].add(visit, pageviews, conversion);
  };
}

/** A lens's series from its buckets, span by span. */
async function lensSeries(ctx: QueryCtx, lens: Lens, range: TimeRange, interval: Interval, zone: string, known?: Site, history?: History): Promise<{ figures: Figures[] }> {
  const answerable = await assertAnswerable(ctx, range, known);
  const spans = seriesSpans(range, interval, zone);
  const { zone: site, detail } = answerable;
  // The range is answerable; a finer interval than old data keeps is the interval's fault.
  for (const span of spans) assertRangeKept(span, detail, site, "interval");
  if (history !== undefined) {
    if (history.series.length !== spans.length) invalid("range.history", `history.series must have one entry per bucket of the series (${spans.length}); got ${history.series.length}`);
    const figures: Figures[] = [];
    for (const [i, span] of spans.entries()) {
      const later = { from: Math.max(span.from, history.before), to: span.to };
      figures.push(later.from >= later.to ? history.series[i] : addFigures(history.series[i], await lensFigures(ctx, lens, later, answerable, span.from)));
    }
    return { figures };
  }
  if (!hasAllLevels(lens.group) && !spans.every((span) => isOnPropertyGrid(span, site))) {
    // A visit property's series off whole hours: every span from the open visits of the range, read once.
    const visits = await openVisitsOf(ctx, answerable, range, lens.group);
    return { figures: spans.map((span) => openVisitFigures(visits.filter(({ start }) => span.from <= start && start < span.to), lens.scope, span.from)) };
  }
  const piecesBySpan = spans.map((span) => piecesOf(span, site, lens.group));
  const rows = await readBuckets(ctx, lens.scope, piecesBySpan.flat(), answerable);
  const series: Figures[] = [];
  let offset = 0;
  for (const [i, pieces] of piecesBySpan.entries()) {
    series.push(await figuresOf(ctx, spans[i].from, pieces, rows.slice(offset, offset + pieces.length)));
    offset += pieces.length;
  }
  return { figures: series };
}

function parseLimit(limit: number | undefined): number {
  if (limit === undefined) return BREAKDOWN_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > BREAKDOWN_MAX_LIMIT) {
    invalid("limit", `limit must be a whole number from 1 to ${BREAKDOWN_MAX_LIMIT.toLocaleString("en-US")}; got ${limit}`);
  }
  return limit;
}

type Ranked = { value: string; figures: Figures };

/** What a breakdown ranks by: pages by views, visit properties by visits. */
type Metric = "pageviews" | "visits";
const metricOf = (property: BreakdownTarget): Metric => (property === "page" || property === EVENT_PROPERTY || property === GOAL_PROPERTY ? "pageviews" : "visits");

/** The order of a breakdown: by its metric; then visitors, then value. */
const rankOf = (property: BreakdownTarget) => rankBy(metricOf(property));

/** The order of ranked values by a metric; then visitors, then value. */
function rankBy(metric: Metric) {
  return (a: Ranked, b: Ranked) =>
    b.figures[metric] - a.figures[metric] || b.figures.visitors - a.figures.visitors || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}

/**
 * A breakdown row: a page's title, a visit property's visit figures; an event's count, conversion rate (of
 * `baseVisitors`) and revenue. `tally`: a scan's under step filters, whose conversions the row carries too.
 */
function breakdownRow(property: BreakdownTarget, { value, figures }: Ranked, baseVisitors = 0, tally?: Tally): BreakdownRow {
  if (property === EVENT_PROPERTY || property === GOAL_PROPERTY) {
    return { value, visitors: figures.visitors, ...conversionMetrics(figures.visitors, figures.pageviews, baseVisitors, figures.revenue) };
  }
  const row: BreakdownRow = { value, pageviews: figures.pageviews, visitors: figures.visitors };
  // The path until the app's `pageTitles` (LiveStats options) names it: the component cannot read the app's content.
  if (PAGE_PROPERTIES.includes(property)) row.title = value;
  const conversions = tally === undefined ? {} : conversionMetrics(figures.visitors, tally.events, tally.baseVisitors, figures.revenue);
  if (property === "page") return { ...row, ...scrollDepthOf(figures), ...conversions };
  const { visits, bounceRate, visitDurationMs } = visitMetrics(figures);
  return { ...row, visits, bounceRate, visitDurationMs, ...conversions };
}

/** True when a breakdown by `property` under the filters scans visits: filters buckets cannot answer, or one `is` of another property. */
const scansFor = (filters: Filter[], property: BreakdownProperty) => filters.length > 0 && (lensOf(filters) === null || filters[0].property !== property);

/** A scan's tallies for one breakdown: a property's values, or conversions by event, goal or event property. */
type BreakdownTallies = ValueTallies | ConversionTallies;

/** Conversions counted by a scan of the range's visits under the filters. */
async function scanConversions(ctx: QueryCtx, range: TimeRange, filters: Filter[], key: ConversionKey): Promise<ConversionTallies> {
  const tallies = new ConversionTallies(key, await stepTestOf(ctx, filters));
  await scanFiltered(ctx, range, filters, ["steps"], tallies.add);
  return tallies;
}

/** The order of conversions: unique conversions, then total conversions, then value. */
const byConversions = (a: Ranked, b: Ranked) => b.figures.visitors - a.figures.visitors || b.figures.pageviews - a.figures.pageviews || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

/**
 * `breakdown`: the top values of a property in the range (of what the filters match), each row's figures exact.
 * `scanned`: a scan's tallies for it, when `rangeStats` scanned once for several questions.
 */
export async function breakdown(
  ctx: QueryCtx,
  args: TimeRange & FilterArg & { property: string; limit?: number },
  site?: Site,
  known?: KnownPart,
  scanned?: BreakdownTallies,
  siteVisitors?: number,
): Promise<BreakdownRow[]> {
  const range = { from: args.from, to: args.to };
  assertValidRange(range);
  const limit = parseLimit(args.limit);
  const filters = parseFilters(args);
  if (args.property.startsWith(EVENT_PROP_PREFIX)) return await eventPropBreakdown(ctx, range, args.property, limit, filters, site, scanned as ConversionTallies | undefined);
  // The keys events carry: always a scan (the buckets list values by key, not keys).
  if (args.property === EVENT_PROP_KEYS) return rankedConversions(EVENT_PROPERTY, (scanned as ConversionTallies | undefined) ?? (await scanConversions(ctx, range, filters, { by: "propKey" })), limit);
  const target = parseTarget(args.property);
  if (target === EVENT_PROPERTY || target === GOAL_PROPERTY) {
    return await conversionsBreakdown(ctx, target, range, limit, filters, site, known, siteVisitors, scanned as ConversionTallies | undefined);
  }
  const property = target;
  if (scansFor(filters, property)) {
    let tallies = scanned as ValueTallies | undefined;
    if (tallies === undefined) {
      tallies = new ValueTallies(property);
      await scanFiltered(ctx, range, filters, [property], tallies.add);
    }
    const steps = hasStepFilter(filters);
    return tallies
      .ranked()
      .sort(rankOf(property))
      .slice(0, limit)
      .map((entry) => breakdownRow(property, entry, 0, steps ? entry.tally : undefined));
  }
  const answerable = await assertAnswerable(ctx, range, site);
  let ranked: Ranked[];
  if (filters.length > 0) {
    // Broken down by its own property, an `is` filter leaves one value.
    const figures = await lensFigures(ctx, lensOf(filters)!, range, answerable);
    ranked = figures.pageviews > 0 || figures.visits > 0 ? [{ value: filters[0].value, figures }] : [];
  } else {
    // With what the range held before a point known already, the rest is read, unless no ranking can be proven from it.
    ranked = await rankWithKnown(ctx, dimensionOf(property), range, limit, answerable, known);
  }
  return ranked.map((entry) => breakdownRow(property, entry));
}

/**
 * Conversions (prds/events.md): custom events by name, or goals, each with its visitors, events, conversion rate and
 * revenue. Without filters, events and goals of an event (narrowed by at most one property value) read their buckets
 * (exact for any whole-minute range); other goals, and any under filters, are counted by a scan of the visits' steps
 * (read/conversions.ts). `siteVisitors`: the range's visitors when the caller has them (a dashboard's summary), for
 * the conversion rate without filters; else they are read.
 */
async function conversionsBreakdown(
  ctx: QueryCtx,
  target: typeof EVENT_PROPERTY | typeof GOAL_PROPERTY,
  range: TimeRange,
  limit: number,
  filters: Filter[],
  site?: Site,
  known?: KnownPart,
  siteVisitors?: number,
  scanned?: ConversionTallies,
): Promise<BreakdownRow[]> {
  if (filters.length > 0) {
    const tallies = scanned ?? (await scanConversions(ctx, range, filters, await conversionKeyOf(ctx, target)));
    return rankedConversions(target, tallies, limit);
  }
  const answerable = await assertAnswerable(ctx, range, site);
  const ranked =
    target === GOAL_PROPERTY
      ? await rankGoals(ctx, range, limit, answerable, known)
      : await rankWithKnown(ctx, dimensionOf(EVENT_PROPERTY), range, limit, answerable, known);
  if (ranked.length === 0) return [];
  const visitors = siteVisitors ?? (await lensFigures(ctx, { group: "site", scope: SITE_SCOPE }, range, answerable)).visitors;
  return ranked.map((entry) => breakdownRow(target, entry, visitors));
}

/** What a conversions breakdown's scan groups steps by. */
async function conversionKeyOf(ctx: QueryCtx, target: typeof EVENT_PROPERTY | typeof GOAL_PROPERTY): Promise<ConversionKey> {
  return target === GOAL_PROPERTY ? { by: GOAL_PROPERTY, goals: await listGoals(ctx) } : { by: EVENT_PROPERTY };
}

/** A scan's conversion rows, ranked, each rate of the visitors the scan met. */
const rankedConversions = (target: BreakdownTarget, tallies: ConversionTallies, limit: number) =>
  tallies
    .ranked()
    .sort(byConversions)
    .slice(0, limit)
    .map((entry) => breakdownRow(target, entry, tallies.baseVisitors));

/**
 * `prop:<key>`: the values of one event property, each with its visitors, events, conversion rate and revenue. With
 * one `is` filter of an event (or of a goal that is an event's with no property values) and a range of whole hours,
 * from buckets per event, key and value; otherwise (other ranges, any filters, or none: every event's), and in a
 * dashboard's answer that scans its range anyway, by a scan of the visits' steps.
 */
async function eventPropBreakdown(
  ctx: QueryCtx,
  range: TimeRange,
  property: string,
  limit: number,
  filters: Filter[],
  site?: Site,
  scanned?: ConversionTallies,
): Promise<BreakdownRow[]> {
  const key = property.slice(EVENT_PROP_PREFIX.length);
  if (key === "") invalid("property", `${EVENT_PROP_PREFIX}<key> names a property of the event, e.g. ${EVENT_PROP_PREFIX}plan`);
  // A dashboard that scanned its range for the filter counts the values in the same scan: its rates share the summary's visitors.
  // Off whole hours the buckets (kept by the hour, as a visit property's) cannot answer: the scan does.
  const answerable = await assertAnswerable(ctx, range, site);
  const name = scanned === undefined && isOnPropertyGrid(range, answerable.zone) ? await bucketEventOf(ctx, filters) : null;
  if (name === null) return rankedConversions(EVENT_PROPERTY, scanned ?? (await scanConversions(ctx, range, filters, { by: "prop", key })), limit);
  const group = eventPropGroup(name, key);
  const dimension: Dimension = {
    group,
    scopeOf: (value) => eventPropScope(name, key, value),
    valueOf: (scope) => scope.slice(group.length + 1),
  };
  const ranked = (await topValues(ctx, dimension, range, limit, answerable))!;
  if (ranked.length === 0) return [];
  const { visitors } = await lensFigures(ctx, { group: "site", scope: SITE_SCOPE }, range, answerable);
  return ranked.map((entry) => breakdownRow(EVENT_PROPERTY, entry, visitors));
}

/** The event whose property buckets answer a `prop:<key>` breakdown under these filters, or null when a scan must. */
async function bucketEventOf(ctx: QueryCtx, filters: Filter[]): Promise<string | null> {
  const [filter, ...more] = filters;
  if (filter === undefined || more.length > 0 || filter.op !== "is") return null;
  if (filter.property === EVENT_PROPERTY) return filter.value;
  if (filter.property !== GOAL_PROPERTY) return null;
  const goal = await goalNamed(ctx, filter.value);
  if (goal === null) invalid("filters[0].value", `no goal is named ${quoted(filter.value)}`);
  return goal.event !== undefined && goal.props === undefined ? goal.event : null;
}

/**
 * Goals that converted in the range, by unique conversions; a goal counts all history (operate/goals.ts). Goals are
 * few (GOALS_MAX): an event goal's buckets are read, the rest counted by one scan of the range's visits' steps. With
 * `known` (what the range held before a point, every goal listed: `goalHistory`), only the rest is read; a goal it
 * does not list (made since) is read whole.
 */
async function rankGoals(ctx: QueryCtx, range: TimeRange, limit: number, site: Site, known?: KnownPart): Promise<Ranked[]> {
  const goals = await goalLensesOf(ctx);
  const ranked: Ranked[] = [];
  for (const { goal, lens } of goals) {
    if (lens === null) continue;
    const before = known?.rows.find((row) => row.value === goal.name)?.figures;
    const figures =
      known === undefined || before === undefined
        ? await lensFigures(ctx, lens, range, site)
        : addFigures(before, await lensFigures(ctx, lens, { from: known.before, to: range.to }, site, range.from));
    if (figures.pageviews > 0) ranked.push({ value: goal.name, figures });
  }
  const scanned = goals.filter(({ lens }) => lens === null).map(({ goal }) => goal);
  if (scanned.length > 0) ranked.push(...(await scanConversions(ctx, range, [], { by: GOAL_PROPERTY, goals: scanned })).ranked());
  return ranked.sort(byConversions).slice(0, limit);
}

/**
 * Each goal with the buckets it reads: an event goal of no property value its event's, any other its own once their
 * history is folded (derive/goalBuckets.ts); null while it is not, the visits' steps counting it meanwhile.
 */
async function goalLensesOf(ctx: QueryCtx): Promise<{ goal: Goal; lens: Lens | null }[]> {
  const folds = await goalFoldsOf(ctx);
  return (await listGoalRows(ctx)).map(({ id, goal }) => {
    if (isBucketGoal(goal)) return { goal, lens: { group: "event", scope: eventScope(goal.event!) } };
    return { goal, lens: folds.get(id)?.history === "done" ? { group: "goal", scope: goalScope(id) } : null };
  });
}

/** What every goal held before `before`, for a dashboard's history part (every goal is listed, so nothing is left to bound); null while a goal is counted by a scan. */
async function goalHistory(ctx: QueryCtx, earlier: TimeRange, site: Site): Promise<History["breakdowns"][number]> {
  const goals = await goalLensesOf(ctx);
  const rows: Ranked[] = [];
  for (const { goal, lens } of goals) {
    if (lens === null) return null;
    rows.push({ value: goal.name, figures: await lensFigures(ctx, lens, earlier, site) });
  }
  return { rows, bound: 0 };
}

/**
 * A bucket's rows of a group in ranking order, each with a bound on the metric of every row after it (its own, or more).
 * A visit property's rows written before `rank` sort after the ranked ones, by page views: the two runs are merged, each
 * such row bounded by its page views (every visit has a view, so a row's visits are at most its views). No rebuild needed.
 */
async function* rankingOf(ctx: QueryCtx, group: ScopeGroup, { level, start }: CoverBucket): AsyncGenerator<{ row: TimeBucket; bound: number }> {
  const run = (ranked: boolean) =>
    ctx.db
      .query("timeBuckets")
      .withIndex("by_group_level_start_rank", (q) => {
        const bucket = q.eq("group", group).eq("level", level).eq("start", start);
        return ranked ? bucket.gte("rank", 0) : bucket.eq("rank", undefined);
      })
      .order("desc")
      [Symbol.asyncIterator]();
  const unranked = run(false);
  let unrankedRow = await unranked.next();
  if (rankMetricOf(group) === "visits") {
    const ranked = run(true);
    for (let rankedRow = await ranked.next(); !rankedRow.done; rankedRow = await ranked.next()) {
      for (; !unrankedRow.done && unrankedRow.value.pageviews > rankedRow.value.rank!; unrankedRow = await unranked.next()) {
        yield { row: unrankedRow.value, bound: unrankedRow.value.pageviews };
      }
      yield { row: rankedRow.value, bound: rankedRow.value.rank! };
    }
  }
  for (; !unrankedRow.done; unrankedRow = await unranked.next()) yield { row: unrankedRow.value, bound: unrankedRow.value.pageviews };
}

/** What topValues ranks from its buckets' lists: a property's values, or events by name (goals are few: each is read). */
type RankedTarget = Exclude<BreakdownTarget, typeof GOAL_PROPERTY>;

/** The top values, from what the range held before a point when known, unless no ranking can be proven from it. */
async function rankWithKnown(ctx: QueryCtx, dimension: Dimension, range: TimeRange, limit: number, site: Site, known?: KnownPart): Promise<Ranked[]> {
  return (known && (await topValues(ctx, dimension, range, limit, site, known))) || (await topValues(ctx, dimension, range, limit, site))!;
}

/** What a ranking reads: a scope group's lists (ranked by its metric, rankMetricOf), and how its scopes name values. */
type Dimension = { group: ScopeGroup; scopeOf: (value: string) => string; valueOf: (scope: string) => string };

const dimensionOf = (property: RankedTarget): Dimension => ({
  group: property === EVENT_PROPERTY ? "event" : property,
  scopeOf: (value) => lensOfValue(property, value).scope,
  valueOf: (scope) => valueOfScope(property, scope),
});

const lensOfValue = (property: RankedTarget, value: string): Lens =>
  property === "page"
    ? { group: "page", scope: value }
    : property === EVENT_PROPERTY
      ? { group: "event", scope: eventScope(value) }
      : { group: property, scope: propertyScope(property, value), value };

const valueOfScope = (property: RankedTarget, scope: string) => (property === "page" ? scope : scope.slice(property.length + 1));

/** The few whole buckets (at most 3) of the finest level that covers the range: an upper bound on each value's figures in it. */
function coverOf(range: TimeRange, zone: string, group: ScopeGroup): CoverBucket[] {
  for (const level of hasAllLevels(group) ? (["hour", "day", "week", "month"] as const) : (["hour", "day", "month"] as const)) {
    const cover: CoverBucket[] = [];
    for (let start = pieceContaining(range.from, level, zone); start < range.to && cover.length <= 3; start = pieceEnd({ level, start }, zone)) {
      cover.push({ level, start });
    }
    if (cover.length <= 3) return cover;
  }
  return [{ level: "all", start: 0 }];
}

/**
 * Buckets covering the range that all end by its end (a local midnight), so no visitor's traffic after it changes
 * them and a query that reads only these is never re-run by it: the whole months before the end's month, then that
 * month's days. Null past HISTORY_COVER_MAX of them (a range of years), which is then not split.
 */
function settledCoverOf(range: TimeRange, zone: string): CoverBucket[] | null {
  const monthStart = pieceContaining(range.to, "month", zone);
  const cover: CoverBucket[] = [];
  for (let start = pieceContaining(range.from, "month", zone); start < monthStart; start = pieceEnd({ level: "month", start }, zone)) cover.push({ level: "month", start });
  for (let start = Math.max(monthStart, pieceContaining(range.from, "day", zone)); start < range.to; start = pieceEnd({ level: "day", start }, zone)) cover.push({ level: "day", start });
  return cover.length <= HISTORY_COVER_MAX ? cover : null;
}

/**
 * What a breakdown's range held before `before`, counted already (a dashboard's history: `rangeHistory`): its top
 * values with their figures there (in rank order), every other value's metric there at most `bound`.
 */
export type KnownPart = { before: number; rows: Ranked[]; bound: number };

/**
 * The top values of a property in the range, exactly, without reading every
 * value: the few buckets covering the range list their scopes by the ranking
 * metric (an index order: views for pages, visits for visit properties), and
 * a value's metric in the cover bounds its metric in the range. Values are read down those lists and counted
 * exactly in order of that bound (Fagin's threshold algorithm), until no value
 * left unread or uncounted can beat the last row kept. With a `known` part
 * (what the range held before a point), its rows are one more such list and
 * only the rest of the range is read; null when its bound leaves the ranking
 * unproven (values it does not list could still rank). `cover`: the buckets whose lists it reads (a history's
 * must not change with today's traffic: settledCoverOf).
 */
async function topValues(
  ctx: QueryCtx,
  dimension: Dimension,
  range: TimeRange,
  limit: number,
  site: Site,
  known?: KnownPart,
  cover = coverOf(known === undefined ? range : { from: known.before, to: range.to }, site.zone, dimension.group),
): Promise<Ranked[] | null> {
  const { zone } = site;
  const { group, scopeOf, valueOf } = dimension;
  const metric = rankMetricOf(group);
  if (!hasAllLevels(group) && !isOnPropertyGrid(range, zone)) {
    // Off whole hours a visit property's values are those of the visits in progress: all of them are read anyway.
    const property = group as VisitProperty;
    return openVisitValues(await openVisitsOf(ctx, site, range, property), property, range.from)
      .sort(rankBy(metric))
      .slice(0, limit);
  }
  const counted = known === undefined ? range : { from: known.before, to: range.to };
  const pieces = piecesOf(counted, zone, group);
  const earlierPieces = known === undefined ? [] : piecesOf({ from: range.from, to: known.before }, zone, group);
  const lists = cover.map((piece) => rankingOf(ctx, group, piece));
  const knownRows = known?.rows ?? [];
  const knownFigures = new Map(knownRows.map(({ value, figures }) => [value, figures]));
  // What a value held in the known part: its figures there when listed, else at most the bound.
  const knownMetric = (scope: string) => (known === undefined ? 0 : (knownFigures.get(valueOf(scope))?.[metric] ?? known.bound));
  // Every bucket read, from a list or for a bound, is kept in the call's cache: counting a value reads none of them again.
  const cache = site.buckets;
  const coverMetric = async (scope: string, piece: CoverBucket) => {
    const key = bucketKey(scope, piece);
    let row = cache.get(key);
    if (row === undefined) {
      row = await ctx.db
        .query("timeBuckets")
        .withIndex("by_scope_level_start", (q) => q.eq("scope", scope).eq("level", piece.level).eq("start", piece.start))
        .unique();
      cache.set(key, row);
    }
    return row?.[metric] ?? 0;
  };
  const bounds = new Map<string, number>();
  const boundOf = async (scope: string, fromList?: { index: number; value: number }) => {
    let bound = knownMetric(scope);
    for (const [j, piece] of cover.entries()) bound += j === fromList?.index ? fromList.value : await coverMetric(scope, piece);
    return bound;
  };
  const figuresOfValue = async (value: string): Promise<Figures> => {
    const scope = scopeOf(value);
    const figures = await figuresOf(ctx, range.from, pieces, await readBuckets(ctx, scope, pieces, site));
    if (known === undefined) return figures;
    const before = knownFigures.get(value) ?? (await figuresOf(ctx, range.from, earlierPieces, await readBuckets(ctx, scope, earlierPieces, site)));
    return addFigures(before, figures);
  };
  // The metric of the last row read from each list (what an unread value has at most there); 0 once a list ends.
  const reached = cover.map(() => Number.POSITIVE_INFINITY);
  let knownRead = 0;
  // Reads the known list's next row: its value enters the candidates with its bound.
  const readKnownRow = async () => {
    const scope = scopeOf(knownRows[knownRead++].value);
    if (!bounds.has(scope)) bounds.set(scope, await boundOf(scope));
  };
  const countedScopes = new Set<string>();
  const top: Ranked[] = [];
  const byRank = rankBy(metric);
  for (;;) {
    const knownUnread = known === undefined ? 0 : knownRead < knownRows.length ? knownRows[knownRead].figures[metric] : known.bound;
    const unread = reached.reduce((sum, most) => sum + most, knownUnread);
    let next: [string, number] | undefined;
    for (const entry of bounds) if (!countedScopes.has(entry[0]) && (next === undefined || entry[1] > next[1])) next = entry;
    const kept = top.length >= limit ? top[limit - 1].figures[metric] : 0;
    if (top.length >= limit && kept > Math.max(unread, next?.[1] ?? 0)) break;
    if (next !== undefined && next[1] >= unread) {
      countedScopes.add(next[0]);
      const value = valueOf(next[0]);
      const figures = await figuresOfValue(value);
      if (figures[metric] > 0) {
        top.push({ value, figures });
        top.sort(byRank);
        top.length = Math.min(top.length, limit);
      }
      continue;
    }
    if (unread === 0) break;
    // Every list read: what is left unseen holds up to the known bound, which nothing read here can rule out.
    if (reached.every((most) => most === 0) && knownRead >= knownRows.length) return null;
    // The known list is read on its own while it bounds unseen values more than the cover lists do (the days before
    // today usually hold most of a range's views): each of its rows costs one bucket, a list's row one more.
    const listsUnread = reached.reduce((sum, most) => sum + most, 0);
    if (knownRead < knownRows.length && knownUnread >= listsUnread) {
      await readKnownRow();
      continue;
    }
    for (const [i, list] of lists.entries()) {
      if (reached[i] === 0) continue;
      const read = await list.next();
      if (read.done) {
        reached[i] = 0;
        continue;
      }
      const { row, bound } = read.value;
      cache.set(bucketKey(row.scope, cover[i]), row);
      reached[i] = bound;
      if (bounds.has(row.scope)) continue;
      bounds.set(row.scope, await boundOf(row.scope, { index: i, value: row[metric] ?? 0 }));
    }
    if (knownRead < knownRows.length) await readKnownRow();
  }
  return top;
}

/** A ConvexError's code, message, field and earliest start it could answer, to answer in place of what it refused; null for any other error. */
export function refusalOf(error: unknown): Refusal | null {
  const data = error instanceof ConvexError ? (error.data as { code?: unknown; message?: unknown; field?: unknown; availableFrom?: unknown }) : undefined;
  if (typeof data?.code !== "string") return null;
  return {
    code: data.code,
    message: String(data.message),
    ...(typeof data.field === "string" ? { field: data.field } : {}),
    ...(typeof data.availableFrom === "number" ? { availableFrom: data.availableFrom } : {}),
  };
}

// What a filtered breakdown may be refused for, answered in its place by `rangeStats` (the other figures still stand).
const REFUSALS = new Set(["FILTER_TOO_BROAD", "RANGE_TOO_EARLY", "RANGE_TOO_BUSY"]);

/** True for a breakdown of conversions: by event, goal or an event property (`prop:<key>`). */
const isConversionTarget = (property: string) => property === EVENT_PROPERTY || property === GOAL_PROPERTY || property === EVENT_PROP_KEYS || property.startsWith(EVENT_PROP_PREFIX);

type RangeQuestion = TimeRange & SeriesArgs & { breakdowns: { property: string; limit?: number }[] };

/**
 * A range's summary, series and breakdowns in one answer (the range of
 * `dashboardStats`, so a dashboard holds one subscription, re-run once per
 * worker batch, not one per panel: prds/dashboard-cost.md). Each part is what
 * its own query answers; a refused filtered breakdown answers `refused` in its place.
 * Parts that scan visits (read/filteredVisits.ts) share one scan.
 * With `history` (rangeHistory's answer for the same question), only the range
 * from `history.before` on is read: the days before no longer change, and a
 * re-run does not read them again.
 */
export async function rangeStats(ctx: QueryCtx, args: RangeQuestion & { history?: History }) {
  const { interval, timeZone, breakdowns, history, ...range } = args;
  assertBreakdownCount(breakdowns);
  assertValidRange(range);
  assertValidInterval(interval);
  const filters = parseFilters(range);
  const site = await readSite(ctx);
  if (history !== undefined) assertHistory(history, args, site);
  const wholeScan = lensOf(filters) === null;
  const seriesZone = timeZone === undefined ? site.zone : parseTimeZone(timeZone);
  const summaryTally = new Tally();
  const seriesTallies = new SeriesTallies(seriesSpans(range, interval, seriesZone));
  // Under filters, conversions (by event, goal or event property) are counted in the same scan.
  const stepTest = filters.length > 0 && breakdowns.some(({ property }) => isConversionTarget(property)) ? await stepTestOf(ctx, filters) : null;
  const breakdownTallies: (BreakdownTallies | undefined)[] = [];
  for (const { property } of breakdowns) {
    if (isConversionTarget(property)) {
      const key: ConversionKey = property.startsWith(EVENT_PROP_PREFIX)
        ? { by: "prop", key: property.slice(EVENT_PROP_PREFIX.length) }
        : property === EVENT_PROP_KEYS
          ? { by: "propKey" }
          : await conversionKeyOf(ctx, property as typeof EVENT_PROPERTY);
      breakdownTallies.push(filters.length > 0 ? new ConversionTallies(key, stepTest) : undefined);
      continue;
    }
    const target = parseTarget(property) as BreakdownProperty;
    breakdownTallies.push(scansFor(filters, target) ? new ValueTallies(target) : undefined);
  }
  const scanning = breakdownTallies.filter((tallies) => tallies !== undefined);
  let scanRefused: Refusal | null = null;
  if (wholeScan || scanning.length > 0) {
    const each: MatchedVisit = (visit, pageviews, passes, conversion) => {
      if (wholeScan) {
        summaryTally.add(visit, pageviews, conversion);
        seriesTallies.add(visit, pageviews, passes, conversion);
      }
      for (const tallies of scanning) tallies.add(visit, pageviews, passes, conversion);
    };
    try {
      await scanFiltered(ctx, range, filters, scanning.map((tallies) => (tallies instanceof ValueTallies ? tallies.property : "steps")), each);
    } catch (error) {
      const refused = refusalOf(error);
      // A scan for the summary refuses the whole range; one for breakdowns only refuses them.
      if (wholeScan || refused === null || !REFUSALS.has(refused.code)) throw error;
      scanRefused = refused;
    }
  }
  const summaryPart = wholeScan ? { from: range.from, to: range.to, ...tallyRow(summaryTally, filters) } : await summary(ctx, range, site, history);
  const starts = buckets(range, interval, seriesZone);
  const seriesPart = wholeScan ? seriesTallies.tallies.map((tally, i) => ({ start: starts[i], ...tallyRow(tally, filters) })) : await timeseries(ctx, { ...range, interval, timeZone }, site, history);
  const answers: (typeof vRangeBreakdown.type)[] = [];
  for (const [i, { property, limit }] of breakdowns.entries()) {
    const known = history?.breakdowns[i];
    if (breakdownTallies[i] !== undefined && scanRefused !== null) {
      answers.push({ refused: scanRefused });
      continue;
    }
    try {
      // An event breakdown's conversion rate is of the summary's visitors (without filters: the site's, read once).
      const knownPart = known == null ? undefined : { before: history!.before, ...known };
      answers.push({ rows: await breakdown(ctx, { ...range, property, limit }, site, knownPart, breakdownTallies[i], summaryPart.visitors) });
    } catch (error) {
      const refused = refusalOf(error);
      if (refused === null || !REFUSALS.has(refused.code)) throw error;
      answers.push({ refused });
    }
  }
  return { summary: summaryPart, series: seriesPart, breakdowns: answers };
}

/**
 * `rangeHistory`: what a dashboard's range held before `before` (a local midnight inside it), for `rangeStats` to
 * take back: the summary's and series' figures there, and each unfiltered breakdown's top HISTORY_ROWS_PER_ROW × limit
 * values there. Those days no longer change, so its subscription is never re-run by today's traffic. Null for
 * filters a scan answers: a visitor counted before `before` and after it again is one, which added figures cannot say.
 */
export async function rangeHistory(ctx: QueryCtx, args: RangeQuestion & { before: number }): Promise<History | null> {
  const { interval, timeZone, breakdowns, before, ...range } = args;
  assertValidRange(range);
  assertBreakdownCount(breakdowns);
  assertValidInterval(interval);
  const filters = parseFilters(range);
  const lens = lensOf(filters);
  if (lens === null) return null;
  const site = await assertAnswerable(ctx, range);
  assertSplit(before, range, site.zone);
  const earlier = { ...range, to: before };
  const { figures: series } = await seriesFigures(ctx, { ...earlier, interval, timeZone }, site);
  const spans = seriesSpans(range, interval, timeZone === undefined ? site.zone : parseTimeZone(timeZone)).length;
  const parts: History["breakdowns"] = [];
  const cover = settledCoverOf(earlier, site.zone);
  for (const { property, limit } of breakdowns) {
    // An event property's values, or the keys: answered whole (from their buckets, or a scan).
    if (property.startsWith(EVENT_PROP_PREFIX) || property === EVENT_PROP_KEYS) {
      parts.push(null);
      continue;
    }
    const parsed = parseTarget(property);
    if (parsed === GOAL_PROPERTY) {
      parts.push(filters.length === 0 ? await goalHistory(ctx, earlier, site) : null);
      continue;
    }
    // Answered whole: a filtered breakdown (a scan, or one value's buckets), and any over years.
    if (filters.length > 0 || cover === null) {
      parts.push(null);
      continue;
    }
    // One row past those listed: its metric bounds every value not listed.
    const rows = Math.min(parseLimit(limit) * HISTORY_ROWS_PER_ROW, BREAKDOWN_MAX_LIMIT);
    const top = (await topValues(ctx, dimensionOf(parsed), earlier, rows + 1, site, undefined, cover))!;
    parts.push({ rows: top.slice(0, rows), bound: top.length <= rows ? 0 : top[rows].figures[metricOf(parsed)] });
  }
  return {
    question: questionKey(args),
    before,
    summary: await lensFigures(ctx, lens, earlier, site),
    series: [...series, ...Array.from({ length: spans - series.length }, noFigures)],
    breakdowns: parts,
  };
}

const assertBreakdownCount = (breakdowns: unknown[]) => {
  if (breakdowns.length > RANGE_STATS_MAX_BREAKDOWNS) invalid("breakdowns", `breakdowns takes at most ${RANGE_STATS_MAX_BREAKDOWNS}; got ${breakdowns.length}`);
};

/** A range question in one string: what a history answers, compared when it is taken back. */
const questionKey = ({ from, to, interval, timeZone, filter, filters, breakdowns }: RangeQuestion) =>
  JSON.stringify([from, to, interval, timeZone ?? null, filters ?? filter ?? null, breakdowns.map(({ property, limit }) => [property, limit ?? null])]);

/** `before` splits the range at a local midnight inside it. */
function assertSplit(before: number, range: TimeRange, zone: string): void {
  if (!(range.from < before && before < range.to) || pieceContaining(before, "day", zone) !== before) {
    invalid("before", `before must be a midnight of the site's zone (${zone}) inside the range`);
  }
}

/** A history passed back checks out against the question: its own question, a split inside it, whole non-negative figures. */
function assertHistory(history: History, question: RangeQuestion, site: Site): void {
  if (lensOf(parseFilters(question)) === null) invalid("range.history", "filters a scan answers take no history (dashboardHistory answers null for them)");
  if (history.question !== questionKey(question)) invalid("range.history", "history answers another question: ask dashboardHistory for this one");
  assertSplit(history.before, question, site.zone);
  const figures = [history.summary, ...history.series, ...history.breakdowns.flatMap((part) => part?.rows.map((row) => row.figures) ?? [])];
  const whole = (n: number) => Number.isSafeInteger(n) && n >= 0;
  // Revenue may be negative (refunds): whole minor units either way.
  const wholeFigures = ({ revenue, ...counts }: Figures) => Number.isSafeInteger(revenue) && Object.values(counts).every(whole);
  if (!figures.every(wholeFigures) || !history.breakdowns.every((part) => part === null || whole(part.bound))) {
    invalid("range.history", "history figures must be whole numbers from 0");
  }
  if (history.breakdowns.length !== question.breakdowns.length) invalid("range.history", "history must have one part per breakdown");
  for (const [i, part] of history.breakdowns.entries()) {
    if (part === null) continue;
    if (parseFilters(question).length > 0) invalid("range.history", "a filtered breakdown has no history part");
    if (part.rows.length > BREAKDOWN_MAX_LIMIT) invalid("range.history", `history.breakdowns[${i}] lists at most ${BREAKDOWN_MAX_LIMIT} rows`);
  }
}
