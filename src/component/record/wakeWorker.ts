import { ping } from "@convex-dev/batch-worker";
import { components, internal } from "../_generated/api.js";
import type { MutationCtx } from "../_generated/server.js";
import { STATS_WORKER_NAME, WORKER_DEBOUNCE_MS } from "../../shared/config.js";
import { hasLiveSessionPastTimeout } from "../derive/foldSessions.js";

/** Makes sure the stats worker runs. While it does (or waits out a debounce), this only reads its (rarely written) worker document. */
export async function pingStatsWorker(ctx: MutationCtx): Promise<void> {
  await ping(ctx, components.batchWorker, {
    name: STATS_WORKER_NAME,
    workQuery: internal.worker.nextBatch,
    workerMutation: internal.worker.foldBatch,
    config: { debounceMs: WORKER_DEBOUNCE_MS },
  });
}

/**
 * Has the stats worker take its next batch within its debounce when something waits for it, rather than at the end
 * of its current wait: a worker waiting out a debounce (the unwatched one is long; a ping meanwhile does nothing)
 * is restarted, batch-worker's stop and start in one transaction (its `kick` would keep the long wait's cooldown
 * window, and a worker with nothing to fold would poll until it ends); an idle one is pinged while a live session
 * is past the timeout (unwatched, it set no timer). A worker an operator stopped stays stopped.
 */
export async function catchUpStatsWorker(ctx: MutationCtx, now: number): Promise<void> {
  const status = await ctx.runQuery(components.batchWorker.lib.status, { name: STATS_WORKER_NAME });
  if (status?.kind === "running") {
    await ctx.runMutation(components.batchWorker.lib.stop, { name: STATS_WORKER_NAME });
    await ctx.runMutation(components.batchWorker.lib.start, { name: STATS_WORKER_NAME });
  } else if (status?.kind === "idle" && (await hasLiveSessionPastTimeout(ctx, now))) await pingStatsWorker(ctx);
}
