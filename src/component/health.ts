import { v } from "convex/values";
import { internalQuery, query } from "../../convex/_generated/server";
import * as Health from "./operate/health";

// Is the stats pipeline healthy (model/health.ts)? Counts and settings only: nothing here names a visitor or a page.

/** What GET /api/health (convex/http.ts) answers: every check at `now`. */
export const report = internalQuery({
  args: { now: v.number() },
  returns: Health.vHealthReport,
  handler: async (ctx, { now }) => await Health.healthReport(ctx, now),
});

/** For the dashboard's banner: the rule changes (time zone, dedup window, ...) whose figures need the backfill to rebuild them. */
export const rulesCheck = query({
  args: {},
  returns: Health.vRulesCheck,
  handler: async (ctx) => await Health.rulesCheck(ctx),
});
