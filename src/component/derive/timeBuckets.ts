import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel.js";
import type { VisitProperty } from "../../shared/config.js";
import type { MutationCtx } from "../_generated/server.js";
import { applyPrevDeltas } from "./prevHistogram.js";
import { recordEventPropGroup, storedDetail } from "./rollup.js";
import { finishSessionScopes, loadSessionScopes, recordEvent, type SessionNumbering, type SessionScopes } from "./visitScopes.js";
import { neighboursOf, recordMinute } from "./sessionMinutes.js";
import { finishVisitBlocks, startBlockAppends, type BlockAppends } from "./visitBlocks.js";
import { foldedGoalsOf, type FoldedGoal } from "./goalBuckets.js";
import { addToCounters } from "./counters.js";
import { finishVisitFolds, type VisitFoldEntry } from "./foldVisits.js";
import { propPairs } from "../record/eventFields.js";
import type { SettlementCursor } from "./settleVisits.js";
import { PROPERTY_PIECE_LEVELS, isPieceKept, type DetailHorizons } from "../../shared/detail.js";
import { pieceContaining, siteTimeZone, type PieceLevel } from "../../shared/timeRanges.js";

/**
 * Page views and exact visitors by time, derived by the stats worker.
 *
 * For the site (scope "") and for each page (scope = its path) the worker
 * keeps a `timeBuckets` row per bucket of every level: UTC minutes,
 * quarter-hours and hours; days, weeks and months in the site's time zone;
 * and "all" (all time). A row holds the bucket's views, its visitors (the
 * sessions with a view in it), and those sessions by the minute of their
 * previous view (component/derive/prevHistogram.ts).
 *
 * Visitors in `[a, b)` are exactly the views in it whose session's previous
 * view is before `a`: the first view of each session in the range. Split the
 * range into whole buckets; in each bucket only a session's first view there
 * can qualify, so a bucket adds its sessions whose previous view is before
 * `a`, one histogram count (component/read/timeStats.ts).
 *
 * The previous view comes from each session's minutes with a view of each
 * page, packed on its `visitScopes` row (derive/sessionMinutes.ts); the
 * site's are all of them, whatever the page (none more for the site).
 * Views can reach the fold out of time order (a backfill meets old
 * views after the live worker folded newer ones; two tabs race), so a new
 * minute `m` between a session's minutes `p` and `n` replaces the link
 * `p → n` by `p → m` and `m → n`: every link is counted once per bucket
 * level where its two ends fall in different buckets.
 *
 * Below the rollup's horizons (component/derive/rollup.ts) the fold writes no
 * minute, quarter-hour or hour bucket: old detail is gone, and a backfill
 * refolding old views builds only what is kept.
 */

export const BUCKET_LEVELS = ["all", "month", "week", "day", "hour", "quarterHour", "minute"] as const;
export type BucketLevel = (typeof BUCKET_LEVELS)[number];
export const vBucketLevel = v.union(...BUCKET_LEVELS.map((level) => v.literal(level)));
export type TimeBucket = Doc<"timeBuckets">;
export type BucketKey = { scope: string; level: BucketLevel; start: number };
export const SITE_SCOPE = "";
/** What a scope is, stored on its rows so top lists can be read per kind: the site, a page, a custom event's name, or a visit property. */
export type ScopeGroup = "site" | "page" | "event" | "goal" | EventPropGroup | VisitProperty;
/** The values one property of one custom event takes ("eventProp:Signup␟plan"): a breakdown by `prop:<key>` ranks them. */
export type EventPropGroup = `eventProp:${string}`;
/** The scope of a visit property's value, e.g. "source:Google" (a page's scope is its path, which starts with "/"). */
export const propertyScope = (property: VisitProperty, value: string) => `${property}:${value}`;
/** The scope of a custom event's name, e.g. "event:Signup" (prds/events.md). */
export const eventScope = (name: string) => `event:${name}`;
// Between an event's name, a property's key and its value: a unit separator, which no name, key or value may hold (shared/validation.ts checkedText).
const SEPARATOR = "\u001f";
/** The group of one property of one event's values, and the scope of one value. */
export const eventPropGroup = (name: string, key: string): EventPropGroup => `eventProp:${name}${SEPARATOR}${key}`;
export const eventPropScope = (name: string, key: string, value: string) => `${eventPropGroup(name, key)}${SEPARATOR}${value}`;
export const isEventPropGroup = (group: string): group is EventPropGroup => group.startsWith("eventProp:");
/** Scopes with buckets of every level, and so figures for any whole-minute range: the site, pages, events and goals. */
export const hasAllLevels = (group: ScopeGroup): group is "site" | "page" | "event" | "goal" => group === "site" || group === "page" || group === "event" || group === "goal";
/**
 * A visit property's values, and an event property's, keep whole hours and longer: a visit (an event) writes 4 rows
 * per value, not 7 (their ranges split into more hours and days; off whole hours a visit property's are answered from
 * the visits in progress, read/openVisits.ts, and an event property's from the visits' steps, read/conversions.ts).
 */
