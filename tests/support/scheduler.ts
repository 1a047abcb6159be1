import { vi } from "vitest";
import type { Crons } from "convex/server";
import statsCrons from "../../src/component/crons";
import { intervalCrons, type IntervalCron } from "../../tools/local-convex/crons";
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

/** When the next scheduled function is due, in the app or any component; Infinity when none is pending. */
async function nextDueAt(t: TestConvex): Promise<number> {
  const runInComponent = (t as unknown as { runInComponent: <T>(path: string, body: (ctx: StatsCtx) => Promise<T>) => Promise<T> }).runInComponent;
  let next = Infinity;
  for (const path of COMPONENT_PATHS) {
    const earliest = async (ctx: { db: Pick<StatsCtx["db"], "system"> }) => {
      let soonest = Infinity;
      for await (const job of ctx.db.system.query("_scheduled_functions")) if (job.state.kind === "pending") soonest = Math.min(soonest, job.scheduledTime);
      return soonest;
    };
    next = Math.min(next, path === "" ? await t.run(earliest) : await runInComponent(path, earliest));
  }
  return next;
}

/**
 * Moves the fake clock to `time` as a deployment's scheduler would: the clock stops at each scheduled
 * function's due time and lets it finish, so what it schedules runs at its own time, not at the end of a
 * long jump. Reads every job at each stop, so it suits hours with few jobs (an idle site), not busy
 * traffic. Needs fake timers.
 */
export async function runScheduledUntil(t: TestConvex, time: number): Promise<void> {
  for (;;) {
    await t.finishInProgressScheduledFunctions();
    const next = await nextDueAt(t);
    if (next > time) break;
    vi.advanceTimersByTime(Math.max(0, next - Date.now()));
  }
  vi.advanceTimersByTime(Math.max(0, time - Date.now()));
  await t.finishInProgressScheduledFunctions();
}

/** Scheduled functions that ran (succeeded or failed), summed over every name in a `scheduledRuns` tally. */
export function ranCount(runs: Record<string, Record<string, number>>): number {
  return Object.values(runs).reduce((sum, byState) => sum + (byState.success ?? 0) + (byState.failed ?? 0), 0);
}

/** A site's cron jobs, as its stats component's crons.ts defines them (their periods included). */
export const siteCronJobs = (site: string): IntervalCron[] => intervalCrons(statsCrons as Crons, site);

/** Runs a cron job once, now, as Convex's cron scheduler does: its function itself, at the top level, in its component. */
export async function runCronJob(t: TestConvex, cron: IntervalCron): Promise<void> {
  const byPath = t as unknown as { mutationFromPath(path: { componentPath: string; udfPath: string }, args: unknown): Promise<unknown> };
  await byPath.mutationFromPath({ componentPath: cron.componentPath, udfPath: cron.udfPath }, cron.args);
}
