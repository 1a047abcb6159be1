import { paginator } from "convex-helpers/server/pagination";
import type { PaginationOptions, PaginationResult } from "convex/server";
import type { Doc } from "../_generated/dataModel.js";
import type { QueryCtx } from "../_generated/server.js";
import schema from "../schema.js";
import { MAX_PAGE_SIZE, TOP_PAGES_LIMIT } from "../../shared/config.js";
import { readCounter } from "../derive/counters.js";
import { getBackfillProgress, type BackfillProgress } from "../derive/backfill.js";
import { getRawRetention } from "../operate/retiredRows.js";

/** A page's all-time views; `title` is the path until the app's `pageTitles` option (LiveStats) names it. */
export type PageStat = { path: string; title: string; pageType: string; views: number };

export type PageViewStats = {
  totalPageViews: number;
  uniqueVisitors: number;
  trackingSince: number | null;
  distinctPages: number;
  pageStats: PageStat[];
  backfill: BackfillProgress | null;
};

/**
 * Everything the dashboard shows that only page views change. Reads three
 * counters and the top `topPages` pages, never a scan of views; only the worker
 * writes what it reads, so it re-runs at most as often as the worker folds.
 */
export async function getPageViewStats(ctx: QueryCtx, topPages = TOP_PAGES_LIMIT): Promise<PageViewStats> {
  const [totalPageViews, visitors, pages] = await Promise.all([
    readCounter(ctx, "pageViews"),
    readCounter(ctx, "visitors"),
    readCounter(ctx, "paths"),
  ]);
  const topPaths = await ctx.db.query("pathStats").withIndex("by_views").order("desc").take(topPages);
  return {
    totalPageViews,
    uniqueVisitors: visitors,
    trackingSince: await trackingSince(ctx),
    distinctPages: pages,
    pageStats: topPaths.map(pageStat),
    backfill: await getBackfillProgress(ctx),
  };
}

/** When tracking began: the first view's time, null before any. */
export async function trackingSince(ctx: QueryCtx): Promise<number | null> {
  // The index's first entry only changes when an older view appears (or raw retention deletes it), so new views don't re-run this read.
  const firstView = await ctx.db.query("pageViews").withIndex("by_timestamp").first();
  // Views raw retention deleted still count: tracking began with the oldest of them.
  const since = Math.min(firstView?.timestamp ?? Infinity, (await getRawRetention(ctx))?.retired?.since ?? Infinity);
  return since === Infinity ? null : since;
}

/** All pages by views, a page of at most MAX_PAGE_SIZE at a time, for "show more" past the top list. */
export async function listPageStats(ctx: QueryCtx, paginationOpts: PaginationOptions): Promise<PaginationResult<PageStat>> {
  const numItems = Math.max(1, Math.min(Math.floor(paginationOpts.numItems) || 1, MAX_PAGE_SIZE));
  // convex-helpers' paginator: the built-in .paginate() is not available inside a component.
  const result = await paginator(ctx.db, schema)
    .query("pathStats")
    .withIndex("by_views")
    .order("desc")
    .paginate({ ...paginationOpts, numItems });
  return { ...result, page: result.page.map(pageStat) };
}

function pageStat({ path, pageType, views }: Doc<"pathStats">): PageStat {
  return { path, title: path, pageType, views };
}
