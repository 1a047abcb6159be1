import { LiveStats } from "convex-live-stats";
import { components } from "./_generated/api";

// The access check: a signed-in user may read the dashboard even when STATS_VISIBILITY=private.
const liveStats = new LiveStats(components.liveStats, { canRead: async (ctx) => (await ctx.auth.getUserIdentity()) !== null });
export const { recordPageView, heartbeat, getStats, getPageViewStats, getActiveVisitors, listPageStats, summary, timeseries, breakdown, settings, watchDashboard } =
  liveStats.api();
