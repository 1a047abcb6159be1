import { vi } from "vitest";
import type { TestConvex } from "./convex";
import { COMPONENT_PATHS, type StatsCtx } from "./convexBackend";

/**
 * Runs exactly the scheduled functions due now (e.g. one backfill chunk);
 * whatever they schedule stays pending. Needs `vi.useFakeTimers()`.
 */
export async function runDueFunctions(t: TestConvex): Promise<void> {
  vi.runOnlyPendingTimers();
  await t.finishInProgressScheduledFunctions();
}

/**
 * How many scheduled functions ran per name and outcome, in the app and in every component (each
 * component has its own scheduler), named by component path and function, e.g.
 * `{ "liveStats/operate:cleanupStaleSessions": { success: 12 } }` (the app's without a prefix).
 */
export async function scheduledRuns(t: TestConvex): Promise<Record<string, Record<string, number>>> {
  const runInComponent = (t as unknown as { runInComponent: <T>(path: string, body: (ctx: StatsCtx) => Promise<T>) => Promise<T> }).runInComponent;
  const runs: Record<string, Record<string, number>> = {};
  for (const path of COMPONENT_PATHS) {
    const count = async (ctx: { db: Pick<StatsCtx["db"], "system"> }) => {
      for await (const job of ctx.db.system.query("_scheduled_functions")) {
        const byState = (runs[path === "" ? job.name : `${path}/${job.name}`] ??= {});
        byState[job.state.kind] = (byState[job.state.kind] ?? 0) + 1;
      }
    };
    if (path === "") await t.run(count);
    else await runInComponent(path, count);
  }
  return runs;
}

/** The scheduled functions still pending, in the app and in every component, as `scheduledRuns` names them. */
export async function pendingFunctions(t: TestConvex): Promise<string[]> {
  return Object.entries(await scheduledRuns(t)).flatMap(([name, byState]) => Array.from({ length: byState.pending ?? 0 }, () => name));
}
