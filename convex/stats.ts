import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, mutation, query } from "./_generated/server";
import { internal } from "./_generated/api";
import { assertValidPageType, assertValidPath, assertValidSessionId } from "./model/validation";
import * as PageViews from "./model/pageViews";
import * as PageStats from "./model/pageStats";
import * as Sessions from "./model/sessions";
import * as Backfill from "./model/backfill";

// The dashboard is public, like the stats page it replaces: it shows counts, never a visitor.

const vPageStat = v.object({ path: v.string(), title: v.string(), pageType: v.string(), views: v.number() });
const vActiveVisitors = {
  activeVisitors: v.number(),
  activeByPath: v.array(v.object({ path: v.string(), count: v.number() })),
};
const vPageViewStats = {
  totalPageViews: v.number(),
  uniqueVisitors: v.number(),
  publishedPosts: v.number(),
  publishedPages: v.number(),
  trackingSince: v.union(v.number(), v.null()),
  distinctPages: v.number(),
  pageStats: v.array(vPageStat),
  backfill: v.union(Backfill.vBackfillProgress, v.null()),
};
// A rounded `now` from the client; Date.now() in a query is frozen, so it is only the fallback.
const vNow = { now: v.optional(v.number()) };

export const recordPageView = mutation({
  args: { path: v.string(), pageType: v.string(), sessionId: v.string() },
  returns: v.object({ recorded: v.boolean(), newVisitor: v.boolean() }),
  handler: async (ctx, { path, pageType, sessionId }) => {
    assertValidPath(path);
    assertValidPageType(pageType);
    assertValidSessionId(sessionId);
    return await PageViews.recordPageView(ctx, { path, pageType, sessionId }, Date.now());
  },
});

export const heartbeat = mutation({
  args: { sessionId: v.string(), currentPath: v.string() },
  returns: v.null(),
  handler: async (ctx, { sessionId, currentPath }) => {
    assertValidSessionId(sessionId);
    assertValidPath(currentPath, "currentPath");
    await Sessions.heartbeat(ctx, sessionId, currentPath, Date.now());
    return null;
  },
});

/** Page-view figures only: a heartbeat never re-runs this. */
export const getPageViewStats = query({
  args: {},
  returns: v.object(vPageViewStats),
  handler: async (ctx) => await PageStats.getPageViewStats(ctx),
});

/** Active-now figures only: a page view never re-runs this. */
export const getActiveVisitors = query({
  args: vNow,
  returns: v.object(vActiveVisitors),
  handler: async (ctx, { now }) => await Sessions.getActiveVisitors(ctx, now ?? Date.now()),
});

/** Both halves in one answer, for callers that want a single subscription. */
export const getStats = query({
  args: vNow,
  returns: v.object({ ...vPageViewStats, ...vActiveVisitors }),
  handler: async (ctx, { now }) => ({
    ...(await PageStats.getPageViewStats(ctx)),
    ...(await Sessions.getActiveVisitors(ctx, now ?? Date.now())),
  }),
});

/** Every page by all-time views, a page at a time (beyond the top list in getStats). */
export const listPageStats = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vPageStat),
  handler: async (ctx, { paginationOpts }) => await PageStats.listPageStats(ctx, paginationOpts),
});

/**
 * Rebuilds all derived data from the tables. Run it from the dashboard with
 * `{}`; it then calls itself with `runId` for each chunk until done.
 */
export const backfillAggregates = internalMutation({
  args: { runId: v.optional(v.number()) },
  returns: v.union(Backfill.vBackfillStart, v.null()),
  handler: async (ctx, { runId }) => {
    if (runId === undefined) return await Backfill.startBackfill(ctx, Date.now());
    await Backfill.runBackfillChunk(ctx, runId, Date.now());
    return null;
  },
});

/** Run by the cron: removes idle sessions, rescheduling itself until none are left. */
export const cleanupStaleSessions = internalMutation({
  args: {},
  returns: v.object({ deleted: v.number(), more: v.boolean() }),
  handler: async (ctx) => {
    const result = await Sessions.cleanupStaleSessions(ctx, Date.now());
    if (result.more) await ctx.scheduler.runAfter(0, internal.stats.cleanupStaleSessions, {});
    return result;
  },
});
