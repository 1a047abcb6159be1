import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { DEDUP_WINDOW_MS, type PageType } from "./config";
import { distinctPaths, pageViewsByPath, uniqueVisitors } from "./aggregates";

export type PageViewInput = { path: string; pageType: PageType; sessionId: string };
export type RecordResult = { recorded: boolean; newVisitor: boolean };

/**
 * Records one view unless this session viewed this path within the dedup
 * window. Everything derived from the view is updated in this transaction.
 */
export async function recordPageView(ctx: MutationCtx, input: PageViewInput, now: number): Promise<RecordResult> {
  const recent = await ctx.db
    .query("pageViews")
    .withIndex("by_session_path_timestamp", (q) =>
      q.eq("sessionId", input.sessionId).eq("path", input.path).gt("timestamp", now - DEDUP_WINDOW_MS),
    )
    .first();
  if (recent !== null) return { recorded: false, newVisitor: false };

  const id = await ctx.db.insert("pageViews", { ...input, timestamp: now });
  const view = (await ctx.db.get(id))!;
  const newVisitor = await countView(ctx, view, { idempotent: false });
  const stats = await getPathStats(ctx, view.path);
  // The row's count equals the aggregate's before this insert, so +1 is exact and skips a range count.
  await setPathViews(ctx, view.path, view.pageType, stats ? stats.views + 1 : await countPathViews(ctx, view.path), stats);
  return { recorded: true, newVisitor };
}

/**
 * Adds a view to the aggregates and makes its session a visitor. The live path
 * inserts a brand-new row; the backfill uses the idempotent form, so a view
 * that is already counted is never counted twice.
 */
export async function countView(ctx: MutationCtx, view: Doc<"pageViews">, opts: { idempotent: boolean }): Promise<boolean> {
  if (opts.idempotent) await pageViewsByPath.insertIfDoesNotExist(ctx, view);
  else await pageViewsByPath.insert(ctx, view);
  return await ensureVisitor(ctx, view.sessionId, view.timestamp);
}

/** Makes the session a unique visitor once; true if this call created it. */
async function ensureVisitor(ctx: MutationCtx, sessionId: string, timestamp: number): Promise<boolean> {
  const visitor = await ctx.db
    .query("visitors")
    .withIndex("by_sessionId", (q) => q.eq("sessionId", sessionId))
    .unique();
  if (visitor !== null) {
    // A backfill can meet a session's views out of time order; keep the earliest.
    if (timestamp < visitor.firstSeen) await ctx.db.patch(visitor._id, { firstSeen: timestamp });
    return false;
  }
  const id = await ctx.db.insert("visitors", { sessionId, firstSeen: timestamp });
  await uniqueVisitors.insert(ctx, (await ctx.db.get(id))!);
  return true;
}

/** Exact all-time views of one path, from the aggregate (O(log n)). */
export async function countPathViews(ctx: MutationCtx, path: string): Promise<number> {
  return await pageViewsByPath.count(ctx, { bounds: { prefix: [path] } });
}

async function getPathStats(ctx: MutationCtx, path: string) {
  return await ctx.db
    .query("pathStats")
    .withIndex("by_path", (q) => q.eq("path", path))
    .unique();
}

/** Writes a path's view count (and latest page type), creating its row on first sight. */
export async function setPathViews(
  ctx: MutationCtx,
  path: string,
  pageType: string,
  views: number,
  existing?: Doc<"pathStats"> | null,
): Promise<void> {
  const row = existing === undefined ? await getPathStats(ctx, path) : existing;
  if (row === null) {
    const id = await ctx.db.insert("pathStats", { path, pageType, views });
    await distinctPaths.insert(ctx, (await ctx.db.get(id))!);
  } else if (row.views !== views || row.pageType !== pageType) {
    await ctx.db.patch(row._id, { views, pageType });
  }
}
