import { DirectAggregate, TableAggregate } from "@convex-dev/aggregate";
import { components } from "../_generated/api";
import type { DataModel } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";

/**
 * Every count the dashboard shows lives in one of these B-trees, so reading it
 * costs O(log n) whatever the table size. Only the stats worker writes them
 * (model/worker.ts), so no visitor ever waits on another
 * (prds/howtoavoidwriteconflicts.md). Items are identified by what they count
 * (a view's row, a session id, a path), never by a derived row, so a backfill
 * can re-add whatever is missing without ever counting anything twice.
 */

// Keyed by [path, timestamp]: count() is all views, a [path] prefix is one page's views.
export const pageViewsByPath = new TableAggregate<{
  Key: [string, number];
  DataModel: DataModel;
  TableName: "pageViews";
}>(components.pageViewsByPath, { sortKey: (view) => [view.path, view.timestamp] });

// One item per session that viewed a page, key and id its session id: unique visitors.
export const visitorSessions = new DirectAggregate<{ Key: string; Id: string }>(components.visitorSessions);

// One item per path ever viewed, key and id the path: distinct pages.
export const viewedPaths = new DirectAggregate<{ Key: string; Id: string }>(components.viewedPaths);

// One item per live session keyed by [path, sessionId], id the session id: active now, and per page by prefix.
export const liveSessionsByPage = new DirectAggregate<{ Key: [string, string]; Id: string }>(components.liveSessionsByPage);

// Namespaced by `published`, so counting published rows reads one small tree.
export const postsByPublished = new TableAggregate<{
  Namespace: boolean;
  Key: string;
  DataModel: DataModel;
  TableName: "posts";
}>(components.posts, { namespace: (post) => post.published, sortKey: (post) => post.slug });

export const pagesByPublished = new TableAggregate<{
  Namespace: boolean;
  Key: string;
  DataModel: DataModel;
  TableName: "pages";
}>(components.pages, { namespace: (page) => page.published, sortKey: (page) => page.slug });

/**
 * Adds an item whose key is its id unless it is there already. Checking first
 * costs reads only; `insertIfDoesNotExist` would rewrite the leaf every time.
 */
export async function insertKeyOnce(ctx: MutationCtx, aggregate: DirectAggregate<{ Key: string; Id: string }>, key: string): Promise<void> {
  const bound = { key, id: key, inclusive: true };
  if ((await aggregate.count(ctx, { bounds: { lower: bound, upper: bound } })) === 0) {
    await aggregate.insert(ctx, { key, id: key });
  }
}
