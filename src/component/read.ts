import { v } from "convex/values";
import { mutation, query, type QueryCtx } from "./_generated/server.js";
import * as PageStats from "./read/pageStats.js";
import * as ActiveVisitors from "./read/activeVisitors.js";
import * as TimeStats from "./read/timeStats.js";
import * as Conversions from "./read/conversions.js";
import * as Funnels from "./operate/funnels.js";
import * as Goals from "./operate/goalDefinitions.js";
import * as DashboardAccess from "./read/dashboardAccess.js";
import * as DashboardWatch from "./read/dashboardWatch.js";
import * as Health from "./operate/health.js";
import { siteTimeZone } from "../shared/timeRanges.js";
import { siteCurrency } from "./record/customEvents.js";
import { storedDetail } from "./derive/rollup.js";
import { FULL_DETAIL } from "../shared/detail.js";
import { VIEWS_TABLE_COLLAPSED_ROWS } from "../shared/config.js";
import { vConversionSetup, vDashboardFunnel, vFunnelArgs, vFunnelSteps, vActiveVisitors, vGranted, vToken, vBreakdownArgs, vLegacyNow, vListPageStatsArgs, vListPageStatsResult, vPageViewStats, vRange, vDashboardRange, vDashboardHistoryArgs, vDashboardStats, vDashboardStatsArgs, vSettings, vTimeseriesArgs } from "./read/validators.js";

// What queries read (read/): the worker's derived rows, a few documents per figure at any size. Every stats
// query first checks who may read (read/dashboardAccess.ts): public by default; with STATS_VISIBILITY=private
// a `token` (a share link's, or STATS_READ_TOKEN) is needed, unless the app vouches for its caller (`granted`,
// read/validators.ts).

async function assertCanRead(ctx: QueryCtx, { token, granted }: { token?: string; granted?: boolean }) {
  if (!granted) await DashboardAccess.assertCanReadStats(ctx, token);
}

/** Page-view figures only: a heartbeat never re-runs this. */
export const getPageViewStats = query({
  args: { ...vToken, ...vGranted },
  returns: v.object(vPageViewStats),
  handler: async (ctx, access) => {
    await assertCanRead(ctx, access);
    return await PageStats.getPageViewStats(ctx);
  },
});

/** Active-now figures only: a page view never re-runs this. */
export const getActiveVisitors = query({
  args: { ...vLegacyNow, ...vToken, ...vGranted },
  returns: v.object(vActiveVisitors),
  handler: async (ctx, access) => {
    await assertCanRead(ctx, access);
    return await ActiveVisitors.getActiveVisitors(ctx);
  },
});

/** Both halves in one answer, for callers that want a single subscription. */
export const getStats = query({
  args: { ...vLegacyNow, ...vToken, ...vGranted },
  returns: v.object({ ...vPageViewStats, ...vActiveVisitors }),
  handler: async (ctx, access) => {
    await assertCanRead(ctx, access);
    return { ...(await PageStats.getPageViewStats(ctx)), ...(await ActiveVisitors.getActiveVisitors(ctx)) };
  },
});

/** Every page by all-time views, a page at a time (beyond the top list in getStats); `numItems` is clamped. */
export const listPageStats = query({
  args: { ...vListPageStatsArgs, ...vGranted },
  returns: vListPageStatsResult,
  handler: async (ctx, { paginationOpts, ...access }) => {
    await assertCanRead(ctx, access);
    return await PageStats.listPageStats(ctx, paginationOpts);
  },
});

// The Stats API for date ranges (modelled on Plausible's): exact figures for any whole-minute
// range `[from, to)`, read from the worker's time buckets (derive/timeBuckets.ts).

/** Page views, distinct visitors and visits (with views per visit, bounce rate and mean duration) in `[from, to)`. */
export const summary = query({
  args: { ...vRange, ...vGranted },
  returns: TimeStats.vSummary,
  handler: async (ctx, { token, granted, ...args }) => {
    await assertCanRead(ctx, { token, granted });
    return await TimeStats.summary(ctx, args);
  },
});

/** One row per bucket of `interval` in `timeZone` (the site's by default), empty buckets included. */
export const timeseries = query({
  args: { ...vTimeseriesArgs, ...vGranted },
  returns: v.array(TimeStats.vSeriesRow),
  handler: async (ctx, { token, granted, ...args }) => {
    await assertCanRead(ctx, { token, granted });
    return await TimeStats.timeseries(ctx, args);
  },
});

/** The top values of `property` in `[from, to)`: pages by page views, visit properties (sources, devices, places...) by visits. */
export const breakdown = query({
  args: { ...vBreakdownArgs, ...vGranted },
  returns: v.array(TimeStats.vBreakdownRow),
  handler: async (ctx, { token, granted, ...args }) => {
    await assertCanRead(ctx, { token, granted });
    return await TimeStats.breakdown(ctx, args);
  },
});

/** A funnel's steps with the visits of `[from, to)` that reached each in order (prds/events.md). */
export const funnel = query({
  args: { ...vFunnelArgs, ...vGranted },
  returns: vFunnelSteps,
  handler: async (ctx, { token, granted, ...args }) => {
    await assertCanRead(ctx, { token, granted });
    return await Conversions.funnel(ctx, args);
  },
});

