import { LiveStats } from "convex-live-stats";
import { components } from "./_generated/api";

const liveStats = new LiveStats(components.liveStats);
export const { recordPageView, heartbeat, getStats, getPageViewStats, getActiveVisitors, listPageStats, summary, timeseries, breakdown, settings } =
  liveStats.api();
