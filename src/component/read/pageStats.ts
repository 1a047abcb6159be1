import type { PaginationOptions, PaginationResult } from "convex/server";
import type { Doc } from "../_generated/dataModel";
import type { QueryCtx } from "../../../convex/_generated/server";
import { MAX_PAGE_SIZE, TOP_PAGES_LIMIT } from "../../shared/config";
import { pagesByPublished, postsByPublished } from "../../../convex/model/aggregates";
import { readCounter } from "../derive/counters";
import { resolvePage } from "../../../convex/model/titles";
import { getBackfillProgress, type BackfillProgress } from "../derive/backfill";

export type PageStat = { path: string; title: string; pageType: string; views: number };

export type PageViewStats = {
  totalPageViews: number;
  uniqueVisitors: number;
  publishedPosts: number;
  publishedPages: number;
  trackingSince: number | null;
  distinctPages: number;
  pageStats: PageStat[];
  backfill: BackfillProgress | null;
};

/**
 * Everything the dashboard shows that only page views and content change.
 * Reads three counters, the published-count aggregates and the top pages,
 * never a scan of views; only the worker writes what it reads (content aside),
 * so it re-runs at most as often as the worker folds.
 */
export async function getPageViewStats(ctx: QueryCtx): Promise<PageViewStats> {
  const [totalPageViews, visitors, pages, publishedPosts, publishedPages] = await Promise.all([
    readCounter(ctx, "pageViews"),
    readCounter(ctx, "visitors"),
    readCounter(ctx, "paths"),
    postsByPublished.count(ctx, { namespace: true }),
    pagesByPublished.count(ctx, { namespace: true }),
  ]);
  // The index's first entry only changes when an older view appears, so new views don't re-run this read.
  const firstView = await ctx.db.query("pageViews").withIndex("by_timestamp").first();
  const topPaths = await ctx.db.query("pathStats").withIndex("by_views").order("desc").take(TOP_PAGES_LIMIT);
  return {
    totalPageViews,
    uniqueVisitors: visitors,
    publishedPosts,
    publishedPages,
    trackingSince: firstView?.timestamp ?? null,
    distinctPages: pages,
    pageStats: await withTitles(ctx, topPaths),
    backfill: await getBackfillProgress(ctx),
  };
}

/** All pages by views, a page of at most MAX_PAGE_SIZE at a time, for "show more" past the top list. */
export async function listPageStats(ctx: QueryCtx, paginationOpts: PaginationOptions): Promise<PaginationResult<PageStat>> {
  const numItems = Math.max(1, Math.min(Math.floor(paginationOpts.numItems) || 1, MAX_PAGE_SIZE));
  const result = await ctx.db
    .query("pathStats")
    .withIndex("by_views")
    .order("desc")
    .paginate({ ...paginationOpts, numItems });
  return { ...result, page: await withTitles(ctx, result.page) };
}

async function withTitles(ctx: QueryCtx, rows: Doc<"pathStats">[]): Promise<PageStat[]> {
  return await Promise.all(
    rows.map(async ({ path, pageType, views }) => ({ path, ...(await resolvePage(ctx, path, pageType)), views })),
  );
}
