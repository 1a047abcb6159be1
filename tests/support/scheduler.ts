import { vi } from "vitest";
import type { TestConvex } from "./convex";

/**
 * Runs exactly the scheduled functions due now (e.g. one backfill chunk);
 * whatever they schedule stays pending. Needs `vi.useFakeTimers()`.
 */
export async function runDueFunctions(t: TestConvex): Promise<void> {
  vi.runOnlyPendingTimers();
  await t.finishInProgressScheduledFunctions();
}

/** How many scheduled functions ran per name and outcome, e.g. `{ "stats:cleanupStaleSessions": { success: 12 } }`. */
export async function scheduledRuns(t: TestConvex): Promise<Record<string, Record<string, number>>> {
  return await t.run(async (ctx) => {
    const runs: Record<string, Record<string, number>> = {};
    for await (const job of ctx.db.system.query("_scheduled_functions")) {
      const byState = (runs[job.name] ??= {});
      byState[job.state.kind] = (byState[job.state.kind] ?? 0) + 1;
    }
    return runs;
  });
}
