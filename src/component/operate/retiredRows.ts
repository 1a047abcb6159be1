import { ConvexError } from "convex/values";
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";

/**
 * What raw retention (operate/retention.ts) has deleted that derived data still
 * counts (prds/retention.md): the views, visits and custom events, the oldest row's time,
 * and each page's views for the admin recount. A backfill rebuilds derived
 * data from the raw rows alone, so it would drop them: it asks first, and its
 * reset forgets them (derived data then counts only what is left).
 */

export type RawRetention = Doc<"rawRetention">;
export type Retired = NonNullable<RawRetention["retired"]>;

/** What a backfill throws when it would drop figures of rows raw retention deleted, unless the caller accepts it. */
export type RetentionLoss = { code: "RETENTION_LOSS"; views: number; visits: number; events: number; since: number; message: string };

export async function getRawRetention(ctx: QueryCtx): Promise<RawRetention | null> {
  return await ctx.db.query("rawRetention").first();
}

/** Views of `path` that raw retention deleted since derived data was last rebuilt. */
export async function retiredViewsOf(ctx: QueryCtx, path: string): Promise<number> {
  const row = await ctx.db
    .query("retiredViews")
    .withIndex("by_path", (q) => q.eq("path", path))
    .unique();
  return row?.views ?? 0;
}

/** What one retention step deleted: views, visits and events, the oldest row's time, and views by page. */
export class Deletions {
  views = 0;
  visits = 0;
  events = 0;
  since = Infinity;
  readonly viewsByPath = new Map<string, number>();

  view(view: Pick<Doc<"pageViews">, "path" | "timestamp">): void {
    this.views++;
    this.since = Math.min(this.since, view.timestamp);
    this.viewsByPath.set(view.path, (this.viewsByPath.get(view.path) ?? 0) + 1);
  }

  visit(visit: Pick<Doc<"visits">, "start">): void {
    this.visits++;
    this.since = Math.min(this.since, visit.start);
  }

  event(event: Pick<Doc<"customEvents">, "timestamp">): void {
    this.events++;
    this.since = Math.min(this.since, event.timestamp);
  }

  /** The documents `record` will read and write: each page's tally and the status row. */
  cost() {
    const documents = this.viewsByPath.size + 1;
    return { documentsRead: documents, documentsWritten: documents, databaseQueries: documents };
  }
}

/** Adds a step's deletions to the record; raw rows older than `cutoff` may now be gone. */
export async function recordDeletions(ctx: MutationCtx, deletions: Deletions, cutoff: number): Promise<void> {
  if (deletions.views + deletions.visits + deletions.events === 0) return;
  for (const [path, views] of deletions.viewsByPath) {
    const row = await ctx.db
      .query("retiredViews")
      .withIndex("by_path", (q) => q.eq("path", path))
      .unique();
    if (row === null) await ctx.db.insert("retiredViews", { path, views });
    else await ctx.db.patch(row._id, { views: row.views + views });
  }
  const status = await getRawRetention(ctx);
  const before = status?.retired ?? { views: 0, visits: 0, since: Infinity };
  const retired = {
    views: before.views + deletions.views,
    visits: before.visits + deletions.visits,
    events: (before.events ?? 0) + deletions.events,
    since: Math.min(before.since, deletions.since),
  };
  const deletedBefore = Math.max(status?.deletedBefore ?? cutoff, cutoff);
  if (status === null) await ctx.db.insert("rawRetention", { deletedBefore, retired });
  else await ctx.db.patch(status._id, { deletedBefore, retired });
}

/** A backfill's reset emptied derived data: from now on it counts only the raw rows left (retiredViews is emptied with the derived tables). */
export async function forgetRetired(ctx: MutationCtx): Promise<void> {
  const status = await getRawRetention(ctx);
  if (status?.retired !== undefined) await ctx.db.patch(status._id, { retired: undefined });
}

/**
 * Throws RETENTION_LOSS unless a rebuild from the raw rows loses nothing, or
 * the caller accepted that it does: derived data counts rows raw retention
 * deleted, and a backfill would drop them.
 */
export async function assertRebuildLosesNothing(ctx: QueryCtx, acceptRetentionLoss: boolean): Promise<void> {
  const status = await getRawRetention(ctx);
  if (status?.retired === undefined || acceptRetentionLoss) return;
  const { views, visits, since } = status.retired;
  const events = status.retired.events ?? 0;
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  throw new ConvexError<RetentionLoss>({
    code: "RETENTION_LOSS",
    views,
    visits,
    events,
    since,
    message:
      `Raw retention (STATS_RAW_RETENTION_DAYS) has deleted ${views.toLocaleString("en-US")} views, ${visits.toLocaleString("en-US")} visits and ${events.toLocaleString("en-US")} custom events ` +
      `recorded from ${day(since)} to before ${day(status.deletedBefore)}, which the figures still count. A backfill rebuilds every figure ` +
      `from the raw rows left, so it would drop them: totals, charts and breakdowns would start at the oldest row kept. ` +
      `To rebuild anyway, run it again with {"acceptRetentionLoss": true}.`,
  });
}
