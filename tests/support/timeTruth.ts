import { expect } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Doc } from "../../src/component/_generated/dataModel";
import { VISIT_TIMEOUT_MS, type BreakdownProperty, type FilterOp, type VisitProperty } from "../../src/shared/config";
import { finishPageViewFold, foldPageView, startPageViewFold } from "../../src/component/derive/foldPageViews";
import { buckets, type Interval, type TimeRange } from "../../src/shared/timeRanges";
import type { TestConvex } from "./convex";
import { DERIVED_ROWS_BATCH, insertRows, type ViewRow } from "./seed";

/**
 * Brute-force figures from raw rows, to check the Stats API against, by the
 * definitions in prds/visits.md: the views in a range and the distinct
 * sessions among them; the visits starting in it; under a filter, what
 * matches it.
 */
export type Views = readonly Pick<Doc<"pageViews">, "path" | "sessionId" | "timestamp">[];
export type Visits = readonly Pick<Doc<"visits">, "sessionId" | "start" | "lastActivity" | "views" | VisitProperty>[];
export type Truth = { views: Views; visits: Visits };
export type Filter = { property: BreakdownProperty; value: string };
/** A filter of `filters` (prds/filters.md): what the scan of packed visits answers. */
export type OpFilter = Filter & { op: FilterOp };
type Visit = Visits[number];
type Tally = { pageviews: number; sessions: Set<string>; visits: number; bounces: number; visitViews: number; durationMs: number };

const inRange = (t: number, range: TimeRange) => t >= range.from && t < range.to;
const newTally = (): Tally => ({ pageviews: 0, sessions: new Set(), visits: 0, bounces: 0, visitViews: 0, durationMs: 0 });

function addVisit(tally: Tally, visit: Visit): void {
  tally.visits++;
  tally.bounces += visit.views === 1 ? 1 : 0;
  tally.visitViews += visit.views;
  tally.durationMs += visit.lastActivity - visit.start;
}

function metrics(tally: Tally) {
  const per = (total: number) => (tally.visits === 0 ? 0 : total / tally.visits);
  return { visits: tally.visits, viewsPerVisit: per(tally.visitViews), bounceRate: per(tally.bounces), visitDurationMs: per(tally.durationMs) };
}

/** The views and distinct sessions in the range (of one page). */
export function countRange(views: Views, range: TimeRange, path?: string) {
  const matching = views.filter((view) => inRange(view.timestamp, range) && (path === undefined || view.path === path));
  return { pageviews: matching.length, visitors: new Set(matching.map((view) => view.sessionId)).size };
}

const viewsOf = (truth: Truth, visit: Visit) =>
  truth.views.filter((view) => view.sessionId === visit.sessionId && view.timestamp >= visit.start && view.timestamp <= visit.lastActivity);

/** When a visit first viewed the page, if it did. */
function firstViewOf(truth: Truth, visit: Visit, path: string): number | undefined {
  const times = viewsOf(truth, visit)
    .filter((view) => view.path === path)
    .map((view) => view.timestamp);
  return times.length === 0 ? undefined : Math.min(...times);
}

/** Every figure `summary` reports for the range, of what the filter matches. */
function tallyRange(truth: Truth, range: TimeRange, filter?: Filter): Tally {
  const tally = newTally();
  if (filter === undefined || filter.property === "page") {
    const path = filter?.value;
    for (const view of truth.views) {
      if (inRange(view.timestamp, range) && (path === undefined || view.path === path)) {
        tally.pageviews++;
        tally.sessions.add(view.sessionId);
      }
    }
    for (const visit of truth.visits) {
      const at = path === undefined ? visit.start : firstViewOf(truth, visit, path);
      if (at !== undefined && inRange(at, range)) addVisit(tally, visit);
    }
    return tally;
  }
  for (const visit of truth.visits) {
    if (visit[filter.property] !== filter.value || !inRange(visit.start, range)) continue;
    addVisit(tally, visit);
    tally.pageviews += visit.views;
    tally.sessions.add(visit.sessionId);
  }
  return tally;
}

export function expectedSummary(truth: Truth, range: TimeRange, filter?: Filter) {
  const tally = tallyRange(truth, range, filter);
  // Under a page's filter, views per visit are that page's views per visit.
  if (filter?.property === "page") tally.visitViews = tally.pageviews;
  return { ...range, pageviews: tally.pageviews, visitors: tally.sessions.size, ...metrics(tally) };
}

/** The visit's views of each page it viewed. */
function pagesOf(truth: Truth, visit: Visit): Map<string, number> {
  const pages = new Map<string, number>();
  for (const view of viewsOf(truth, visit)) pages.set(view.path, (pages.get(view.path) ?? 0) + 1);
  return pages;
}

