import { LiveStats } from "convex-live-stats";
import { components } from "./_generated/api";

export const { recordPageView, getPageViewStats, watchDashboard } = new LiveStats(components.docsStats).api();
