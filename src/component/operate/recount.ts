import { paginator } from "convex-helpers/server/pagination";
import { v, type Infer } from "convex/values";
import { components } from "../_generated/api.js";
import type { Doc } from "../_generated/dataModel.js";
import type { QueryCtx } from "../_generated/server.js";
import schema from "../schema.js";
import {
  ADMIN_RECOUNT_MAX_PAGES,
  ADMIN_RECOUNT_RECENT_SHARE,
  ADMIN_RECOUNT_RECENT_VIEWS,
  ADMIN_RECOUNT_ROWS_PER_QUERY,
  STATS_WORKER_NAME,
} from "../../shared/config.js";
import { getBackfillStatus } from "../derive/backfill.js";
import { readCounter } from "../derive/counters.js";
import { SITE_SCOPE } from "../derive/timeBuckets.js";
import type { WorkerCursor } from "../derive/worker.js";
import { retiredViewsOf } from "./retiredRows.js";

/**
 * The recount behind POST /api/admin/recount: a sample of pages' derived view
 * counts (their `pathStats` row and their all-time time bucket) against a count
 * of their `pageViews` rows, bounded in every transaction.
 *
 * One query reads the sample's derived figures with the stats worker's cursor,
 * which commits with every fold: the figures are exactly the rows committed up
 * to it (and the old rows without `committedAt`, which a backfill folded). The
 * admin endpoint (client/http/recount.ts) then counts each page's rows up to that cursor, a query per
 * ADMIN_RECOUNT_ROWS_PER_QUERY rows. Rows up to the cursor change only when
 * raw retention deletes them (a later commit has a later timestamp), so views
 * arriving meanwhile, folded or not, move neither side. Views raw retention
 * deleted still count in the derived figures: each page's tally of them
 * (`retiredViews`, operate/retiredRows.ts) is added to its rows, and every
 * count query reads it again, so a deletion during the count is seen.
 */

const vPageFigures = v.object({
  path: v.string(),
  // Null when the page has no row of that kind.
  pathStatsViews: v.union(v.number(), v.null()),
  bucketViews: v.union(v.number(), v.null()),
  // Its views raw retention deleted, which the derived figures still count.
  retiredViews: v.number(),
});
export const vRecountSample = v.object({
  // A backfill under way: derived data is being rebuilt, so there is nothing to compare yet.
  backfill: v.union(v.object({ runId: v.number(), phase: v.string() }), v.null()),
  // The commit timestamp of the last view the worker folded; null before its first.
  foldedUpTo: v.union(v.int64(), v.null()),
  pages: v.array(vPageFigures),
  // The site's total, kept twice by the worker: the counter and the site's all-time time bucket.
  site: v.object({ counterViews: v.number(), bucketViews: v.number() }),
});
export type RecountSample = Infer<typeof vRecountSample>;
export type PageFigures = Infer<typeof vPageFigures>;
// `retiredViews`: the path's tally of views raw retention deleted, as of this page.
export const vRowCount = v.object({ rows: v.number(), retiredViews: v.number(), continueCursor: v.string(), isDone: v.boolean() });
export type RowCount = Infer<typeof vRowCount>;

/** A recounted figure: its target (`page:/x`, `site`) and, when it failed, why. */
export type RecountItem = { target: string; error?: string };

/** True when the worker's figures include this view: a row from before the worker (a backfill's), or one committed up to its cursor. */
function isFolded(view: Doc<"pageViews">, foldedUpTo: bigint | null): boolean {
  if (view.committedAt === undefined) return true;
  return foldedUpTo !== null && (view.committedAt as bigint) <= foldedUpTo;
}

async function allTimeViews(ctx: QueryCtx, scope: string): Promise<number | null> {
  const bucket = await ctx.db
    .query("timeBuckets")
    .withIndex("by_scope_level_start", (q) => q.eq("scope", scope).eq("level", "all").eq("start", 0))
    .unique();
  return bucket?.pageviews ?? null;
}