export const PROPERTY_BUCKET_LEVELS = ["all", ...PROPERTY_PIECE_LEVELS] as const satisfies readonly BucketLevel[];
export const levelsOf = (group: ScopeGroup): readonly BucketLevel[] => (hasAllLevels(group) ? BUCKET_LEVELS : PROPERTY_BUCKET_LEVELS);
/** What a group's values rank by in a breakdown: a visit property's by visits, every other group's by page views (an event's: its events). */
export const rankMetricOf = (group: ScopeGroup): "pageviews" | "visits" => (hasAllLevels(group) || isEventPropGroup(group) ? "pageviews" : "visits");

const MINUTE = 60_000;
const QUARTER_HOUR = 15 * MINUTE;

/** Starts of the buckets containing t, by level, in the site's zone (day, week and month); cached per quarter-hour, within which none changes. */
export class BucketClock {
  private readonly cache = new Map<number, Record<BucketLevel, number>>();
  constructor(readonly timeZone: string = siteTimeZone()) {}

  startsOf(minute: number): Record<BucketLevel, number> {
    const t = minute * MINUTE;
    const quarter = t - (t % QUARTER_HOUR);
    let quarterStarts = this.cache.get(quarter);
    if (quarterStarts === undefined) {
      const at = (level: PieceLevel) => pieceContaining(quarter, level, this.timeZone);
      quarterStarts = { all: 0, month: at("month"), week: at("week"), day: at("day"), hour: at("hour"), quarterHour: quarter, minute: quarter };
      this.cache.set(quarter, quarterStarts);
    }
    return { ...quarterStarts, minute: t };
  }
}

// `prevs`: signed changes to the bucket's histogram; their sum is the change in its visitors. `visit`: changes to its visits' figures.
// `revenue`: an event scope's revenue, in minor units of the site's currency. `scroll`: changes to a page's scroll depth figures.
type BucketDelta = BucketKey & { group: ScopeGroup; pageviews: number; prevs: Map<number, number>; visit: VisitFigures; revenue: number; scroll: ScrollFigures };
/** A page's scroll depth figures: the visits it counts with a scroll depth reported there, and their deepest scrolls summed. */
export type ScrollFigures = { scrollDepthVisits: number; scrollDepthSum: number };
export type VisitFigures = { visits: number; bounces: number; visitViews: number; durationMs: number };
export const VISIT_FIGURE_KEYS = ["visits", "bounces", "visitViews", "durationMs"] as const satisfies readonly (keyof VisitFigures)[];
/** What one visit adds to them: itself, a bounce when it has one view, its views, and its time from start to last activity. */
export const visitFiguresOf = (visit: { start: number; lastActivity: number; views: number }): VisitFigures => ({
  visits: 1,
  bounces: visit.views === 1 ? 1 : 0,
  visitViews: visit.views,
  durationMs: visit.lastActivity - visit.start,
});
const noVisits = (): VisitFigures => ({ visits: 0, bounces: 0, visitViews: 0, durationMs: 0 });

/**
 * What a batch changed in time buckets, written once per bucket by
 * finishTimeFold.
 */
export type TimeFold = {
  clock: BucketClock;
  deltas: Map<string, BucketDelta>;
  windows: Map<string, BucketDelta[]>;
  // The rollup's horizons, read once per batch when it first folds a view or visit.
  detail?: DetailHorizons;
  // Sessions' property values as their folded visits left them, and their minutes (derive/visitScopes.ts), written at the end of the batch.
  sessionScopes: Map<string, SessionScopes>;
  // What the buckets hold of each visit the batch folded (derive/foldVisits.ts), written at the end of the batch.
  visitFolds: Map<string, VisitFoldEntry>;
  // The goals with buckets of their own, read when the batch first folds a view or event (derive/goalBuckets.ts).
  goals?: FoldedGoal[];
  // The settlement cursor, read when a batch first needs it (derive/foldVisits.ts).
  settlement?: SettlementCursor | null;
  // The visit blocks settled visits are appended to (derive/visitBlocks.ts), and the session numbers given, written at the end of the batch.
  blocks: BlockAppends;
  numbering?: SessionNumbering;
};

