import { v, type Infer } from "convex/values";
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { CLEANUP_PAGE_SIZE, CLEANUP_RECORD_INTERVAL_MS, SESSION_TIMEOUT_MS } from "../../shared/config.js";
import { hasChunkBudget } from "../derive/budget.js";
import { isRollupDue } from "../derive/rollup.js";
import { hasVisitToSettle } from "../derive/settleVisits.js";
import { hasLiveSessionPastTimeout } from "../derive/foldSessions.js";
import { deleteEndedSalts } from "../record/dailyVisitors.js";
import { pingStatsWorker } from "../record/wakeWorker.js";
import { pruneOldRows } from "./retention.js";

// `deleted`: idle sessions' rows; `pruned`: raw rows past their retention; `more`: either has more to do now.
export const vCleanupResult = v.object({ deleted: v.number(), pruned: v.number(), more: v.boolean() });
export type CleanupResult = Infer<typeof vCleanupResult>;

/**
 * The cleanup cron: deletes visitors' session rows idle past the timeout (as
 * many as one transaction's budget allows), and wakes the worker when visits
 * have ended (so it settles them: on a quiet site nothing else would wake it)
 * or when a live session is past the timeout, or old detail is due to be
 * rolled up (derive/rollup.ts: once a day). While a dashboard watches, the
 * worker wakes itself for timed-out sessions and ended visits (derive/worker.ts);
 * while none does it sets no timer, and this is the backstop that takes an idle
 * site's timed-out sessions off "active now" (within a cron period, the
 * unwatched cadence). A deleted session's page-change limit goes with its row
 * (refilled by now). It records that
 * it ran, for the health check: on an idle site it reads seven empty index
 * ranges (one of them ended days' visitor salts: record/dailyVisitors.ts, deleted) and its record, and writes only
 * that record, once a run. Then, with
 * what its budget left, it deletes raw rows past their retention
 * (operate/retention.ts; `pruned`), one more empty range without the setting.
 */
export async function cleanupStaleSessions(ctx: MutationCtx, now: number): Promise<CleanupResult> {
  await recordCleanupRun(ctx, now);
  const idleSince = now - SESSION_TIMEOUT_MS;
  const stale = await ctx.db
    .query("activeSessions")
    .withIndex("by_lastSeen", (q) => q.lt("lastSeen", idleSince))
    .take(CLEANUP_PAGE_SIZE);
  let deleted = 0;
  for (const session of stale) {
    if (!(await hasChunkBudget(ctx))) break;
    await ctx.db.delete(session._id);
    deleted++;
  }
  if ((await hasLiveSessionPastTimeout(ctx, now)) || (await hasVisitToSettle(ctx, now)) || (await isRollupDue(ctx, now))) await pingStatsWorker(ctx);
  await deleteEndedSalts(ctx, now);
  const pruned = await pruneOldRows(ctx, now);
  return { deleted, pruned: pruned.deleted, more: deleted < stale.length || stale.length === CLEANUP_PAGE_SIZE || pruned.more };
}

export async function getCleanupStatus(ctx: QueryCtx): Promise<Doc<"cleanupStatus"> | null> {
  return await ctx.db.query("cleanupStatus").first();
}

/** Notes that the cron ran, unless it was noted less than CLEANUP_RECORD_INTERVAL_MS ago (by this run's previous chunk, or a manual run). */
async function recordCleanupRun(ctx: MutationCtx, now: number): Promise<void> {
  const status = await getCleanupStatus(ctx);
  if (status === null) await ctx.db.insert("cleanupStatus", { lastRunAt: now });
  else if (now - status.lastRunAt >= CLEANUP_RECORD_INTERVAL_MS) await ctx.db.patch(status._id, { lastRunAt: now });
}
