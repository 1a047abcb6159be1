import { v } from "convex/values";
import { action, internalMutation, mutation, query } from "./_generated/server.js";
import { api } from "./_generated/api.js";
import * as Backfill from "./derive/backfill.js";
import * as Cleanup from "./operate/cleanup.js";
import * as Health from "./operate/health.js";
import * as Recount from "./operate/recount.js";
import * as ShareLinks from "./operate/shareLinks.js";
import * as ApiKeys from "./operate/apiKeys.js";
import * as Funnels from "./operate/funnels.js";
import * as GoalDefinitions from "./operate/goalDefinitions.js";
import * as Goals from "./operate/goals.js";
import * as UmamiWebsite from "./operate/umamiWebsite.js";
import * as LegacyImport from "./operate/legacyImport.js";
import { adminAccess, vAdminAccess } from "./operate/adminAccess.js";
import { dashboardAccess } from "./read/dashboardAccess.js";

// What operators use (operate/): the backfill, the cleanup cron, health, the admin recount, share links and
// the upgrade's import. The app reaches these through LiveStats and registerRoutes (src/client).

/**
 * Rebuilds all derived data from the rows: the stats worker resets it, then folds every row, a step per batch.
 * Once raw retention has deleted rows the figures still count, it throws RETENTION_LOSS unless `acceptRetentionLoss`.
 */
export const backfill = mutation({
  args: Backfill.vBackfillArgs,
  returns: Backfill.vBackfillStart,
  handler: async (ctx, { acceptRetentionLoss }) => await Backfill.startBackfill(ctx, Date.now(), acceptRetentionLoss === true),
});

/**
 * Removes idle sessions' rows and wakes the worker to expire them, then deletes raw rows past their retention (`pruned`);
 * reschedules itself while more are left unless `reschedule: false` (the caller loops).
 */
export const cleanupStaleSessions = mutation({
  args: { reschedule: v.optional(v.boolean()) },
  returns: Cleanup.vCleanupResult,
  handler: async (ctx, { reschedule }) => {
    const result = await Cleanup.cleanupStaleSessions(ctx, Date.now());
    if (result.more && reschedule !== false) await ctx.scheduler.runAfter(0, api.operate.cleanupStaleSessions, {});
    return result;
  },
});

/**
 * Every check of GET /api/health at `now` (an argument, so a cached answer is never reused later); of a private
 * dashboard, only whether each passed unless `token` opens it (STATS_READ_TOKEN or a share link's).
 */
export const healthReport = query({
  args: { now: v.number(), token: v.optional(v.string()), ...Health.vOperatorCommands },
  returns: v.union(Health.vHealthReport, Health.vPrivateHealthReport),
  handler: async (ctx, { now, token, ...operator }) => {
    const report = await Health.healthReport(ctx, now, operator);
    return (await dashboardAccess(ctx, token)).canRead ? report : Health.privateHealthReport(report);
  },
});

/** Whether a bearer token opens the admin endpoints: "off" while STATS_ADMIN_SECRET is unset. */
export const checkAdminToken = query({
  args: { token: v.string() },
  returns: vAdminAccess,
  handler: async (_ctx, { token }) => await adminAccess(token),
});

/** Up to `limit` pages' derived view counts (clamped to 1..ADMIN_RECOUNT_MAX_PAGES), the site's totals and the worker's cursor, in one transaction. */
export const recountSample = query({
  args: { limit: v.number() },
  returns: Recount.vRecountSample,
  handler: async (ctx, { limit }) => await Recount.recountSample(ctx, limit),
});

/** One bounded page of a path's views from `cursor`, and how many of them the worker had folded by `foldedUpTo`. */
export const countFoldedViews = query({
  args: { path: v.string(), foldedUpTo: v.union(v.int64(), v.null()), cursor: v.union(v.string(), v.null()) },
  returns: Recount.vRowCount,
  handler: async (ctx, { path, foldedUpTo, cursor }) => await Recount.countFoldedViews(ctx, path, foldedUpTo, cursor),
});

/** A new share link of a private dashboard: its token and `/stats?token=…` path, shown only now (the table keeps the token's hash). */
export const createShareLink = action({
  args: { label: v.string() },
  returns: ShareLinks.vNewShareLink,
  handler: async (ctx, { label }) => await ShareLinks.createShareLink(ctx, label),
});

/** createShareLink's write: the label and the token's hash. */
export const storeShareLink = internalMutation({
  args: { label: v.string(), tokenHash: v.string() },
  returns: v.object({ id: v.id("shareLinks"), label: v.string() }),
  handler: async (ctx, { label, tokenHash }) => await ShareLinks.storeShareLink(ctx, label, tokenHash, Date.now()),
});

/** Every share link, newest first: id, label and when it was made (never a token). */
export const listShareLinks = query({
  args: {},
  returns: v.array(ShareLinks.vShareLink),
  handler: async (ctx) => await ShareLinks.listLabelled(ctx, "shareLinks"),
});

