import { vi } from "vitest";
import { components } from "../../src/component/_generated/api";
import { watchDashboard } from "../../src/component/read/dashboardWatch";
import { pingStatsWorker } from "../../src/component/record/wakeWorker";
import type { WorkerCursor } from "../../src/component/derive/worker";
import { STATS_WORKER_NAME, WATCH_RENEW_MS, WORKER_DEBOUNCE_MS } from "../../src/shared/config";
import type { TestConvex } from "./convex";
import { BATCH_WORKER_COMPONENT, COMPONENT_PATHS, STATS_SITES, type StatsCtx } from "./convexBackend";

/** The stats worker's run state: null before the first ping, else idle, running or stopped. */
export async function workerStatus(t: TestConvex) {
  return await t.runInStats((ctx) => ctx.runQuery(components.batchWorker.lib.status, { name: STATS_WORKER_NAME }));
}

/** How far the fake clock moves between looks at the worker: a fifth of its debounce. */
const STEP_MS = 100;

/** True while some scheduled function (a worker run, a cleanup or backfill chunk) is running or due within a step. */
async function workDue(t: TestConvex): Promise<boolean> {
  const horizon = Date.now() + STEP_MS;
  const runInComponent = (t as unknown as { runInComponent: <T>(path: string, body: (ctx: StatsCtx) => Promise<T>) => Promise<T> }).runInComponent;
  for (const path of COMPONENT_PATHS) {
    const due = await runInComponent(path, async (ctx) => {
      for await (const job of ctx.db.system.query("_scheduled_functions")) {
        if (job.state.kind === "inProgress" || (job.state.kind === "pending" && job.scheduledTime <= horizon)) return true;
      }
      return false;
    });
    if (due) return true;
  }
  return false;
}

/**
 * What an open, visible dashboard does (`watchDashboard`, without its access check): takes or renews each site's
 * lease, so its worker keeps the watched cadence (a lease that starts has it catch up: pending views fold within its debounce).
 */
export async function watchStats(t: TestConvex): Promise<void> {
  for (const site of STATS_SITES) await t.runInStats((ctx) => watchDashboard(ctx, Date.now()), site);
}

/**
 * Lets the stats worker fold everything appended so far, as a deployment's
 * clock would while a dashboard watches (it takes the lease first, see
 * watchStats): time moves in small steps and scheduled runs that fall due run,
 * until the worker has gone idle and nothing else is due. Returns how long that
 * took (fake time). Unlike finishAllScheduledFunctions, it never jumps to
 * far-off timers (the worker's monitor), so "active now" is read at a
 * realistic time. Needs fake timers.
 */
export async function settle(t: TestConvex, maxMs = 120_000): Promise<number> {
  await wakeForWaitingBeats(t);
  for (let waited = 0; waited <= maxMs; waited += STEP_MS) {
    // Renewed as the dashboard does, so a long wait (a backfill) keeps the watched cadence.
    if (waited % WATCH_RENEW_MS === 0) await watchStats(t);
    await t.finishInProgressScheduledFunctions();
    if ((await workerStatus(t))?.kind !== "running" && !(await workDue(t))) return waited;
    vi.advanceTimersByTime(STEP_MS);
  }
  throw new Error(`the stats worker was still running after ${maxMs} ms`);
}

/**
 * A beat that only extends its visit wakes no one (record/visits.ts beatVisit): the worker's next batch folds it (a
 * view's, the first live session's timeout, the cron's). Settling is that next batch: a worker idle with such a beat
 * waiting is pinged, as the first of those would.
 */
async function wakeForWaitingBeats(t: TestConvex): Promise<void> {
  for (const site of STATS_SITES) {
    await t.runInStats(async (ctx) => {
      const cursor = (await ctx.runQuery(components.batchWorker.lib.getCursor, { name: STATS_WORKER_NAME })) as WorkerCursor | null;
      const waiting = await ctx.db
        .query("visits")
        .withIndex("by_committedAt", (q) => q.gt("committedAt", cursor?.visits ?? -1n))
        .first();
      if (waiting !== null) await pingStatsWorker(ctx);
    }, site);
  }
}

/** What tests/support/committedDocuments.ts adds to a convex-test backend. */
type WithDocuments = { committedDocuments(): Record<string, Record<string, { name?: string; state?: { kind: string } }>> };

/** The worker loop's runs by outcome, e.g. `{ success: 12 }` (they live in the component's own scheduler). */
export function workerRunsByState(t: TestConvex): Record<string, number> {
  const documents = (t as unknown as WithDocuments).committedDocuments()[BATCH_WORKER_COMPONENT] ?? {};
  const runs: Record<string, number> = {};
  for (const [id, job] of Object.entries(documents)) {
    if (!id.endsWith("_scheduled_functions") || !job.name?.includes("loop") || job.state === undefined) continue;
    runs[job.state.kind] = (runs[job.state.kind] ?? 0) + 1;
  }
  return runs;
}

/** How many times the worker's loop ran to completion. */
export function workerRuns(t: TestConvex): number {
  return workerRunsByState(t).success ?? 0;
}

/** Lets the clock run one worker debounce, so the worker takes its next batch (if one is due). */
export async function nextWorkerBatch(t: TestConvex): Promise<void> {
  vi.advanceTimersByTime(WORKER_DEBOUNCE_MS);
  await t.finishInProgressScheduledFunctions();
}
