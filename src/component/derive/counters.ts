import type { MutationCtx, QueryCtx } from "../_generated/server.js";

/**
 * Whole-site figures as single counter documents, one per name. Only the stats
 * worker writes them, once per batch, so no visitor ever waits on one; a query
 * reads one document per figure, and each figure is its own document so that
 * a heartbeat's fold never re-runs a page-view query.
 */
// `sessionNumbers`: how many sessions were given a number (derive/visitScopes.ts), so the next one is new.
export const COUNTERS = ["pageViews", "visitors", "paths", "liveSessions", "sessionNumbers"] as const;
export type CounterName = (typeof COUNTERS)[number];
export type CounterDeltas = Partial<Record<CounterName, number>>;

export async function readCounter(ctx: QueryCtx, name: CounterName): Promise<number> {
  const row = await ctx.db
    .query("counters")
    .withIndex("by_name", (q) => q.eq("name", name))
    .unique();
  return row?.value ?? 0;
}

/**
 * A count after a fold, never below 0. Going below would mean a fold was
 * written out of order (a bug): it is logged and the count stays at 0, since
 * a throw would wedge the single worker and stop every figure with it.
 */
export function countAtLeastZero(what: string, count: number): number {
  if (count >= 0) return count;
  console.error(`[invariant] ${what} would go below 0 (to ${count}); kept at 0: a backfill recounts it`);
  return 0;
}

/** Adds each non-zero delta to its counter (the worker's fold calls this once per batch). */
export async function addToCounters(ctx: MutationCtx, deltas: CounterDeltas): Promise<void> {
  for (const [name, delta] of Object.entries(deltas) as [CounterName, number][]) {
    if (delta === 0) continue;
    const row = await ctx.db
      .query("counters")
      .withIndex("by_name", (q) => q.eq("name", name))
      .unique();
    const value = countAtLeastZero(`the ${name} counter`, (row?.value ?? 0) + delta);
    if (row === null) await ctx.db.insert("counters", { name, value });
    else await ctx.db.patch(row._id, { value });
  }
}
