import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internalAction, internalMutation, internalQuery, mutation, query } from "../../convex/_generated/server";
import { internal } from "../../convex/_generated/api";
import * as Record from "./record/record";
import * as EventEndpoint from "../client/http/eventEndpoint";
import * as PageStats from "./read/pageStats";
import * as ActiveVisitors from "./read/activeVisitors";
import * as Cleanup from "./operate/cleanup";
import * as Backfill from "./derive/backfill";
import * as TimeStats from "./read/timeStats";
import { siteTimeZone } from "../shared/timeRanges";
import * as DashboardAccess from "./read/dashboardAccess";
import * as ShareLinks from "./operate/shareLinks";

// The dashboard shows counts, never a visitor. Public by default; with STATS_VISIBILITY=private every
// stats query takes a `token` (a share link's, or STATS_READ_TOKEN) and refuses without one (model/dashboardAccess.ts).
// Data flow: record (visitors append) → worker (folds) → aggregates and derived tables → these queries.

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
// Accepted from clients built when "active now" depended on the caller's clock; the worker now expires sessions itself.
const vLegacyNow = { now: v.optional(v.number()) };
// A share link's token (or STATS_READ_TOKEN): needed only when the dashboard is private.
const vToken = { token: v.optional(v.string()) };

/** A view, with the browser's context (`visit`, prds/visits.md) for the visit it may start; a bot's records nothing. Throws INVALID_ARGUMENT or RATE_LIMITED. */
export const recordPageView = mutation({
  args: Record.vPageViewRequest,
  returns: v.object({ recorded: v.boolean(), newVisitor: v.boolean() }),
  handler: async (ctx, args) => await Record.recordPageViewRequest(ctx, args, Date.now()),
});

/** The visitor is still on `currentPath`. Throws INVALID_ARGUMENT or RATE_LIMITED. */
export const heartbeat = mutation({
  args: { sessionId: v.string(), currentPath: v.string() },
  returns: v.null(),
  handler: async (ctx, { sessionId, currentPath }) => {
    await Record.heartbeatRequest(ctx, sessionId, currentPath, Date.now());
    return null;
  },
});

/** A view or heartbeat sent to POST /api/event (convex/http.ts), with the request's user agent: the same checks and code path as the two mutations above. */
export const recordEvent = internalMutation({
  args: { event: EventEndpoint.vEvent, userAgent: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { event, userAgent }) => {
    await EventEndpoint.recordEvent(ctx, event, userAgent, Date.now());
    return null;
  },
});

/** Page-view figures only: a heartbeat never re-runs this. */
export const getPageViewStats = query({
  args: vToken,
  returns: v.object(vPageViewStats),
  handler: async (ctx, { token }) => {
    await DashboardAccess.assertCanReadStats(ctx, token);
    return await PageStats.getPageViewStats(ctx);
  },
});

/** Active-now figures only: a page view never re-runs this. */
export const getActiveVisitors = query({
  args: { ...vLegacyNow, ...vToken },
  returns: v.object(vActiveVisitors),
  handler: async (ctx, { token }) => {
    await DashboardAccess.assertCanReadStats(ctx, token);
    return await ActiveVisitors.getActiveVisitors(ctx);
  },
});

/** Both halves in one answer, for callers that want a single subscription. */
export const getStats = query({
  args: { ...vLegacyNow, ...vToken },
  returns: v.object({ ...vPageViewStats, ...vActiveVisitors }),
  handler: async (ctx, { token }) => {
    await DashboardAccess.assertCanReadStats(ctx, token);
    return { ...(await PageStats.getPageViewStats(ctx)), ...(await ActiveVisitors.getActiveVisitors(ctx)) };
  },
});

/** Every page by all-time views, a page at a time (beyond the top list in getStats); `numItems` is clamped. */
export const listPageStats = query({
  args: { paginationOpts: paginationOptsValidator, ...vToken },
  returns: paginationResultValidator(vPageStat),
  handler: async (ctx, { paginationOpts, token }) => {
    await DashboardAccess.assertCanReadStats(ctx, token);
    return await PageStats.listPageStats(ctx, paginationOpts);
  },
});

/**
 * Rebuilds all derived data from the tables. Run it from the dashboard with
 * `{}`; the stats worker then carries it out, a step per batch, until done.
 */
