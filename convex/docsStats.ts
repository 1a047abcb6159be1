import { LiveStats } from "../src/client";
import { components } from "./_generated/api";

// The docs' analytics: a second site in the same deployment, with its own tables, worker and settings.
// Its pages are named by their paths (the docs are not the blog's content).
export const { recordPageView, heartbeat, trackEvent, getStats, getPageViewStats, getActiveVisitors, listPageStats, summary, timeseries, breakdown, dashboardStats, dashboardHistory, settings, rulesCheck, watchDashboard } =
  new LiveStats(components.docsStats).api();
