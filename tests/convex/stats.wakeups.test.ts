import { describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { SESSION_TIMEOUT_MS } from "../../src/shared/config";
import { heartbeat, viewPage } from "../support/calls";
import { advanceTo, DAY, SECOND, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { BATCH_WORKER_COMPONENT, STATS_COMPONENT } from "../support/convexBackend";
import { expectExactFigures, recountActiveNow } from "../support/recount";
import { pendingFunctions, ranCount, runCronJob, runScheduledUntil, scheduledRuns, siteCronJobs } from "../support/scheduler";
import { pathName } from "../support/seed";
import { settle, workerStatus } from "../support/worker";

/**
 * Issue 19: an idle site costs at most 300 function calls a day, and "active now" needs no cron to stay exact:
 * the stats worker, idle with live sessions, sleeps until the first of them times out (derive/worker.ts), and the
 * cleanup cron (crons.ts, every CLEANUP_INTERVAL_SECONDS) only removes idle sessions' rows.
 */

useFakeClock(T0);

const IDLE_DAY_BUDGET = 300;
const activeVisitors = async (t: TestConvex) => (await t.query(api.stats.getActiveVisitors, {})).activeVisitors;

/** A loop run the sleeping worker's own timer started: scheduled more than batch-worker's running threshold (1 s) ahead (a ping's run is a debounce ahead). */
type Job = { name: string; scheduledTime: number; _creationTime: number; state: { kind: string } };
const isTimedWakeUp = (job: Job) => job.name.includes("loop") && job.state.kind === "success" && job.scheduledTime - job._creationTime > SECOND;

async function batchWorkerJobs(t: TestConvex): Promise<Job[]> {
  const runInComponent = (t as unknown as { runInComponent: <T>(path: string, body: (ctx: { db: { system: { query(table: "_scheduled_functions"): AsyncIterable<Job> } } }) => Promise<T>) => Promise<T> }).runInComponent;
  return await runInComponent(BATCH_WORKER_COMPONENT, async (ctx) => {
    const jobs: Job[] = [];
    for await (const job of ctx.db.system.query("_scheduled_functions")) jobs.push(job);
    return jobs;
  });
}

describe("an idle site", () => {
  const [cron] = siteCronJobs(STATS_COMPONENT);

  /** A day from `from`: the cron at its own cadence (as crons.ts defines it), every scheduled function at its due time. */
  async function simulateDay(t: TestConvex, from: number): Promise<{ cronRuns: number; scheduledRuns: number }> {
    const ranBefore = ranCount(await scheduledRuns(t));
    let cronRuns = 0;
    for (let at = from + cron.everyMs; at <= from + DAY; at += cron.everyMs) {
      await runScheduledUntil(t, at);
      await runCronJob(t, cron);
      cronRuns++;
    }
    await runScheduledUntil(t, from + DAY);
    return { cronRuns, scheduledRuns: ranCount(await scheduledRuns(t)) - ranBefore };
  }

  test(`costs at most ${IDLE_DAY_BUDGET} function calls a day, from the moment its last visitor closes the tab`, async () => {
    const t = createTestConvex();
    // The last visitor reads two pages for a minute and a half, heartbeating as the tracker does, then leaves.
    await viewPage(t, 1, "/a");
    await heartbeat(t, 1, "/a");
    advanceTo(T0 + 30 * SECOND);
    await heartbeat(t, 1, "/a");
    advanceTo(T0 + 45 * SECOND);
    await viewPage(t, 1, "/b");
    await heartbeat(t, 1, "/b");
    advanceTo(T0 + 75 * SECOND);
    await heartbeat(t, 1, "/b");
    await settle(t);
    expect(await activeVisitors(t)).toBe(1);

    // The day the site goes quiet: the session times out, the visit ends and is settled, the cron runs.
    const quietDay = await simulateDay(t, T0 + 75 * SECOND);
    console.log(`the day an idle site's last visitor left: ${quietDay.cronRuns} cron runs (every ${cron.everyMs / SECOND} s) + ${quietDay.scheduledRuns} scheduled runs`);
    expect(quietDay.cronRuns + quietDay.scheduledRuns).toBeLessThanOrEqual(IDLE_DAY_BUDGET);
    expect(await activeVisitors(t)).toBe(0);
    await expectExactFigures(t);

    // A whole day with nobody: the cron's runs and nothing else; no wake-up stays scheduled.
    const idleDay = await simulateDay(t, Date.now());
    expect(idleDay).toEqual({ cronRuns: DAY / cron.everyMs, scheduledRuns: 0 });
    expect(idleDay.cronRuns).toBeLessThanOrEqual(IDLE_DAY_BUDGET);
    expect(await workerStatus(t)).toEqual({ kind: "idle" });
    expect(await pendingFunctions(t)).toEqual([]);
  }, 120_000);
});

describe("active now without the cron, under steady traffic", () => {
  // A visitor arrives every 15 s and reads three pages 40 s apart, heartbeating with each view and 30 s after it, then
  // closes the tab: each visit's session times out while others browse, on a site whose worker keeps waking and sleeping.
  const ARRIVALS_MS = 15 * SECOND;
  const VISITORS = 60;
  const PAGES_READ = 3;
  const READ_MS = 40 * SECOND;
  const HEARTBEAT_AFTER_MS = 30 * SECOND;
  const STEP_MS = 100;

  type Call = { at: number; visitor: number; path: string; view: boolean };
  const calls: Call[] = [];
  for (let visitor = 0; visitor < VISITORS; visitor++) {
    for (let page = 0; page < PAGES_READ; page++) {
      const at = T0 + visitor * ARRIVALS_MS + page * READ_MS;
      const path = pathName((visitor + page) % 9);
      calls.push({ at, visitor, path, view: true }, { at: at + HEARTBEAT_AFTER_MS, visitor, path, view: false });
    }
  }
  calls.sort((a, b) => a.at - b.at);
  const views = VISITORS * PAGES_READ;

  test("every session leaves within a second of its timeout, and the wake-ups cost at most one scheduled run per view", async () => {
    const t = createTestConvex();
    let next = 0;
    let checkedAt = 0;
    const end = calls.at(-1)!.at + SESSION_TIMEOUT_MS + 5 * SECOND;
    while (Date.now() <= end) {
      for (; next < calls.length && calls[next].at <= Date.now(); next++) {
        const { visitor, path, view } = calls[next];
        if (view) await viewPage(t, visitor, path);
        await heartbeat(t, visitor, path);
      }
      vi.advanceTimersByTime(STEP_MS);
      await t.finishInProgressScheduledFunctions();
      if (Date.now() - checkedAt >= SECOND) {
        checkedAt = Date.now();
        // Never more than a second past the timeout: at most the sessions heard from within the timeout plus a second.
        expect(await activeVisitors(t)).toBeLessThanOrEqual((await recountActiveNow(t, Date.now() - SECOND)).activeVisitors);
      }
    }
    expect(await activeVisitors(t)).toBe(0);

    const jobs = await batchWorkerJobs(t);
    const timedWakeUps = jobs.filter(isTimedWakeUp).length;
    const monitorRuns = jobs.filter((job) => job.name.includes("monitor") && job.state.kind === "success").length;
    // Each timed wake-up is two loop runs (the batch that expires, then the look that finds nothing and sleeps or
    // stops; no cooldown, since no visitor called); the monitor runs when the worker sleeps past it.
    const wakeUpRuns = 2 * timedWakeUps + monitorRuns;
    console.log(
      `steady traffic, ${views} views from ${VISITORS} visitors: ${timedWakeUps} timed wake-ups, ${monitorRuns} monitor runs: ` +
        `${(wakeUpRuns / views).toFixed(2)} scheduled runs per view for "active now" without the cron`,
    );
    expect(timedWakeUps).toBeGreaterThan(0);
    expect(wakeUpRuns / views).toBeLessThanOrEqual(1);
  }, 300_000);
});
