// The one place the dashboard's function references get their type: every other module takes it from here.
import type { StatsApi as LiveStatsApi } from "../client/index.js";

/**
 * The app's function references the dashboard and the tracker call (`api.stats` when convex/stats.ts
 * re-exports `liveStats.api()`). Only these are required, so an app's module with more functions in it fits;
 * without the optional goals and funnels queries, the dashboard shows no Funnels view and no goal definitions.
 */
export type StatsApi = Pick<
  LiveStatsApi,
  | "recordPageView"
  | "heartbeat"
  | "listPageStats"
  | "summary"
  | "timeseries"
  | "breakdown"
  | "dashboardStats"
  | "dashboardHistory"
  | "settings"
  | "rulesCheck"
  | "watchDashboard"
> &
  Partial<Pick<LiveStatsApi, "conversionSetup" | "dashboardFunnel">>;

/** What `usePageTracking` calls. */
export type TrackingApi = Pick<StatsApi, "recordPageView" | "heartbeat">;

/** What `useTrackEvent` calls: apart from TrackingApi, so an app that sends no custom events need not re-export it. */
export type TrackEventApi = Pick<LiveStatsApi, "trackEvent">;
