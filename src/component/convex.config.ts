import { defineComponent } from "convex/server";
import { v } from "convex/values";
import batchWorker from "@convex-dev/batch-worker/convex.config.js";

// One site's analytics: its tables, worker, limits and settings. An app mounts one instance per site
// (`app.use(liveStats, { name })`) and binds each instance's settings to its own variables (prds/component.md).
const component = defineComponent("liveStats", {
  env: {
    // IANA zone of the site's days, weeks and months (UTC when unset).
    STATS_TIME_ZONE: v.optional(v.string()),
    // "private" makes every stats query ask for a token (public when unset).
    STATS_VISIBILITY: v.optional(v.string()),
    // The owner's token for a private dashboard and the export.
    STATS_READ_TOKEN: v.optional(v.string()),
    // Bearer secret of the admin endpoints (503 while unset).
    STATS_ADMIN_SECRET: v.optional(v.string()),
    // Origins allowed to POST /api/event (any origin when unset).
    STATS_ALLOWED_ORIGINS: v.optional(v.string()),
    // Site-wide caps on newcomers and on new pages per minute.
    STATS_MAX_NEW_VISITORS_PER_MINUTE: v.optional(v.string()),
    STATS_MAX_NEW_PATHS_PER_MINUTE: v.optional(v.string()),
    // Days of minute and of hour detail kept before old data rolls up (prds/rollup.md).
    STATS_MINUTE_DETAIL_DAYS: v.optional(v.string()),
    STATS_HOUR_DETAIL_DAYS: v.optional(v.string()),
    // Days raw views and visits are kept once derived (forever when unset; prds/retention.md).
    STATS_RAW_RETENTION_DAYS: v.optional(v.string()),
  },
});
// The single writer of every derived structure: folds appended rows in the background (derive/worker.ts).
component.use(batchWorker);

export default component;