/** Paths of the latest folded views, newest first, without `excluded`: pages new or in the long tail that the top list misses. */
async function recentlyViewedPaths(ctx: QueryCtx, foldedUpTo: bigint | null, excluded: Set<string>, wanted: number): Promise<string[]> {
  if (foldedUpTo === null || wanted === 0) return [];
  const views = await ctx.db
    .query("pageViews")
    .withIndex("by_committedAt", (q) => q.lte("committedAt", foldedUpTo as never))
    .order("desc")
    .take(ADMIN_RECOUNT_RECENT_VIEWS);
  const paths = new Set<string>();
  for (const { path } of views) {
    if (paths.size === wanted) break;
    if (!excluded.has(path)) paths.add(path);
  }
  return [...paths];
}

/**
 * The sample, read in one transaction with the worker's cursor: the top pages
 * by views and a share of recently viewed ones, `requested` in all (clamped to
 * 1..ADMIN_RECOUNT_MAX_PAGES), each with its derived figures; and the site's
 * two totals. Reads at most about 3 × ADMIN_RECOUNT_MAX_PAGES documents plus
 * ADMIN_RECOUNT_RECENT_VIEWS views.
 */
export async function recountSample(ctx: QueryCtx, requested: number): Promise<RecountSample> {
  const limit = Math.max(1, Math.min(Math.floor(requested) || 1, ADMIN_RECOUNT_MAX_PAGES));
  const status = await getBackfillStatus(ctx);
  const backfill = status?.state === "running" ? { runId: status.runId, phase: status.phase } : null;
  const cursor = (await ctx.runQuery(components.batchWorker.lib.getCursor, { name: STATS_WORKER_NAME })) as WorkerCursor | null;
  const foldedUpTo = cursor?.views ?? null;
  const top = await ctx.db.query("pathStats").withIndex("by_views").order("desc").take(limit);
  const recentWanted = Math.floor(limit * ADMIN_RECOUNT_RECENT_SHARE);
  const keptTop = new Set(top.slice(0, limit - recentWanted).map((row) => row.path));
  const recent = await recentlyViewedPaths(ctx, foldedUpTo, keptTop, recentWanted);
  const paths = [...new Set([...top.slice(0, limit - recent.length).map((row) => row.path), ...recent])];
  const topViews = new Map(top.map((row) => [row.path, row.views]));
  const pages = await Promise.all(
    paths.map(async (path): Promise<PageFigures> => {
      const pathStatsViews = topViews.has(path)
        ? topViews.get(path)!
        : ((
            await ctx.db
              .query("pathStats")
              .withIndex("by_path", (q) => q.eq("path", path))
              .unique()
          )?.views ?? null);
      return { path, pathStatsViews, bucketViews: await allTimeViews(ctx, path), retiredViews: await retiredViewsOf(ctx, path) };
    }),
  );
  const site = { counterViews: await readCounter(ctx, "pageViews"), bucketViews: (await allTimeViews(ctx, SITE_SCOPE)) ?? 0 };
  return { backfill, foldedUpTo, pages, site };
}

/** One page (at most ADMIN_RECOUNT_ROWS_PER_QUERY rows) of a path's views, and how many of them the worker has folded. */
export async function countFoldedViews(ctx: QueryCtx, path: string, foldedUpTo: bigint | null, cursor: string | null): Promise<RowCount> {
  // convex-helpers' paginator: the built-in .paginate() is not available inside a component.
  const { page, continueCursor, isDone } = await paginator(ctx.db, schema)
    .query("pageViews")
    .withIndex("by_path_timestamp", (q) => q.eq("path", path))
    .paginate({ cursor, numItems: ADMIN_RECOUNT_ROWS_PER_QUERY });
  return { rows: page.filter((view) => isFolded(view, foldedUpTo)).length, retiredViews: await retiredViewsOf(ctx, path), continueCursor, isDone };
}

