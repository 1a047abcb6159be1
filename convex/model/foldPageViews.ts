import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { insertKeyOnce, pageViewsByPath, viewedPaths, visitorSessions } from "./aggregates";

/**
 * The derivation of every page-view figure from `pageViews` rows, run by the
 * live worker over new rows and by the backfill over old ones. Each step is
 * idempotent and keyed by what it counts, so folding a row twice, or after
 * derived data was lost, leaves every figure exact.
 */

/** What a fold has met so far, so per-session and per-path work runs once per batch. */
export type PageViewFold = { firstSeen: Map<string, number>; firstPageType: Map<string, string> };

export function startPageViewFold(): PageViewFold {
  return { firstSeen: new Map(), firstPageType: new Map() };
}

/** Counts one view, makes its session a visitor and its path a viewed page. */
export async function foldPageView(ctx: MutationCtx, fold: PageViewFold, view: Doc<"pageViews">): Promise<void> {
  await pageViewsByPath.insertIfDoesNotExist(ctx, view);
  const seen = fold.firstSeen.get(view.sessionId);
  if (seen === undefined || view.timestamp < seen) {
    fold.firstSeen.set(view.sessionId, view.timestamp);
    await ensureVisitor(ctx, view.sessionId, view.timestamp);
  }
  if (!fold.firstPageType.has(view.path)) {
    fold.firstPageType.set(view.path, view.pageType);
    await insertKeyOnce(ctx, viewedPaths, view.path);
  }
}

/**
 * Sets each path the fold met to its exact view count, read from the
 * aggregate. A recount rather than +1, so a repeated or partial fold heals.
 * It costs less than the rows that touched the paths, so it always fits.
 */
export async function finishPageViewFold(ctx: MutationCtx, fold: PageViewFold): Promise<void> {
  const paths = [...fold.firstPageType.keys()];
  const counts = await pageViewsByPath.countBatch(
    ctx,
    paths.map((path) => ({ bounds: { prefix: [path] as [string] } })),
  );
  for (const [i, path] of paths.entries()) {
    const row = await ctx.db
      .query("pathStats")
      .withIndex("by_path", (q) => q.eq("path", path))
      .unique();
    // The first view's page type stays: a later view cannot relabel a page.
    if (row === null) await ctx.db.insert("pathStats", { path, pageType: fold.firstPageType.get(path)!, views: counts[i] });
    else if (row.views !== counts[i]) await ctx.db.patch(row._id, { views: counts[i] });
  }
}

/** Makes the session a unique visitor once, keeping its earliest view as `firstSeen`. */
async function ensureVisitor(ctx: MutationCtx, sessionId: string, timestamp: number): Promise<void> {
  const visitor = await ctx.db
    .query("visitors")
    .withIndex("by_sessionId", (q) => q.eq("sessionId", sessionId))
    .unique();
  if (visitor === null) await ctx.db.insert("visitors", { sessionId, firstSeen: timestamp });
  else if (timestamp < visitor.firstSeen) await ctx.db.patch(visitor._id, { firstSeen: timestamp });
  await insertKeyOnce(ctx, visitorSessions, sessionId);
}
