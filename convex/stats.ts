import { v } from "convex/values";
import { LiveStats } from "../src/client";
import { components, internal } from "./_generated/api";
import { internalMutation } from "./_generated/server";
import * as Content from "./model/content";
import { pageTitle } from "./model/titles";
import * as Upgrade from "./model/upgrade";

// The blog's analytics: the liveStats component, its pages named by the blog's posts and pages.
export const liveStats = new LiveStats(components.liveStats, { pageTitles: pageTitle, backfillCommand: Upgrade.BACKFILL_COMMAND });

export const {
  recordPageView,
  trackEvent,
  heartbeat,
  getStats,
  getPageViewStats,
  getActiveVisitors,
  listPageStats,
  summary,
  timeseries,
  breakdown,
  funnel,
  dashboardStats,
  dashboardFunnel,
  conversionSetup,
  dashboardHistory,
  settings,
  rulesCheck,
  watchDashboard,
  pageTitles,
  createShareLink,
  createGoal,
  listGoals,
  deleteGoal,
  createFunnel,
  listFunnels,
  deleteFunnel,
  umamiWebsite,
  listShareLinks,
  revokeShareLink,
  createApiKey,
  listApiKeys,
  revokeApiKey,
} = liveStats.api();

/**
 * The one command after an upgrade (and whenever derived data needs rebuilding):
 * `npx convex run stats:backfillAggregates '{}'`. Moves any rows still in the blog's
 * pre-component tables into the component, a bounded chunk per run (model/upgrade.ts),
 * then starts the component's backfill and indexes the blog's posts and pages into
 * their published-count aggregates (indexContent). Once raw retention has deleted rows
 * the figures count, the backfill refuses unless `{"acceptRetentionLoss": true}`.
 */
export const backfillAggregates = internalMutation({
  // `runId`: chunks that older versions scheduled; the worker runs backfills now, so they stop at once.
  args: { runId: v.optional(v.number()), acceptRetentionLoss: v.optional(v.boolean()) },
  returns: v.union(v.object({ started: v.boolean(), runId: v.number(), message: v.string() }), v.null()),
  handler: async (ctx, { runId, acceptRetentionLoss }) => {
    if (runId !== undefined) {
      console.log(`[backfill] run ${runId}: a chunk scheduled by an older version, stopping (the stats worker runs backfills now)`);
      return null;
    }
    if (await Upgrade.moveLegacyRows(ctx, components.liveStats)) {
      await ctx.scheduler.runAfter(0, internal.stats.backfillAggregates, { acceptRetentionLoss });
      return { started: false, runId: 0, message: "moving the rows of the version before the component; the backfill starts once they are in" };
    }
    // The blog's own derived data: its published counts, for posts and pages written before their aggregates.
    await ctx.scheduler.runAfter(0, internal.stats.indexContent, { table: "posts", cursor: null });
    return await ctx.runMutation(components.liveStats.operate.backfill, { acceptRetentionLoss });
  },
});

/** Indexes posts, then pages, into the published-count aggregates, a bounded page per run (scheduled by backfillAggregates). */
export const indexContent = internalMutation({
  args: { table: v.union(v.literal("posts"), v.literal("pages")), cursor: v.union(v.string(), v.null()) },
  returns: v.null(),
  handler: async (ctx, { table, cursor }) => {
    const next = await Content.indexContentPage(ctx, table, cursor);
    if (next !== null) await ctx.scheduler.runAfter(0, internal.stats.indexContent, { table, cursor: next });
    else if (table === "posts") await ctx.scheduler.runAfter(0, internal.stats.indexContent, { table: "pages", cursor: null });
    return null;
  },
});

/** Removes idle sessions' rows now (the component's own cron does it every 10 min). */
export const cleanupStaleSessions = internalMutation({
  args: { reschedule: v.optional(v.boolean()) },
  returns: v.object({ deleted: v.number(), pruned: v.number(), more: v.boolean() }),
  handler: async (ctx, args) => await ctx.runMutation(components.liveStats.operate.cleanupStaleSessions, args),
});