/** The dashboard's Funnels view: the funnel's steps, or the scan's refusal in place (FILTER_TOO_BROAD, RANGE_TOO_EARLY...). */
export const dashboardFunnel = query({
  args: { ...vFunnelArgs, ...vGranted },
  returns: vDashboardFunnel,
  handler: async (ctx, { token, granted, ...args }) => {
    await assertCanRead(ctx, { token, granted });
    try {
      return { steps: await Conversions.funnel(ctx, args) };
    } catch (error) {
      const refused = TimeStats.refusalOf(error);
      if (refused === null || refused.code === "INVALID_ARGUMENT") throw error;
      return { refused };
    }
  },
});

/** The goals and funnels the owner defined, for the dashboard's Goals and Funnels views. */
export const conversionSetup = query({
  args: { ...vToken, ...vGranted },
  returns: vConversionSetup,
  handler: async (ctx, access) => {
    await assertCanRead(ctx, access);
    const goals = (await Goals.listGoals(ctx)).map(({ createdAt: _createdAt, ...goal }) => goal);
    const funnels = (await Funnels.listFunnels(ctx)).map(({ name, steps }) => ({ name, steps }));
    return { goals, funnels };
  },
});

/**
 * Everything a dashboard shows live, in one answer, so it holds one subscription the worker's batches re-run
 * (prds/dashboard-cost.md): the range's summary, series and breakdowns (when asked), active now, and the all-time
 * figures. A range the Stats API refuses answers its error in its place; the rest still stands.
 */
export const dashboardStats = query({
  args: { ...vDashboardStatsArgs, ...vGranted },
  returns: vDashboardStats,
  handler: async (ctx, { token, granted, range }) => {
    await assertCanRead(ctx, { token, granted });
    return {
      range: range === undefined ? null : await rangeOrError(ctx, range),
      // Its busiest pages, as many as a panel shows (the rest: the count of visitors less theirs); each re-run reads only those.
      active: await ActiveVisitors.getActiveVisitors(ctx, VIEWS_TABLE_COLLAPSED_ROWS),
      // The rows the dashboard shows before "show more" (listPageStats pages through the rest): each re-run reads only those.
      pageViews: await PageStats.getPageViewStats(ctx, VIEWS_TABLE_COLLAPSED_ROWS),
    };
  },
});

/**
 * What a dashboard's range held before `before` (a local midnight inside it), for `dashboardStats` to take back as
 * `range.history`: those days no longer change, so this subscription is not re-run by today's traffic, and the live
 * one reads only today's buckets however long the range (prds/dashboard-cost.md). Null for filters that scan visits:
 * those are answered whole.
 */
export const dashboardHistory = query({
  args: { ...vDashboardHistoryArgs, ...vGranted },
  returns: v.union(TimeStats.vHistory, v.null()),
  handler: async (ctx, { token, granted, range, before }) => {
    await assertCanRead(ctx, { token, granted });
    return await TimeStats.rangeHistory(ctx, { ...range, before });
  },
});

async function rangeOrError(ctx: QueryCtx, range: typeof vDashboardRange.type) {
  try {
    return await TimeStats.rangeStats(ctx, range);
  } catch (error) {
    const refused = TimeStats.refusalOf(error);
    if (refused === null) throw error;
    return { error: refused };
  }
}

/** The site's currency, or null while STATS_CURRENCY names none (the health check says why; revenue is refused meanwhile). */
function configuredCurrency(): string | null {
  try {
    return siteCurrency().code;
  } catch {
    return null;
  }
}

/** What the dashboard needs before any figure: the site's time zone (STATS_TIME_ZONE), where detail starts, when tracking began, and whether it is private and this caller may read it. */
export const settings = query({
  args: { ...vToken, ...vGranted },
  returns: vSettings,
  handler: async (ctx, { token, granted }) => {
    const access = await DashboardAccess.dashboardAccess(ctx, token);
    const canRead = access.canRead || granted === true;
    // Where detail starts says how long a site has had traffic: only for callers who may read its figures.
    return {
      timeZone: siteTimeZone(),
      currency: configuredCurrency(),
      detail: canRead ? await storedDetail(ctx) : FULL_DETAIL,
      trackingSince: canRead ? await PageStats.trackingSince(ctx) : null,
      ...access,
      canRead,
    };
  },
});

/** For the dashboard's banner: the rule changes (time zone, dedup window, ...) whose figures need the backfill to rebuild them. */
export const rulesCheck = query({
  args: Health.vOperatorCommands,
  returns: Health.vRulesCheck,
  handler: async (ctx, operator) => await Health.rulesCheck(ctx, operator),
});

/**
 * An open, visible dashboard watches the figures (read/dashboardWatch.ts): while its lease holds, the worker folds
 * within 1.5 s. Whoever may read the stats may watch them; renewing writes at most once per half-lease.
 */
export const watchDashboard = mutation({
  args: { ...vToken, ...vGranted },
  returns: v.null(),
  handler: async (ctx, access) => {
    await assertCanRead(ctx, access);
    await DashboardWatch.watchDashboard(ctx, Date.now());
    return null;
  },
});
