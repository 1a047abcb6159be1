import type { QueryCtx } from "../_generated/server.js";
import { ACTIVE_PATHS_LIMIT } from "../../shared/config.js";
import { readCounter } from "../derive/counters.js";

export type ActivePath = { path: string; title: string; count: number };
export type ActiveVisitors = { activeVisitors: number; activeByPath: ActivePath[] };

/**
 * Who is here now, as the worker last folded it: the live-session counter and
 * the busiest pages by a maintained order. Reads one counter and at most
 * `limit` (ACTIVE_PATHS_LIMIT) rows of capped size, whatever visitors send.
 */
export async function getActiveVisitors(ctx: QueryCtx, limit = ACTIVE_PATHS_LIMIT): Promise<ActiveVisitors> {
  const [activeVisitors, busiest] = await Promise.all([
    readCounter(ctx, "liveSessions"),
    ctx.db.query("activePages").withIndex("by_visitors").order("desc").take(limit),
  ]);
  const activeByPath = busiest
    .map(({ path, visitors }) => ({ path, title: path, count: visitors }))
    .sort((a, b) => b.count - a.count || a.path.localeCompare(b.path));
  return { activeVisitors, activeByPath };
}