export function startTimeFold(clock = new BucketClock()): TimeFold {
  return { clock, deltas: new Map(), windows: new Map(), sessionScopes: new Map(), visitFolds: new Map(), blocks: startBlockAppends() };
}

/** The rollup's horizons for this batch: read at its first fold (the worker moves them only between batches). */
async function detailOf(ctx: MutationCtx, fold: TimeFold): Promise<DetailHorizons> {
  fold.detail ??= await storedDetail(ctx);
  return fold.detail;
}

/** The group's levels whose bucket (of those starting at `starts`) is still kept: no minute or quarter-hour before `minutesSince`, no hour before `hoursSince`. */
function keptLevels(group: ScopeGroup, starts: Record<BucketLevel, number>, detail: DetailHorizons): readonly BucketLevel[] {
  return levelsOf(group).filter((level) => isPieceKept({ level, start: starts[level] }, detail));
}

// The batch reads the rows it changes a window at a time: one index range for up to 8 adjacent buckets of a level
// (so views in time order share reads, and a view out of order reads at most 7 rows it does not change).
const WINDOW_BUCKETS = 8;
const WINDOW_MS: Record<BucketLevel, number> = {
  all: Infinity,
  month: Infinity,
  week: WINDOW_BUCKETS * 7 * 24 * 60 * MINUTE,
  // Days by the month: a backfill's old visits touch most days of each scope's month, and rolled-up days are all a month keeps.
  day: 4 * WINDOW_BUCKETS * 24 * 60 * MINUTE,
  // Hours by the day: a live batch touches the current hour whatever the window; a backfill touches most hours of each day.
  hour: 3 * WINDOW_BUCKETS * 60 * MINUTE,
  quarterHour: WINDOW_BUCKETS * QUARTER_HOUR,
  minute: WINDOW_BUCKETS * MINUTE,
};

function deltaOf(fold: TimeFold, group: ScopeGroup, scope: string, level: BucketLevel, start: number): BucketDelta {
  const key = JSON.stringify([scope, level, start]);
  let delta = fold.deltas.get(key);
  if (delta === undefined) {
    delta = { group, scope, level, start, pageviews: 0, prevs: new Map(), visit: noVisits(), revenue: 0, scroll: { scrollDepthVisits: 0, scrollDepthSum: 0 } };
    fold.deltas.set(key, delta);
    const window = JSON.stringify([scope, level, Math.floor(start / WINDOW_MS[level])]);
    const inWindow = fold.windows.get(window);
    if (inWindow === undefined) fold.windows.set(window, [delta]);
    else inWindow.push(delta);
  }
  return delta;
}

/** Counts (sign +1) or uncounts (-1) the link from a session's minute `prev` (null: none) to its next minute `minute`. */
function link(fold: TimeFold, group: ScopeGroup, scope: string, prev: number | null, minute: number, sign: 1 | -1): void {
  const starts = fold.clock.startsOf(minute);
  const prevStarts = prev === null ? null : fold.clock.startsOf(prev);
  for (const level of keptLevels(group, starts, fold.detail!)) {
    if (prevStarts !== null && prevStarts[level] === starts[level]) continue;
    const { prevs } = deltaOf(fold, group, scope, level, starts[level]);
    const key = prev ?? 0;
    prevs.set(key, (prevs.get(key) ?? 0) + sign);
  }
}

/** Counts one view in the buckets of its minute, for the site and for its page. */
export async function foldViewIntoTime(ctx: MutationCtx, fold: TimeFold, view: { sessionId: string; path: string; timestamp: number }): Promise<void> {
  const minute = Math.floor(view.timestamp / MINUTE);
  const starts = fold.clock.startsOf(minute);
  const detail = await detailOf(ctx, fold);
  for (const [group, scope] of [["site", SITE_SCOPE], ["page", view.path]] as const) {
    for (const level of keptLevels(group, starts, detail)) deltaOf(fold, group, scope, level, starts[level]).pageviews++;
    await foldSessionMinute(ctx, fold, view.sessionId, group, scope, minute);
  }
  for (const goal of await foldedGoalsOf(ctx, fold)) await foldViewIntoGoal(ctx, fold, goal, view);
}

/** Counts a view as a conversion of a page goal it matches, in the goal's own buckets (derive/goalBuckets.ts). */
export async function foldViewIntoGoal(ctx: MutationCtx, fold: TimeFold, goal: FoldedGoal, view: { sessionId: string; path: string; timestamp: number }): Promise<void> {
  if (goal.page && goal.matches({ page: view.path })) await foldIntoGoal(ctx, fold, goal, view.sessionId, view.timestamp, 0);
}

