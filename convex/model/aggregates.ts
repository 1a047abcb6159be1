import { TableAggregate } from "@convex-dev/aggregate";
import { components } from "../_generated/api";
import type { DataModel } from "../_generated/dataModel";

/**
 * Published counts, kept in B-trees by the content sync so counting them costs
 * O(log n). (Stats figures are counters and indexed rows that only the stats
 * worker writes: component/derive/counters.ts, component/derive/foldPageViews.ts, component/derive/foldSessions.ts.)
 */

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
