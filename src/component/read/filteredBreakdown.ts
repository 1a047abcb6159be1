import { ConvexError } from "convex/values";
import type { Doc } from "../_generated/dataModel.js";
import type { QueryCtx } from "../_generated/server.js";
import { FILTERED_BREAKDOWN_MAX_ROWS, type BreakdownProperty, type VisitProperty } from "../../shared/config.js";
import type { TimeRange } from "../../shared/timeRanges.js";
import { addVisit, noFigures, type Figures } from "./figures.js";
import { visitAt } from "../record/visits.js";
import { getRawRetention } from "../operate/retiredRows.js";

/**
 * A breakdown under a filter of another property ("the browsers of visits
 * from Google", "where readers of /about came from"). Time buckets keep each
 * property on its own, not every pair (that would multiply the worker's
 * writes per visit by the number of pairs, ~60; prds/visits.md), so this
 * reads the matching visits (or the filtered page's views) of the range
 * through their index and groups them: exact, and bounded by
 * FILTERED_BREAKDOWN_MAX_ROWS, past which it asks for a shorter range. Raw
 * retention keeps a visit and its views together, so a range from its
 * horizon on reads them all; one starting earlier is refused.
 */

export type FilterTooBroad = { code: "FILTER_TOO_BROAD"; field: "filter"; message: string };
type Ranked = { value: string; figures: Figures };

function tooBroad(what: string): never {
  throw new ConvexError<FilterTooBroad>({
    code: "FILTER_TOO_BROAD",
    field: "filter",
    message: `More than ${FILTERED_BREAKDOWN_MAX_ROWS.toLocaleString("en-US")} ${what} match this filter in the range: choose a shorter range to break it down`,
  });
}

/** Figures per value, each value's sessions kept to count its visitors once. */
class Groups {
  private readonly groups = new Map<string, { figures: Figures; sessions: Set<string> }>();
  of(value: string, sessionId: string): Figures {
    let group = this.groups.get(value);
    if (group === undefined) {
      group = { figures: noFigures(), sessions: new Set() };
      this.groups.set(value, group);
    }
    if (!group.sessions.has(sessionId)) {
      group.sessions.add(sessionId);
      group.figures.visitors++;
    }
    return group.figures;
  }
  ranked(): Ranked[] {
    return [...this.groups].map(([value, { figures }]) => ({ value, figures }));
  }
}

/** What a filtered breakdown throws for a range that starts where raw retention may have deleted the rows it reads. */
export type RangeBeforeRetention = { code: "RANGE_BEFORE_RETENTION"; field: "filter"; deletedBefore: number; message: string };

export async function filteredBreakdown(
  ctx: QueryCtx,
  range: TimeRange,
  filter: { property: BreakdownProperty; value: string },
  property: BreakdownProperty,
): Promise<Ranked[]> {
  const deletedBefore = (await getRawRetention(ctx))?.deletedBefore;
  if (deletedBefore !== undefined && range.from < deletedBefore) {
    throw new ConvexError<RangeBeforeRetention>({
      code: "RANGE_BEFORE_RETENTION",
      field: "filter",
      deletedBefore,
      message:
        `A filtered breakdown reads the raw views and visits, and raw retention (STATS_RAW_RETENTION_DAYS) has deleted those before ` +
        `${new Date(deletedBefore).toISOString()}: choose a range that starts then or later, or remove the filter`,
    });
  }
  if (filter.property === "page") return await byPageViews(ctx, range, filter.value, property as VisitProperty);
  return await byVisits(ctx, range, filter as { property: VisitProperty; value: string }, property);
}

/** Visits starting in the range with the filter's value, grouped by the property (a page: their views of it). */
async function byVisits(ctx: QueryCtx, range: TimeRange, filter: { property: VisitProperty; value: string }, property: BreakdownProperty): Promise<Ranked[]> {
  const visits = await ctx.db
    .query("visits")
    // One index per visit property, named after it (schema.ts).
    .withIndex(`by_${filter.property}_start` as "by_source_start", (q) => q.eq(filter.property as "source", filter.value).gte("start", range.from).lt("start", range.to))
    .take(FILTERED_BREAKDOWN_MAX_ROWS + 1);
  if (visits.length > FILTERED_BREAKDOWN_MAX_ROWS) tooBroad("visits");
  const groups = new Groups();
  if (property !== "page") {
    for (const visit of visits) {
      const value = visit[property];
      if (value === undefined) continue;
      const figures = groups.of(value, visit.sessionId);
      addVisit(figures, visit);
      figures.pageviews += visit.views;
    }
    return groups.ranked();
  }
  let read = visits.length;
  for (const visit of visits) {
    const views = await ctx.db
      .query("pageViews")
      .withIndex("by_session_timestamp", (q) => q.eq("sessionId", visit.sessionId).gte("timestamp", visit.start).lte("timestamp", visit.lastActivity))
      .collect();
    read += views.length;
    if (read > 2 * FILTERED_BREAKDOWN_MAX_ROWS) tooBroad("visits and their views");
    for (const view of views) groups.of(view.path, view.sessionId).pageviews++;
  }
  return groups.ranked();
}

/**
 * The page's views in the range grouped by their visit's value of the
 * property: each view adds a page view; a visit counts where its first view
 * of the page is in the range.
 */
async function byPageViews(ctx: QueryCtx, range: TimeRange, path: string, property: VisitProperty): Promise<Ranked[]> {
  const views = await ctx.db
    .query("pageViews")
    .withIndex("by_path_timestamp", (q) => q.eq("path", path).gte("timestamp", range.from).lt("timestamp", range.to))
    .take(FILTERED_BREAKDOWN_MAX_ROWS + 1);
  if (views.length > FILTERED_BREAKDOWN_MAX_ROWS) tooBroad("views");
  const groups = new Groups();
  const latestVisit = new Map<string, Doc<"visits"> | null>();
  const visitsCounted = new Set<string>();
  for (const view of views) {
    let visit = latestVisit.get(view.sessionId);
    if (visit === undefined || visit === null || view.timestamp > visit.lastActivity) {
      visit = await visitAt(ctx, view.sessionId, view.timestamp);
      latestVisit.set(view.sessionId, visit);
    }
    // A view from before visits existed has none until the backfill rebuilds it.
    const value = visit?.[property];
    if (visit === null || visit === undefined || value === undefined) continue;
    const figures = groups.of(value, view.sessionId);
    figures.pageviews++;
    if (visitsCounted.has(visit._id)) continue;
    visitsCounted.add(visit._id);
    if (visit.start >= range.from || !(await viewedBefore(ctx, visit, path, range.from))) addVisit(figures, visit);
  }
  return groups.ranked();
}

/** True when the visit viewed the page before `at`. */
async function viewedBefore(ctx: QueryCtx, visit: Doc<"visits">, path: string, at: number): Promise<boolean> {
  const earlier = await ctx.db
    .query("pageViews")
    .withIndex("by_session_path_timestamp", (q) => q.eq("sessionId", visit.sessionId).eq("path", path).gte("timestamp", visit.start).lt("timestamp", at))
    .first();
  return earlier !== null;
}
