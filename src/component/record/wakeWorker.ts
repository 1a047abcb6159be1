import { ping } from "@convex-dev/batch-worker";
import { components, internal } from "../_generated/api.js";
import type { MutationCtx } from "../_generated/server.js";
import { STATS_WORKER_NAME, WORKER_DEBOUNCE_MS } from "../../shared/config.js";

/** Makes sure the stats worker runs. While it does, this only reads its (rarely written) worker document. */
export async function pingStatsWorker(ctx: MutationCtx): Promise<void> {
  await ping(ctx, components.batchWorker, {
    name: STATS_WORKER_NAME,
    workQuery: internal.worker.nextBatch,
    workerMutation: internal.worker.foldBatch,
    config: { debounceMs: WORKER_DEBOUNCE_MS },
  });
}
