import { v, type Infer } from "convex/values";
import { components, internal } from "../../../convex/_generated/api";
import type { Doc } from "../_generated/dataModel";
import type { ActionCtx, QueryCtx } from "../../../convex/_generated/server";
import {
  ADMIN_RECOUNT_MAX_PAGES,
  ADMIN_RECOUNT_MAX_ROWS,
  ADMIN_RECOUNT_RECENT_SHARE,
  ADMIN_RECOUNT_RECENT_VIEWS,
  ADMIN_RECOUNT_ROWS_PER_QUERY,
  STATS_WORKER_NAME,
} from "../../shared/config";
import { getBackfillStatus } from "../derive/backfill";
import { readCounter } from "../derive/counters";
import { SITE_SCOPE } from "../derive/timeBuckets";
import type { WorkerCursor } from "../derive/worker";

/**
 * The recount behind POST /api/admin/recount: a sample of pages' derived view
 * counts (their `pathStats` row and their all-time time bucket) against a count
 * of their `pageViews` rows, bounded in every transaction.
 *
 * One query reads the sample's derived figures with the stats worker's cursor,
 * which commits with every fold: the figures are exactly the rows committed up
 * to it (and the old rows without `committedAt`, which a backfill folded). The
 * action then counts each page's rows up to that cursor, a query per
 * ADMIN_RECOUNT_ROWS_PER_QUERY rows. Rows up to the cursor never change
 * (views are never deleted, and a later commit has a later timestamp), so
 * views arriving meanwhile, folded or not, move neither side.
 */

const vPageFigures = v.object({
  path: v.string(),
  // Null when the page has no row of that kind.
  pathStatsViews: v.union(v.number(), v.null()),
  bucketViews: v.union(v.number(), v.null()),
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
type PageFigures = Infer<typeof vPageFigures>;
export const vRowCount = v.object({ rows: v.number(), continueCursor: v.string(), isDone: v.boolean() });
type RowCount = Infer<typeof vRowCount>;

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
      return { path, pathStatsViews, bucketViews: await allTimeViews(ctx, path) };
    }),
  );
  const site = { counterViews: await readCounter(ctx, "pageViews"), bucketViews: (await allTimeViews(ctx, SITE_SCOPE)) ?? 0 };
  return { backfill, foldedUpTo, pages, site };
}

/** One page (at most ADMIN_RECOUNT_ROWS_PER_QUERY rows) of a path's views, and how many of them the worker has folded. */
export async function countFoldedViews(ctx: QueryCtx, path: string, foldedUpTo: bigint | null, cursor: string | null): Promise<RowCount> {
  const { page, continueCursor, isDone } = await ctx.db
    .query("pageViews")
    .withIndex("by_path_timestamp", (q) => q.eq("path", path))
    .paginate({ cursor, numItems: ADMIN_RECOUNT_ROWS_PER_QUERY });
  return { rows: page.filter((view) => isFolded(view, foldedUpTo)).length, continueCursor, isDone };
}

/** A path's folded views, counted a bounded query at a time. */
async function countRawViews(ctx: ActionCtx, path: string, foldedUpTo: bigint | null): Promise<number> {
  let rows = 0;
  let cursor: string | null = null;
  for (;;) {
    const counted: RowCount = await ctx.runQuery(internal.admin.countFoldedViews, { path, foldedUpTo, cursor });
    rows += counted.rows;
    if (counted.isDone) return rows;
    cursor = counted.continueCursor;
  }
}

/** Why a page's derived figures disagree with its raw rows, e.g. "derived 12 views, raw rows 13"; null when both agree. */
export function pageMismatch(page: PageFigures, rawRows: number): string | null {
  const disagreeing = [
    (page.pathStatsViews ?? 0) !== rawRows && `derived ${page.pathStatsViews ?? 0} views${page.pathStatsViews === null ? " (no pathStats row)" : ""}`,
    (page.bucketViews ?? 0) !== rawRows && `all-time bucket ${page.bucketViews ?? 0} views${page.bucketViews === null ? " (no bucket)" : ""}`,
  ].filter(Boolean);
  return disagreeing.length === 0 ? null : `${disagreeing.join(", ")}, raw rows ${rawRows}`;
}

/**
 * Counts each sampled page's rows and compares; a page that disagrees, or
 * whose count throws, is a failed item and the others go on. A page whose
 * derived figures say it would take the request past ADMIN_RECOUNT_MAX_ROWS
 * is left out (`skipped`). Then the site's two totals, which cost nothing more.
 */
export async function recountSampledPages(ctx: ActionCtx, sample: RecountSample): Promise<{ items: RecountItem[]; skipped: number }> {
  const items: RecountItem[] = [];
  let skipped = 0;
  let rowsLeft = ADMIN_RECOUNT_MAX_ROWS;
  for (const [index, page] of sample.pages.entries()) {
    const target = `page:${page.path}`;
    const progress = `[admin] recount ${index + 1}/${sample.pages.length} ${page.path}`;
    if (Math.max(page.pathStatsViews ?? 0, page.bucketViews ?? 0) > rowsLeft) {
      skipped++;
      console.log(`${progress}: left out, over the ${ADMIN_RECOUNT_MAX_ROWS}-row budget`);
      continue;
    }
    try {
      const rawRows = await countRawViews(ctx, page.path, sample.foldedUpTo);
      rowsLeft -= rawRows;
      const error = pageMismatch(page, rawRows);
      items.push(error === null ? { target } : { target, error });
      console.log(`${progress}: ${error ?? `${rawRows} views, as derived`}`);
    } catch (thrown) {
      const error = `counting its views failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`;
      items.push({ target, error });
      console.log(`${progress}: ${error}`);
    }
  }
  const { counterViews, bucketViews } = sample.site;
  items.push(counterViews === bucketViews ? { target: "site" } : { target: "site", error: `counter ${counterViews} views, all-time bucket ${bucketViews} views` });
  return { items, skipped };
}
