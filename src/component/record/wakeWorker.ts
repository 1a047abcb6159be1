import { ping, type WorkerStatus } from "@convex-dev/batch-worker";
import { components, internal } from "../_generated/api.js";
import type { MutationCtx } from "../_generated/server.js";
import { STATS_WORKER_NAME, WORKER_WAKE_MS } from "../../shared/config.js";
import { hasLiveSessionPastTimeout } from "../derive/foldSessions.js";

/** Makes sure the stats worker runs. While it does (or waits out a debounce), this only reads its (rarely written) worker document. */
export async function pingStatsWorker(ctx: MutationCtx): Promise<void> {
  await ping(ctx, components.batchWorker, {
    name: STATS_WORKER_NAME,
    workQuery: internal.worker.nextBatch,
    workerMutation: internal.worker.foldBatch,
    config: { debounceMs: WORKER_WAKE_MS },
  });
}

/** The stats worker's run state: null before its first ping. */
export async function statsWorkerStatus(ctx: MutationCtx): Promise<WorkerStatus | null> {
  return await ctx.runQuery(components.batchWorker.lib.status, { name: STATS_WORKER_NAME });
}

/**
 * Has the stats worker (not stopped: `status`) take its next batch at once rather than at the end of
 * its current wait: one waiting out a debounce (the unwatched one is long; a ping meanwhile does nothing) is
 * restarted, batch-worker's stop and start in one transaction (its `kick` would keep the long wait's cooldown
 * window, and a worker with nothing to fold would poll until it ends); an idle one is pinged.
 */
export async function hurryStatsWorker(ctx: MutationCtx, status: WorkerStatus | null): Promise<void> {
  if (status?.kind !== "running") return await pingStatsWorker(ctx);
  await ctx.runMutation(components.batchWorker.lib.stop, { name: STATS_WORKER_NAME });
  await ctx.runMutation(components.batchWorker.lib.start, { name: STATS_WORKER_NAME });
}

/**
 * For a dashboard that starts watching: hurries the stats worker when something waits for it, that is while it
 * waits out a debounce, or while it is idle with a live session past the timeout (unwatched, it set no timer).
 * A worker an operator stopped stays stopped, and one never run has nothing to fold.
 */
export async function catchUpStatsWorker(ctx: MutationCtx, now: number): Promise<void> {
  const status = await statsWorkerStatus(ctx);
  if (status?.kind === "running" || (status?.kind === "idle" && (await hasLiveSessionPastTimeout(ctx, now)))) await hurryStatsWorker(ctx, status);
}