function passes({ op, value }: OpFilter, candidate: string | undefined): boolean {
  if (op === "is") return candidate === value;
  if (op === "isNot") return candidate !== value;
  return candidate !== undefined && candidate.toLowerCase().includes(value.toLowerCase());
}

/** Each visit starting in the range that the filters match, with its pages that pass the page filters (all with none) and their views. */
function matchingVisits(truth: Truth, range: TimeRange, filters: OpFilter[]): { visit: Visit; pages: Map<string, number> }[] {
  const matching: { visit: Visit; pages: Map<string, number> }[] = [];
  for (const visit of truth.visits) {
    if (!inRange(visit.start, range)) continue;
    if (!filters.every((filter) => filter.property === "page" || passes(filter, visit[filter.property as VisitProperty]))) continue;
    const pages = new Map([...pagesOf(truth, visit)].filter(([path]) => filters.every((filter) => filter.property !== "page" || passes(filter, path))));
    if (pages.size === 0) continue;
    matching.push({ visit, pages });
  }
  return matching;
}

function addMatching(tally: Tally, visit: Visit, pageviews: number): void {
  addVisit(tally, visit);
  tally.visitViews += pageviews - visit.views;
  tally.pageviews += pageviews;
  tally.sessions.add(visit.sessionId);
}

const viewsIn = (pages: Map<string, number>) => [...pages.values()].reduce((sum, views) => sum + views, 0);

/** `summary` under `filters` a scan answers, by brute force. */
export function expectedFiltered(truth: Truth, range: TimeRange, filters: OpFilter[]) {
  const tally = newTally();
  for (const { visit, pages } of matchingVisits(truth, range, filters)) addMatching(tally, visit, viewsIn(pages));
  return { ...range, pageviews: tally.pageviews, visitors: tally.sessions.size, ...metrics(tally) };
}

export function expectedFilteredSeries(truth: Truth, range: TimeRange, interval: Interval, timeZone: string, filters: OpFilter[]) {
  const starts = buckets(range, interval, timeZone);
  return starts.map((start, i) => {
    const { from: _from, to: _to, ...figures } = expectedFiltered(truth, { from: Math.max(start, range.from), to: Math.min(starts[i + 1] ?? range.to, range.to) }, filters);
    return { start, ...figures };
  });
}

/** `breakdown` under `filters` a scan answers, by brute force: every row, ranked. */
export function expectedFilteredBreakdown(truth: Truth, property: BreakdownProperty, range: TimeRange, filters: OpFilter[]) {
  const tallies = new Map<string, Tally>();
  const tallyOf = (value: string) => tallies.get(value) ?? tallies.set(value, newTally()).get(value)!;
  for (const { visit, pages } of matchingVisits(truth, range, filters)) {
    if (property === "page") {
      for (const [path, views] of pages) addMatching(tallyOf(path), visit, views);
      continue;
    }
    const value = visit[property];
    if (value !== undefined) addMatching(tallyOf(value), visit, viewsIn(pages));
  }
  return ranked(property, tallies);
}

function ranked(property: BreakdownProperty, tallies: Map<string, Tally>) {
  const metric = property === "page" ? "pageviews" : "visits";
  return [...tallies]
    .map(([value, tally]) => ({ value, tally }))
    .sort((a, b) => b.tally[metric] - a.tally[metric] || b.tally.sessions.size - a.tally.sessions.size || (a.value < b.value ? -1 : 1))
    .map(({ value, tally }) => ({
      value,
      pageviews: tally.pageviews,
      visitors: tally.sessions.size,
      ...(property === "page" ? {} : (({ visits, bounceRate, visitDurationMs }) => ({ visits, bounceRate, visitDurationMs }))(metrics(tally))),
    }));
}

export function expectedSeries(truth: Truth, range: TimeRange, interval: Interval, timeZone: string, filter?: Filter) {
  const starts = buckets(range, interval, timeZone);
  return starts.map((start, i) => {
    const { from: _from, to: _to, ...figures } = expectedSummary(truth, { from: Math.max(start, range.from), to: Math.min(starts[i + 1] ?? range.to, range.to) }, filter);
    return { start, ...figures };
  });
}

/** Every page with a view in the range, ranked as `breakdown` ranks them. */
export function rankPages(views: Views, range: TimeRange) {
  const paths = new Set(views.filter((view) => inRange(view.timestamp, range)).map((view) => view.path));
  return [...paths]
    .map((path) => ({ value: path, ...countRange(views, range, path) }))
    .sort((a, b) => b.pageviews - a.pageviews || b.visitors - a.visitors || (a.value < b.value ? -1 : 1));
}

