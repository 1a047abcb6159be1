// convex-live-stats/react: the tracker hooks and the dashboard, for an app that re-exports the stats
// functions (`api.stats`, see LiveStats in convex-live-stats). Styles: import "convex-live-stats/react/styles.css".
export { usePageTracking, useTrackEvent, type PageTrackingOptions, type AutomaticEvents, type EventOptions, type TrackEvent } from "./tracker.js";
export { StatsDashboard, type StatsDashboardProps } from "./StatsDashboard.js";
export { useWatchStats, type WatchApi } from "./hooks/useWatchStats.js";
export { StatCard, type StatCardProps } from "./components/StatCard.js";
export { useHistoryRouter, type StatsRouter, type StatsLinkProps } from "./router.js";
export { httpActionsUrl } from "./lib/statsExport.js";
export type { StatsApi, TrackingApi, TrackEventApi } from "./statsApi.js";