/** Counts an event as a conversion of an event goal it matches (its name and every property value the goal names), with its revenue. */
export async function foldEventIntoGoal(ctx: MutationCtx, fold: TimeFold, goal: FoldedGoal, event: FoldedEvent): Promise<void> {
  if (!goal.page && goal.matches({ event: event.name, props: propPairs(event.props), revenue: 0 })) {
    await foldIntoGoal(ctx, fold, goal, event.sessionId, event.timestamp, event.revenue?.minorUnits ?? 0);
  }
}

async function foldIntoGoal(ctx: MutationCtx, fold: TimeFold, goal: FoldedGoal, sessionId: string, at: number, revenue: number): Promise<void> {
  const minute = Math.floor(at / MINUTE);
  const starts = fold.clock.startsOf(minute);
  for (const level of keptLevels("goal", starts, await detailOf(ctx, fold))) {
    const delta = deltaOf(fold, "goal", goal.scope, level, starts[level]);
    delta.pageviews++;
    delta.revenue += revenue;
  }
  await foldSessionMinute(ctx, fold, sessionId, "goal", goal.scope, minute);
}

/** A custom event as the folds take it: a stored row, or a worker batch's (its properties as pairs). */
type FoldedEvent = { sessionId: string; name: string; timestamp: number; props?: Doc<"customEvents">["props"]; revenue?: { minorUnits: number } };

/**
 * Counts one custom event in the buckets of its minute, for its name and for each of its property values
 * (prds/events.md): a scope's page views are its events, its visitors the sessions that sent one.
 */
export async function foldEventIntoTime(ctx: MutationCtx, fold: TimeFold, event: FoldedEvent): Promise<void> {
  const minute = Math.floor(event.timestamp / MINUTE);
  const starts = fold.clock.startsOf(minute);
  const scopes: [ScopeGroup, string][] = [
    ["event", eventScope(event.name)],
    ...propPairs(event.props).map(({ key, value }): [ScopeGroup, string] => [eventPropGroup(event.name, key), eventPropScope(event.name, key, value)]),
  ];
  for (const [group, scope] of scopes) {
    for (const level of keptLevels(group, starts, await detailOf(ctx, fold))) {
      const delta = deltaOf(fold, group, scope, level, starts[level]);
      delta.pageviews++;
      delta.revenue += event.revenue?.minorUnits ?? 0;
    }
    await foldSessionMinute(ctx, fold, event.sessionId, group, scope, minute);
  }
  recordEvent(await loadSessionScopes(ctx, fold.sessionScopes, event.sessionId), event.timestamp);
  for (const goal of await foldedGoalsOf(ctx, fold)) await foldEventIntoGoal(ctx, fold, goal, event);
}

/**
 * Adds (sign 1) or takes out (-1) a visit's figures in the buckets holding `at`:
 * for the site and a visit property at its start, for a page at its first view
 * there, with the deepest scroll reported there (`scrollDepth`, when any). A
 * visit property's buckets also count the visit's views as the scope's page
 * views (derive/foldVisits.ts).
 */
export async function addVisitToTime(
  ctx: MutationCtx,
  fold: TimeFold,
  scope: { group: ScopeGroup; scope: string },
  at: number,
  figures: VisitFigures & { pageviews: number },
  sign: 1 | -1,
  scrollDepth?: number,
): Promise<void> {
  const starts = fold.clock.startsOf(Math.floor(at / MINUTE));
  for (const level of keptLevels(scope.group, starts, await detailOf(ctx, fold))) {
    const delta = deltaOf(fold, scope.group, scope.scope, level, starts[level]);
    delta.pageviews += sign * figures.pageviews;
    for (const key of VISIT_FIGURE_KEYS) delta.visit[key] += sign * figures[key];
    if (scrollDepth === undefined) continue;
    delta.scroll.scrollDepthVisits += sign;
    delta.scroll.scrollDepthSum += sign * scrollDepth;
  }
}

/** Counts (1) or uncounts (-1) a session as a visitor of a visit property's value from `minute`, its visit's start there, linked to its previous one (`prev`). */
export async function linkVisitInScope(ctx: MutationCtx, fold: TimeFold, group: VisitProperty, scope: string, prev: number | null, minute: number, sign: 1 | -1): Promise<void> {
  await detailOf(ctx, fold);
  link(fold, group, scope, prev, minute, sign);
}

/**
 * Records that the session had a view (or event) in `minute` within `scope`, relinking its neighbours when the minute is new
 * (derive/sessionMinutes.ts). The site's minute is folded before its page's is recorded: it is new when no page of the session has it yet.
 */
