import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { WATCH_LEASE_MS } from "../../shared/config.js";
import { catchUpStatsWorker } from "../record/wakeWorker.js";

/**
 * Whether someone watches the figures: a lease that open, visible dashboards
 * renew (watchDashboard) and only the stats worker reads, to choose its
 * cadence (derive/worker.ts): 1.5 s while watched, the cleanup
 * cron's period while not. Visitors' calls never read it.
 */

/** The lease, if a dashboard ever took one: valid `until`. */
export async function getDashboardWatch(ctx: QueryCtx): Promise<Doc<"dashboardWatch"> | null> {
  return await ctx.db.query("dashboardWatch").first();
}

/** Whether a dashboard's lease holds at `now`. */
export function isWatched(watch: Doc<"dashboardWatch"> | null, now: number): boolean {
  return watch !== null && watch.until > now;
}

/**
 * Takes or renews the lease, writing it at most once per half-lease (renewals in between read one
 * document). A lease that starts has the worker catch up when something waits for it, so views it has
 * not folded yet and sessions past the timeout show within its debounce instead of at its unwatched cadence.
 */
export async function watchDashboard(ctx: MutationCtx, now: number): Promise<void> {
  const watch = await getDashboardWatch(ctx);
  const until = now + WATCH_LEASE_MS;
  if (watch !== null && isWatched(watch, now)) {
    if (watch.until - now <= WATCH_LEASE_MS / 2) await ctx.db.patch(watch._id, { until });
    return;
  }
  if (watch === null) await ctx.db.insert("dashboardWatch", { until });
  else await ctx.db.patch(watch._id, { until });
  await catchUpStatsWorker(ctx, now);
}