/** Every row `breakdown` could return (titles aside), ranked as it ranks them; under a filter of another property, what a scan answers. */
export function expectedBreakdown(truth: Truth, property: BreakdownProperty, range: TimeRange, filter?: Filter) {
  if (filter !== undefined && filter.property !== property) return expectedFilteredBreakdown(truth, property, range, [{ ...filter, op: "is" }]);
  if (property === "page" && filter === undefined) return rankPages(truth.views, range);
  const tallies = new Map<string, Tally>();
  const tallyOf = (value: string) => tallies.get(value) ?? tallies.set(value, newTally()).get(value)!;
  if (filter !== undefined) {
    const tally = tallyRange(truth, range, filter);
    if (tally.pageviews > 0 || tally.visits > 0) tallies.set(filter.value, tally);
    return ranked(property, tallies);
  }
  for (const visit of truth.visits) {
    const value = visit[property as VisitProperty];
    if (!inRange(visit.start, range) || value === undefined) continue;
    const tally = tallyOf(value);
    addVisit(tally, visit);
    tally.pageviews += visit.views;
    tally.sessions.add(visit.sessionId);
  }
  return ranked(property, tallies);
}

/** Visits as the gap rule makes them from views alone (what the backfill rebuilds for views that have none). */
export function visitsFromViews(views: Views) {
  const sorted = [...views].sort((a, b) => a.timestamp - b.timestamp);
  const open = new Map<string, { sessionId: string; start: number; lastActivity: number; views: number; entryPage: string; exitPage: string }>();
  const visits: (typeof open extends Map<string, infer V> ? V : never)[] = [];
  for (const view of sorted) {
    const visit = open.get(view.sessionId);
    if (visit !== undefined && view.timestamp - visit.lastActivity <= VISIT_TIMEOUT_MS) {
      Object.assign(visit, { lastActivity: view.timestamp, views: visit.views + 1, exitPage: view.path });
      continue;
    }
    const started = { sessionId: view.sessionId, start: view.timestamp, lastActivity: view.timestamp, views: 1, entryPage: view.path, exitPage: view.path };
    open.set(view.sessionId, started);
    visits.push(started);
  }
  return visits;
}

/**
 * Inserts the rows and folds them as the worker would, in the order given (so
 * a shuffled order exercises views reaching the fold out of time order).
 */
export async function insertAndFoldViews(t: TestConvex, rows: ViewRow[], batch = DERIVED_ROWS_BATCH): Promise<void> {
  await insertRows(t, "pageViews", rows);
  for (let i = 0; i < rows.length; i += batch) {
    await t.runInStats(async (ctx) => {
      const fold = startPageViewFold();
      for (const row of rows.slice(i, i + batch)) await foldPageView(ctx, fold, row);
      await finishPageViewFold(ctx, fold);
    });
  }
}

/** Every row of a raw table, a page per transaction (the raw truth a recount starts from). */
async function readAll<T extends "pageViews" | "visits">(t: TestConvex, table: T): Promise<Doc<T>[]> {
  const rows: Doc<T>[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page = await t.runInStats(async (ctx) => await ctx.db.query(table).paginate({ cursor, numItems: 4000 }));
    rows.push(...(page.page as Doc<T>[]));
    if (page.isDone) return rows;
    cursor = page.continueCursor;
  }
}

export const readViews = async (t: TestConvex): Promise<Views> => await readAll(t, "pageViews");
export const readTruth = async (t: TestConvex) => ({ views: await readAll(t, "pageViews"), visits: await readAll(t, "visits") });

const stripTitles = <Row extends { title?: string }>(rows: Row[]) => rows.map(({ title: _title, ...row }) => row);

/**
 * Asserts the Stats API agrees with a recount of the raw rows: the summary of
 * `ranges` (whole minutes), the daily series, the top pages and sources of
 * their span.
 */
export async function expectExactTimeFigures(t: TestConvex, ranges: TimeRange[]): Promise<void> {
  const truth = await readTruth(t);
  for (const range of ranges) {
    expect(await t.query(api.stats.summary, range), JSON.stringify(range)).toEqual(expectedSummary(truth, range));
  }
  const span = { from: Math.min(...ranges.map((r) => r.from)), to: Math.max(...ranges.map((r) => r.to)) };
  const day = 24 * 60 * 60_000;
  const days = { from: span.from - (span.from % day), to: span.to - (span.to % day) + day };
  expect(await t.query(api.stats.timeseries, { ...days, interval: "day", timeZone: "UTC" })).toEqual(expectedSeries(truth, days, "day", "UTC"));
  for (const property of ["page", "entryPage", "exitPage", "source"] as const) {
    const top = await t.query(api.stats.breakdown, { property, ...span, limit: 20 });
    expect(stripTitles(top), property).toEqual(expectedBreakdown(truth, property, span).slice(0, 20));
  }
}