export const backfillAggregates = internalMutation({
  // `runId`: chunks that older versions scheduled; the worker runs backfills now, so they stop at once.
  args: { runId: v.optional(v.number()) },
  returns: v.union(Backfill.vBackfillStart, v.null()),
  handler: async (ctx, { runId }) => {
    if (runId === undefined) return await Backfill.startBackfill(ctx, Date.now());
    console.log(`[backfill] run ${runId}: a chunk scheduled by an older version, stopping (the stats worker runs backfills now)`);
    return null;
  },
});

/** Run by the cron: removes idle sessions' rows, rescheduling itself until none are left (`reschedule: false`: the caller loops, as POST /api/admin/cleanup does). */
export const cleanupStaleSessions = internalMutation({
  args: { reschedule: v.optional(v.boolean()) },
  returns: v.object({ deleted: v.number(), more: v.boolean() }),
  handler: async (ctx, { reschedule }) => {
    const result = await Cleanup.cleanupStaleSessions(ctx, Date.now());
    if (result.more && reschedule !== false) await ctx.scheduler.runAfter(0, internal.stats.cleanupStaleSessions, {});
    return result;
  },
});

// ---------------------------------------------------------------------------------------------
// The Stats API for date ranges (modelled on Plausible's): exact figures for any whole-minute
// range `[from, to)`, read from the worker's time buckets (model/timeBuckets.ts).

// `filter`: only what matches one value of one property (prds/visits.md says what each figure then counts).
const vRange = { from: v.number(), to: v.number(), filter: v.optional(TimeStats.vFilter), ...vToken };

/** Page views, distinct visitors and visits (with views per visit, bounce rate and mean duration) in `[from, to)`. */
export const summary = query({
  args: vRange,
  returns: TimeStats.vSummary,
  handler: async (ctx, { token, ...args }) => {
    await DashboardAccess.assertCanReadStats(ctx, token);
    return await TimeStats.summary(ctx, args);
  },
});

/** One row per bucket of `interval` in `timeZone` (the site's by default), empty buckets included. */
export const timeseries = query({
  args: { ...vRange, interval: v.string(), timeZone: v.optional(v.string()) },
  returns: v.array(TimeStats.vSeriesRow),
  handler: async (ctx, { token, ...args }) => {
    await DashboardAccess.assertCanReadStats(ctx, token);
    return await TimeStats.timeseries(ctx, args);
  },
});

/** The top values of `property` in `[from, to)`: pages by page views, visit properties (sources, devices, places...) by visits. */
export const breakdown = query({
  args: { ...vRange, property: v.string(), limit: v.optional(v.number()) },
  returns: v.array(TimeStats.vBreakdownRow),
  handler: async (ctx, { token, ...args }) => {
    await DashboardAccess.assertCanReadStats(ctx, token);
    return await TimeStats.breakdown(ctx, args);
  },
});

/** What the dashboard needs before any figure: the site's time zone (STATS_TIME_ZONE), and whether it is private and this caller may read it. */
export const settings = query({
  args: vToken,
  returns: v.object({ timeZone: v.string(), visibility: DashboardAccess.vVisibility, canRead: v.boolean() }),
  handler: async (ctx, { token }) => ({ timeZone: siteTimeZone(), ...(await DashboardAccess.dashboardAccess(ctx, token)) }),
});

// ---------------------------------------------------------------------------------------------
// Share links of a private dashboard, for the owner: `npx convex run stats:createShareLink '{"label": "team"}'`.

/** A new share link: its token and `/stats?token=…` path, shown only now (the table keeps the token's hash). */
export const createShareLink = internalAction({
  args: { label: v.string() },
  returns: ShareLinks.vNewShareLink,
  handler: async (ctx, { label }) => await ShareLinks.createShareLink(ctx, label),
});

/** createShareLink's write: the label and the token's hash. */
export const storeShareLink = internalMutation({
  args: { label: v.string(), tokenHash: v.string() },
  returns: v.object({ id: v.id("shareLinks"), label: v.string() }),
  handler: async (ctx, { label, tokenHash }) => await ShareLinks.storeShareLink(ctx, label, tokenHash, Date.now()),
});

/** Every share link, newest first: id, label and when it was made (never a token). */
export const listShareLinks = internalQuery({
  args: {},
  returns: v.array(ShareLinks.vShareLink),
  handler: async (ctx) => await ShareLinks.listShareLinks(ctx),
});

/** Revokes a share link: dashboards open with it switch to the private page at once. */
export const revokeShareLink = internalMutation({
  args: { id: v.id("shareLinks") },
  returns: v.object({ revoked: v.boolean() }),
  handler: async (ctx, { id }) => ({ revoked: await ShareLinks.revokeShareLink(ctx, id) }),
});
