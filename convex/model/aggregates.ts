import { TableAggregate } from "@convex-dev/aggregate";
import { components } from "../_generated/api";
import type { DataModel } from "../_generated/dataModel";

/**
 * Every count the dashboard shows lives in one of these B-trees, so reading it
 * costs O(log n) whatever the table size. Keys are chosen so that concurrent
 * writers land in different nodes (prds/howtoavoidwriteconflicts.md).
 */

// Keyed by [path, timestamp]: count() is all views, a [path] prefix is one page's views.
export const pageViewsByPath = new TableAggregate<{
  Key: [string, number];
  DataModel: DataModel;
  TableName: "pageViews";
}>(components.pageViewsByPath, { sortKey: (view) => [view.path, view.timestamp] });

// Keyed by the random session id, so first views of different visitors spread over the tree.
export const uniqueVisitors = new TableAggregate<{
  Key: string;
  DataModel: DataModel;
  TableName: "visitors";
}>(components.uniqueVisitors, { sortKey: (visitor) => visitor.sessionId });

// One item per pathStats row: the number of distinct pages ever viewed.
export const distinctPaths = new TableAggregate<{
  Key: string;
  DataModel: DataModel;
  TableName: "pathStats";
}>(components.distinctPaths, { sortKey: (row) => row.path });

// Keyed by [currentPath, sessionId]: a same-path heartbeat never changes its key, so never writes here.
export const activeSessions = new TableAggregate<{
  Key: [string, string];
  DataModel: DataModel;
  TableName: "activeSessions";
}>(components.activeSessions, { sortKey: (session) => [session.currentPath, session.sessionId] });

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
