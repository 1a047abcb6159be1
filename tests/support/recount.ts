import { expect } from "vitest";
import { api } from "../../convex/_generated/api";
import { SESSION_TIMEOUT_MS } from "../../src/shared/config";
import type { TestConvex } from "./convex";

/** The page-view figures the dashboard shows, plus the per-row data they derive from. */
export type Figures = {
  totalPageViews: number;
  uniqueVisitors: number;
  distinctPages: number;
  trackingSince: number | null;
  viewsByPath: Record<string, number>;
  firstSeenBySession: Record<string, number>;
};

/** Rows per transaction when recounting: well under the 32,000 documents-read limit. */
const RECOUNT_PAGE = 8000;

/** Every figure recounted the slow, obvious way: reading the whole pageViews table, a page per transaction. */
export async function recountFromPageViews(t: TestConvex): Promise<Figures> {
  const viewsByPath: Record<string, number> = {};
  const firstSeenBySession: Record<string, number> = {};
  let totalPageViews = 0;
  let trackingSince: number | null = null;
  let cursor: string | null = null;
  for (;;) {
    const page = await t.runInStats(async (ctx) => await ctx.db.query("pageViews").paginate({ cursor, numItems: RECOUNT_PAGE }));
    for (const { path, sessionId, timestamp } of page.page) {
      totalPageViews++;
      viewsByPath[path] = (viewsByPath[path] ?? 0) + 1;
      firstSeenBySession[sessionId] = Math.min(firstSeenBySession[sessionId] ?? Infinity, timestamp);
      trackingSince = Math.min(trackingSince ?? Infinity, timestamp);
    }
    if (page.isDone) break;
    cursor = page.continueCursor;
  }
  return {
    totalPageViews,
    uniqueVisitors: Object.keys(firstSeenBySession).length,
    distinctPages: Object.keys(viewsByPath).length,
    trackingSince,
    viewsByPath,
    firstSeenBySession,
  };
}

/** The same figures as the backend keeps them: getStats, the pathStats rows and the sessions' first views (on visitScopes rows, or old visitors rows not taken over yet). */
export async function storedFigures(t: TestConvex): Promise<Figures> {
  const stats = await t.query(api.stats.getStats, {});
  const { pathStats, visitors } = await t.runInStats(async (ctx) => ({
    pathStats: await ctx.db.query("pathStats").collect(),
    visitors: [
      ...(await ctx.db.query("visitors").collect()),
      ...(await ctx.db.query("visitScopes").collect()).flatMap(({ sessionId, firstSeen }) => (firstSeen === undefined ? [] : [{ sessionId, firstSeen }])),
    ],
  }));
  return {
    totalPageViews: stats.totalPageViews,
    uniqueVisitors: stats.uniqueVisitors,
    distinctPages: stats.distinctPages,
    trackingSince: stats.trackingSince,
    viewsByPath: Object.fromEntries(pathStats.map((row) => [row.path, row.views])),
    firstSeenBySession: Object.fromEntries(visitors.map((row) => [row.sessionId, row.firstSeen])),
  };
}

/** "Active now": how many sessions are live, and how many are on each page. */
export type ActiveNow = { activeVisitors: number; activeByPath: Record<string, number> };

/**
 * "Active now" recounted from the sessions' own rows: each session whose latest presence is within the timeout, on its page then.
 * A session's presence is its live row (its last heartbeat with no open visit) or its visits (their last activity, on their
 * current page), whichever is later; a visit that changed at its live row's last instant came after it.
 */
export async function recountActiveNow(t: TestConvex, now = Date.now()): Promise<ActiveNow> {
  const since = now - SESSION_TIMEOUT_MS;
  const { sessions, visits } = await t.runInStats(async (ctx) => ({
    sessions: await ctx.db.query("activeSessions").withIndex("by_lastSeen", (q) => q.gte("lastSeen", since)).collect(),
    // (Not a visit rebuilt from views in the future: tests' legacy data has some, and they say nothing of now.)
    visits: await ctx.db.query("visits").withIndex("by_lastActivity", (q) => q.gte("lastActivity", since).lte("lastActivity", Date.now())).collect(),
  }));
  const latest = new Map<string, { path: string; at: number }>();
  for (const { sessionId, currentPath, lastSeen } of sessions) latest.set(sessionId, { path: currentPath, at: lastSeen });
  for (const { sessionId, currentPath, exitPage, lastActivity } of visits) {
    if (lastActivity >= (latest.get(sessionId)?.at ?? -Infinity)) latest.set(sessionId, { path: currentPath ?? exitPage, at: lastActivity });
  }
  const activeByPath: Record<string, number> = {};
  for (const { path } of latest.values()) activeByPath[path] = (activeByPath[path] ?? 0) + 1;
  return { activeVisitors: latest.size, activeByPath };
}

/** "Active now" as the backend keeps it: the live-session counter the dashboard reads, and every page's row (not only the busiest). */
export async function storedActiveNow(t: TestConvex): Promise<ActiveNow> {
  const { activeVisitors } = await t.query(api.stats.getActiveVisitors, {});
  const pages = await t.runInStats(async (ctx) => await ctx.db.query("activePages").collect());
  return { activeVisitors, activeByPath: Object.fromEntries(pages.map((row) => [row.path, row.visitors])) };
}

/** Asserts that "active now" equals a recount of the sessions' rows (at the time of the worker's last batch: call it right after settle). */
export async function expectExactActiveNow(t: TestConvex): Promise<ActiveNow> {
  const truth = await recountActiveNow(t);
  expect(await storedActiveNow(t)).toEqual(truth);
  return truth;
}

/** Asserts that every stored figure, "active now" included, equals a recount. */
export async function expectExactFigures(t: TestConvex, recount?: Figures): Promise<Figures> {
  const truth = recount ?? (await recountFromPageViews(t));
  expect(await storedFigures(t)).toEqual(truth);
  await expectExactActiveNow(t);
  return truth;
}

/** Each page's scroll depth figures: the visits that reported a scroll depth on it, and their deepest scrolls summed. */
export type ScrollDepths = Record<string, { visits: number; sum: number }>;

/** Scroll depths recounted from the visits' rows: each visit's deepest scroll on each page it has a view of (a page it never viewed counts none). */
export async function recountScrollDepths(t: TestConvex): Promise<ScrollDepths> {
  const { visits, views } = await t.runInStats(async (ctx) => ({ visits: await ctx.db.query("visits").collect(), views: await ctx.db.query("pageViews").collect() }));
  const recount: ScrollDepths = {};
  for (const visit of visits) {
    for (const { path, depth } of visit.scrollDepths ?? []) {
      const viewed = views.some((view) => view.sessionId === visit.sessionId && view.path === path && view.timestamp >= visit.start && view.timestamp <= visit.lastActivity);
      if (!viewed) continue;
      recount[path] = { visits: (recount[path]?.visits ?? 0) + 1, sum: (recount[path]?.sum ?? 0) + depth };
    }
  }
  return recount;
}

/** Scroll depths as the page's all-time time bucket keeps them. */
export async function storedScrollDepths(t: TestConvex): Promise<ScrollDepths> {
  const buckets = await t.runInStats(async (ctx) => (await ctx.db.query("timeBuckets").collect()).filter((row) => row.group === "page" && row.level === "all"));
  return Object.fromEntries(buckets.flatMap((row) => (row.scrollDepthVisits ? [[row.scope, { visits: row.scrollDepthVisits, sum: row.scrollDepthSum! }]] : [])));
}
