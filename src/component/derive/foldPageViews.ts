import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import type { Reserved } from "./budget.js";
import { addToCounters, COUNTERS } from "./counters.js";
import { finishTimeFold, foldViewIntoTime, startTimeFold, type TimeFold } from "./timeBuckets.js";
import { loadSessionScopes, recordView, type OldVisitorRows } from "./visitScopes.js";

/**
 * The derivation of every page-view figure from `pageViews` rows, run by the
 * stats worker over rows as they are appended and, during a backfill, over
 * older ones. Each row is folded exactly once (the worker's cursor commits
 * with its fold; a backfill first empties what it rebuilds), so figures are
 * plain sums. A row costs a lookup of its session and path the first time a
 * batch meets them; everything is written once, at the end of the batch. A
 * session is a new visitor when its `visitScopes` row has no first view yet
 * (derive/visitScopes.ts).
 */

type PathState = { row: Doc<"pathStats"> | null; pageType: string; views: number };

/** What a batch has folded so far, written by finishPageViewFold. */
export type PageViewFold = { views: number; newVisitors: number; oldVisitorRows: OldVisitorRows; paths: Map<string, PathState>; time: TimeFold };

export function startPageViewFold(): PageViewFold {
  return { views: 0, newVisitors: 0, oldVisitorRows: {}, paths: new Map(), time: startTimeFold() };
}

export type FoldedView = Pick<Doc<"pageViews">, "path" | "pageType" | "sessionId" | "timestamp">;

/** Counts one view towards its page, its session (a visitor), the site, and their time buckets. */
export async function foldPageView(ctx: MutationCtx, fold: PageViewFold, view: FoldedView): Promise<void> {
  fold.views++;
  await foldViewIntoTime(ctx, fold.time, view);
  const session = await loadSessionScopes(ctx, fold.time.sessionScopes, view.sessionId);
  if (await recordView(ctx, fold.oldVisitorRows, session, view.sessionId, view.timestamp)) fold.newVisitors++;
  let page = fold.paths.get(view.path);
  if (page === undefined) {
    const row = await ctx.db
      .query("pathStats")
      .withIndex("by_path", (q) => q.eq("path", view.path))
      .unique();
    // The first view's page type stays: a later view cannot relabel a page.
    page = { row, pageType: row?.pageType ?? view.pageType, views: 0 };
    fold.paths.set(view.path, page);
  }
  page.views++;
}

// A rough size for a bucket row read and written back: most hold a few histogram entries, none more than 256.
const BUCKET_BYTES = 1024;

/** What finishPageViewFold will still read and write: a lookup per window of time buckets, a read and write per bucket, a write per page and session row. */
export function pendingCost(fold: PageViewFold): Reserved {
  const buckets = fold.time.deltas.size;
  return {
    databaseQueries: fold.time.windows.size,
    documentsRead: buckets,
    bytesRead: buckets * BUCKET_BYTES,
    documentsWritten: buckets + fold.paths.size + fold.time.sessionScopes.size + COUNTERS.length,
    bytesWritten: buckets * BUCKET_BYTES,
  };
}

/** Writes what the batch folded: each page's views, the site's counters, and the time buckets with the sessions' rows. */
export async function finishPageViewFold(ctx: MutationCtx, fold: PageViewFold): Promise<void> {
  let newPaths = 0;
  for (const [path, { row, pageType, views }] of fold.paths) {
    if (row === null) {
      await ctx.db.insert("pathStats", { path, pageType, views });
      newPaths++;
    } else await ctx.db.patch(row._id, { views: row.views + views });
  }
  await addToCounters(ctx, { pageViews: fold.views, visitors: fold.newVisitors, paths: newPaths });
  await finishTimeFold(ctx, fold.time);
}