async function foldSessionMinute(ctx: MutationCtx, fold: TimeFold, sessionId: string, group: ScopeGroup, scope: string, minute: number): Promise<void> {
  const session = await loadSessionScopes(ctx, fold.sessionScopes, sessionId);
  const neighbours = await neighboursOf(ctx, session.minutes, sessionId, scope, minute);
  if (neighbours === "present") return;
  if (scope !== SITE_SCOPE && (await recordMinute(ctx, session.minutes, sessionId, scope, minute))) session.changed = true;
  const { prev, next } = neighbours;
  if (next === null) return link(fold, group, scope, prev, minute, 1);
  // A minute between two the session has: the link prev → next becomes prev → minute → next.
  link(fold, group, scope, prev, next, -1);
  link(fold, group, scope, minute, next, 1);
  link(fold, group, scope, prev, minute, 1);
}

/** Writes what the batch changed: one index range per window of touched buckets, one write per bucket (plus chunks of large histograms). */
export async function finishTimeFold(ctx: MutationCtx, fold: TimeFold): Promise<void> {
  await finishSessionScopes(ctx, fold.sessionScopes);
  await finishVisitFolds(ctx, fold.visitFolds);
  await finishVisitBlocks(ctx, fold.blocks);
  if (fold.numbering !== undefined && fold.numbering.given > 0) {
    await addToCounters(ctx, { sessionNumbers: fold.numbering.given });
    fold.numbering = undefined;
  }
  for (const deltas of fold.windows.values()) {
    const { scope, level } = deltas[0];
    const starts = deltas.map((delta) => delta.start);
    const rows = await ctx.db
      .query("timeBuckets")
      .withIndex("by_scope_level_start", (q) => q.eq("scope", scope).eq("level", level).gte("start", Math.min(...starts)).lte("start", Math.max(...starts)))
      .collect();
    const byStart = new Map(rows.map((row) => [row.start, row]));
    for (const { group, start, pageviews, prevs, visit, revenue, scroll } of deltas) {
      // A visit refolded in the batch takes out and puts back the same figures in most of its buckets: those are left as they are.
      const visitChanged = Object.values(visit).some((change) => change !== 0);
      const scrollChanged = scroll.scrollDepthVisits !== 0 || scroll.scrollDepthSum !== 0;
      if (pageviews === 0 && !visitChanged && !scrollChanged && [...prevs.values()].every((change) => change === 0)) continue;
      const row = byStart.get(start);
      const visitors = [...prevs.values()].reduce((sum, change) => sum + change, 0);
      const histogram = await applyPrevDeltas(ctx, row ?? {}, prevs);
      const visitFigures: Partial<VisitFigures> = visitChanged ? addVisitFigures(row, visit) : {};
      // A visit property's rows carry their visits as `rank` too, kept in step: the ranking index orders its values by them.
      const rankFigure = rankMetricOf(group) === "visits" ? { rank: visitFigures.visits ?? row?.visits ?? 0 } : {};
      const revenueFigure = revenue === 0 ? {} : { revenue: (row?.revenue ?? 0) + revenue };
      // Written only when they change: a site whose pages report no scroll stores none.
      const scrollFigures = scrollChanged
        ? { scrollDepthVisits: (row?.scrollDepthVisits ?? 0) + scroll.scrollDepthVisits, scrollDepthSum: (row?.scrollDepthSum ?? 0) + scroll.scrollDepthSum }
        : {};
      if (row === undefined) {
        await ctx.db.insert("timeBuckets", { scope, group, level, start, pageviews, visitors, ...histogram, ...visitFigures, ...revenueFigure, ...scrollFigures, ...rankFigure });
        // An event property's value is new: its group may be too, and the rollup must know it to sweep its detail.
        if (level === "all" && group !== undefined && isEventPropGroup(group)) await recordEventPropGroup(ctx, group);
      }
      else await ctx.db.patch(row._id, { group, pageviews: row.pageviews + pageviews, visitors: row.visitors + visitors, ...histogram, ...visitFigures, ...revenueFigure, ...scrollFigures, ...rankFigure });
    }
  }
}

function addVisitFigures(row: Partial<VisitFigures> | undefined, added: VisitFigures): VisitFigures {
  return {
    visits: (row?.visits ?? 0) + added.visits,
    bounces: (row?.bounces ?? 0) + added.bounces,
    visitViews: (row?.visitViews ?? 0) + added.visitViews,
    durationMs: (row?.durationMs ?? 0) + added.durationMs,
  };
}