/** Revokes a share link: dashboards open with it switch to the private page at once. */
export const revokeShareLink = mutation({
  args: { id: v.id("shareLinks") },
  returns: v.object({ revoked: v.boolean() }),
  handler: async (ctx, { id }) => ({ revoked: await ShareLinks.revokeLabelled(ctx, id) }),
});

/** A new Stats API key (POST /api/v2/query): shown only now (the table keeps its hash). */
export const createApiKey = action({
  args: { label: v.string() },
  returns: ApiKeys.vNewApiKey,
  handler: async (ctx, { label }) => await ApiKeys.createApiKey(ctx, label),
});

/** createApiKey's write: the label and the key's hash. */
export const storeApiKey = internalMutation({
  args: { label: v.string(), keyHash: v.string() },
  returns: v.object({ id: v.id("apiKeys"), label: v.string() }),
  handler: async (ctx, { label, keyHash }) => await ApiKeys.storeApiKey(ctx, label, keyHash, Date.now()),
});

/** Every Stats API key, newest first: id, label and when it was made (never a key). */
export const listApiKeys = query({
  args: {},
  returns: v.array(ApiKeys.vApiKey),
  handler: async (ctx) => await ShareLinks.listLabelled(ctx, "apiKeys"),
});

/** Revokes a Stats API key: its next request is a 401. */
export const revokeApiKey = mutation({
  args: { id: v.id("apiKeys") },
  returns: v.object({ revoked: v.boolean() }),
  handler: async (ctx, { id }) => ({ revoked: await ShareLinks.revokeLabelled(ctx, id) }),
});

/** Spends one request of a Stats API key: allowed, unauthorized (no such key), or rate limited for `retryAfter` ms. */
export const useApiKey = mutation({
  args: { key: v.string() },
  returns: ApiKeys.vApiKeyCheck,
  handler: async (ctx, { key }) => await ApiKeys.useApiKey(ctx, key, Date.now()),
});

/** A goal: a name, and the custom event (narrowed by property values) or page path pattern it counts, all its history at once. Throws INVALID_ARGUMENT for a bad or taken name. */
export const createGoal = mutation({
  args: GoalDefinitions.vGoalArgs,
  returns: GoalDefinitions.vGoal,
  handler: async (ctx, args) => await Goals.createGoal(ctx, args, Date.now()),
});

/** Every goal, in the order they were made. */
export const listGoals = query({
  args: {},
  returns: v.array(GoalDefinitions.vGoal),
  handler: async (ctx) => await GoalDefinitions.listGoals(ctx),
});

/** Deletes a goal (its event's figures stay); INVALID_ARGUMENT while a funnel uses it. */
export const deleteGoal = mutation({
  args: { name: v.string() },
  returns: v.object({ deleted: v.boolean() }),
  handler: async (ctx, { name }) => ({ deleted: await Goals.deleteGoal(ctx, name) }),
});

/** The site's Umami website id, or null before the owner made one. */
export const umamiWebsiteId = query({
  args: {},
  returns: v.union(v.string(), v.null()),
  handler: async (ctx) => await UmamiWebsite.getUmamiWebsiteId(ctx),
});

/** The site's Umami website id: the one it has, or `candidate` (a random UUID), kept. */
export const claimUmamiWebsiteId = mutation({
  args: { candidate: v.string() },
  returns: v.string(),
  handler: async (ctx, { candidate }) => await UmamiWebsite.claimUmamiWebsiteId(ctx, candidate),
});

/** A funnel: a name and 2 to 8 goals reached in order within one visit. Throws INVALID_ARGUMENT for a bad or taken name, or a step that is no goal. */
export const createFunnel = mutation({
  args: Funnels.vFunnelArgs,
  returns: Funnels.vFunnel,
  handler: async (ctx, args) => await Funnels.createFunnel(ctx, args, Date.now()),
});

/** Every funnel, in the order they were made. */
export const listFunnels = query({
  args: {},
  returns: v.array(Funnels.vFunnel),
  handler: async (ctx) => await Funnels.listFunnels(ctx),
});

/** Deletes a funnel (its goals stay). */
export const deleteFunnel = mutation({
  args: { name: v.string() },
  returns: v.object({ deleted: v.boolean() }),
  handler: async (ctx, { name }) => ({ deleted: await Funnels.deleteFunnel(ctx, name) }),
});

/** Upgrading: rows the app kept in its own tables before the component, a bounded chunk per call (operate/legacyImport.ts). */
export const importLegacyRows = mutation({
  args: LegacyImport.vLegacyRows,
  returns: v.object({ imported: v.number() }),
  handler: async (ctx, rows) => ({ imported: await LegacyImport.importLegacyRows(ctx, rows) }),
});
