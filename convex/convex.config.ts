import { defineApp } from "convex/server";
import { v } from "convex/values";
import aggregate from "@convex-dev/aggregate/convex.config.js";
import liveStats from "../src/component/convex.config";

// The blog's settings, set with `npx convex env set NAME value` and handed to the site's analytics by reference.
const app = defineApp({
  env: {
    STATS_TIME_ZONE: v.optional(v.string()),
    STATS_VISIBILITY: v.optional(v.string()),
    STATS_READ_TOKEN: v.optional(v.string()),
    STATS_ADMIN_SECRET: v.optional(v.string()),
    STATS_ALLOWED_ORIGINS: v.optional(v.string()),
    STATS_MAX_NEW_VISITORS_PER_MINUTE: v.optional(v.string()),
    STATS_MAX_NEW_PATHS_PER_MINUTE: v.optional(v.string()),
    STATS_MINUTE_DETAIL_DAYS: v.optional(v.string()),
    STATS_HOUR_DETAIL_DAYS: v.optional(v.string()),
    STATS_RAW_RETENTION_DAYS: v.optional(v.string()),
    DOCS_STATS_ALLOWED_ORIGINS: v.optional(v.string()),
  },
});
// The blog's own analytics (convex/stats.ts), under the same variable names as before the component.
app.use(liveStats, {
  env: {
    STATS_TIME_ZONE: app.env.STATS_TIME_ZONE,
    STATS_VISIBILITY: app.env.STATS_VISIBILITY,
    STATS_READ_TOKEN: app.env.STATS_READ_TOKEN,
    STATS_ADMIN_SECRET: app.env.STATS_ADMIN_SECRET,
    STATS_ALLOWED_ORIGINS: app.env.STATS_ALLOWED_ORIGINS,
    STATS_MAX_NEW_VISITORS_PER_MINUTE: app.env.STATS_MAX_NEW_VISITORS_PER_MINUTE,
    STATS_MAX_NEW_PATHS_PER_MINUTE: app.env.STATS_MAX_NEW_PATHS_PER_MINUTE,
    STATS_MINUTE_DETAIL_DAYS: app.env.STATS_MINUTE_DETAIL_DAYS,
    STATS_HOUR_DETAIL_DAYS: app.env.STATS_HOUR_DETAIL_DAYS,
    STATS_RAW_RETENTION_DAYS: app.env.STATS_RAW_RETENTION_DAYS,
  },
});
// A second, separate site: the docs, tracked by a script tag (convex/docsStats.ts, routes under /docs).
app.use(liveStats, { name: "docsStats", env: { STATS_ALLOWED_ORIGINS: app.env.DOCS_STATS_ALLOWED_ORIGINS } });
// Posts and pages namespaced by `published`: published counts (written by the content sync).
app.use(aggregate, { name: "posts" });
app.use(aggregate, { name: "pages" });
export default app;
