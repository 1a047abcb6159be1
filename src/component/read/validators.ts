import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import * as TimeStats from "./timeStats.js";
import * as DashboardAccess from "./dashboardAccess.js";
import * as Health from "../operate/health.js";
import { vBackfillProgress } from "../derive/backfill.js";

// The stats queries' arguments and answers: the component's queries (../read.ts) and the app's re-exports
// (LiveStats in src/client) declare the same shapes from here.

// A share link's token (or STATS_READ_TOKEN): needed only when the dashboard is private. The app's public queries take this.
export const vToken = { token: v.optional(v.string()) };
// What the component's queries take besides: `granted`, set by the app (LiveStats' `canRead` option) for a caller it
// lets read a private dashboard. Only the app can send it: browsers reach the app's functions, never the component's.
export const vGranted = { granted: v.optional(v.boolean()) };
// Accepted from clients built when "active now" depended on the caller's clock; the worker now expires sessions itself.
export const vLegacyNow = { now: v.optional(v.number()) };
export const vPageStat = v.object({ path: v.string(), title: v.string(), pageType: v.string(), views: v.number() });
export const vActiveVisitors = {
  activeVisitors: v.number(),
  // `title`: the path until the app's `pageTitles` option (LiveStats) names it, as in `pageStats`.
  activeByPath: v.array(v.object({ path: v.string(), title: v.string(), count: v.number() })),
};
export const vPageViewStats = {
  totalPageViews: v.number(),
  uniqueVisitors: v.number(),
  trackingSince: v.union(v.number(), v.null()),
  distinctPages: v.number(),
  pageStats: v.array(vPageStat),
  backfill: v.union(vBackfillProgress, v.null()),
};
// `filters`: only what matches them all (up to MAX_FILTERS, each `is`, `isNot` or `contains`; prds/filters.md says what each
// figure then counts). `filter`: the older form of one `is`.
const vFilterArgs = { filter: v.optional(TimeStats.vFilter), filters: v.optional(TimeStats.vFilters) };
export const vRange = { from: v.number(), to: v.number(), ...vFilterArgs, ...vToken };

// A funnel's figures: its name, the range its visits start in, and filters of pages and visit properties.
export const vFunnelArgs = { from: v.number(), to: v.number(), funnel: v.string(), filters: v.optional(TimeStats.vFilters), ...vToken };
// Each step (a goal's name) with the visits that reached it in order.
export const vFunnelSteps = v.array(v.object({ goal: v.string(), visits: v.number() }));
// What a dashboard's Funnels view shows: its steps, or why they cannot be answered (a scan's refusal) in place.
export const vDashboardFunnel = v.union(v.object({ steps: vFunnelSteps }), v.object({ refused: TimeStats.vRefusal }));
// The funnels and goals a dashboard offers: each funnel's steps, each goal's definition.
export const vConversionSetup = v.object({
  funnels: v.array(v.object({ name: v.string(), steps: v.array(v.string()) })),
  goals: v.array(v.object({ name: v.string(), event: v.optional(v.string()), page: v.optional(v.string()), props: v.optional(v.array(v.object({ key: v.string(), value: v.string() }))) })),
});

export const vListPageStatsArgs = { paginationOpts: paginationOptsValidator, ...vToken };
export const vListPageStatsResult = paginationResultValidator(vPageStat);
export const vTimeseriesArgs = { ...vRange, interval: v.string(), timeZone: v.optional(v.string()) };
export const vBreakdownArgs = { ...vRange, property: v.string(), limit: v.optional(v.number()) };
// What a dashboard shows of a range: its summary, its series by `interval`, and each breakdown asked for.
const vRangeQuestion = {
  from: v.number(),
  to: v.number(),
  ...vFilterArgs,
  interval: v.string(),
  timeZone: v.optional(v.string()),
  breakdowns: v.array(v.object({ property: v.string(), limit: v.optional(v.number()) })),
};
// `history`: dashboardHistory's answer for the same question, so only the range from its `before` on is read again.
export const vDashboardRange = v.object({ ...vRangeQuestion, history: v.optional(TimeStats.vHistory) });
// The part of a dashboard's range before `before` (a local midnight inside it): days today's traffic no longer changes.
export const vDashboardHistoryArgs = { range: v.object(vRangeQuestion), before: v.number(), ...vToken };
export const vDashboardStatsArgs = { range: v.optional(vDashboardRange), ...vToken };
// `range`: its figures, or why they cannot be answered (a ConvexError's data: the rest of the dashboard still stands); null when not asked.
export const vDashboardStats = v.object({
  range: v.union(TimeStats.vRangeStats, v.object({ error: TimeStats.vRefusal }), v.null()),
  active: v.object(vActiveVisitors),
  pageViews: v.object(vPageViewStats),
});
// `detail`: where minute and hour detail start (shared/detail.ts), so the dashboard offers only the intervals the site keeps.
// `trackingSince`: the first view's time (null before any, or for a caller who may not read the figures), where all time starts.
// `currency`: the site's (STATS_CURRENCY), in which events' revenue is counted; null while the setting is not a currency.
export const vSettings = v.object({
  timeZone: v.string(),
  currency: v.union(v.string(), v.null()),
  trackingSince: v.union(v.number(), v.null()),
  visibility: DashboardAccess.vVisibility,
  canRead: v.boolean(),
  detail: v.object({ minutesSince: v.number(), hoursSince: v.number() }),
});
export const { vSummary, vSeriesRow, vBreakdownRow, vHistory } = TimeStats;
export const { vRulesCheck } = Health;
