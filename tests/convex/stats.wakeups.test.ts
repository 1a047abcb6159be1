import { describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { SESSION_TIMEOUT_MS, WATCH_RENEW_MS, WORKER_DEBOUNCE_MS, WORKER_UNWATCHED_DEBOUNCE_MS, WORKER_UNWATCHED_FOLD_MS } from "../../src/shared/config";
import { heartbeat, viewPage } from "../support/calls";
import { advanceTo, DAY, MINUTE, SECOND, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { STATS_COMPONENT } from "../support/convexBackend";
import { expectExactFigures, recountActiveNow } from "../support/recount";
import { pendingFunctions, ranCount, runCronJob, runScheduledUntil, scheduledRuns, siteCronJobs } from "../support/scheduler";
import { pathName } from "../support/seed";
import { settle, workerStatus } from "../support/worker";

/**
 * Issue 19: the stats worker's cadence (derive/worker.ts). While a dashboard watches (its lease,
 * read/dashboardWatch.ts), a view shows within 2 s and "active now" drops on time; while none does, the worker
 * folds sessions once a cadence (WORKER_UNWATCHED_DEBOUNCE_MS), views and visits once they have waited
 * WORKER_UNWATCHED_FOLD_MS, and sets no timer, an open dashboard catches it up at once, and an idle site costs at most 300 function calls a day (the cleanup cron, every CLEANUP_INTERVAL_SECONDS).
 */

useFakeClock(T0);

const IDLE_DAY_BUDGET = 300;
const activeVisitors = async (t: TestConvex) => (await t.query(api.stats.getActiveVisitors, {})).activeVisitors;
const totalViews = async (t: TestConvex) => (await t.query(api.stats.getPageViewStats, {})).totalPageViews;
/** What `<StatsDashboard>` sends while its tab is visible. */
const watchDashboard = (t: TestConvex) => t.mutation(api.stats.watchDashboard, {});

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
    // The owner glances at the dashboard, then closes it.
    await settle(t);
    expect(await activeVisitors(t)).toBe(1);

    // The day the site goes quiet: the session times out, the visit ends and is settled, the cron runs.
    const quietDay = await simulateDay(t, Date.now());
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

// A visitor arrives every 15 s and reads three pages 40 s apart, heartbeating with each view and 30 s after it, then
// closes the tab: each visit's session times out while others browse, for a quarter of an hour.
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

/**
 * Sends `calls` at their times until `end`, the clock moving in small steps and every scheduled run firing when due
 * (no cron: it is only the unwatched backstop); `everySecond` looks at the figures once a (fake) second and may renew
 * the lease. Returns each view's latency: from its call to the step (STEP_MS) at which `totalPageViews` first counted it.
 */
async function runTraffic(t: TestConvex, end: number, everySecond: () => Promise<void>): Promise<number[]> {
  const sentAt: number[] = [];
  const latencies: number[] = [];
  let next = 0;
  let checkedAt = 0;
  while (Date.now() <= end) {
    for (; next < calls.length && calls[next].at <= Date.now(); next++) {
      const { visitor, path, view } = calls[next];
      if (view) {
        await viewPage(t, visitor, path);
        sentAt.push(Date.now());
      }
      await heartbeat(t, visitor, path);
    }
    vi.advanceTimersByTime(STEP_MS);
    await t.finishInProgressScheduledFunctions();
    // A view waiting to show is looked for at every step, so its latency is timed to the step, not to the second.
    if (latencies.length < sentAt.length) {
      for (const total = await totalViews(t); latencies.length < total; ) latencies.push(Date.now() - sentAt[latencies.length]);
    }
    if (Date.now() - checkedAt >= SECOND) {
      checkedAt = Date.now();
      await everySecond();
    }
  }
  return latencies;
}

/** Sessions the worker still counts in "active now" though their last heartbeat is past the timeout. */
const countedPastTimeout = (t: TestConvex) =>
  t.runInStats(async (ctx) => (await ctx.db.query("liveSessions").withIndex("by_lastSeen", (q) => q.lt("lastSeen", Date.now() - SESSION_TIMEOUT_MS)).collect()).length);

/** The worker's scheduled runs (its loop and its monitor) so far. */
const workerRunCount = async (t: TestConvex) => ranCount(await scheduledRuns(t));

describe("while no dashboard watches", () => {
  test("views wait to be folded together, each counted within the wait and a cadence, and the worker costs at most one scheduled run per view", async () => {
    const t = createTestConvex();
    const lastView = calls.filter((call) => call.view).at(-1)!.at;
    const latencies = await runTraffic(t, lastView + WORKER_UNWATCHED_FOLD_MS + WORKER_UNWATCHED_DEBOUNCE_MS + 5 * SECOND, async () => {});
    expect(latencies).toHaveLength(views);
    // The traffic spans less than the wait: one batch folded every view, and no view was counted before the first had waited.
    const countedAt = latencies.map((latency, i) => calls.filter((call) => call.view)[i].at + latency);
    expect(new Set(countedAt).size).toBe(1);
    expect(countedAt[0]).toBeGreaterThanOrEqual(calls[0].at + WORKER_UNWATCHED_FOLD_MS);
    const runs = await workerRunCount(t);
    console.log(
      `unwatched, ${views} views from ${VISITORS} visitors over ${Math.round((lastView - T0) / MINUTE)} min: the last view counted ` +
        `${Math.max(...latencies) / SECOND} s after it was sent at most; ${runs} scheduled runs (${(runs / views).toFixed(2)} a view)`,
    );
    // A ping wakes an idle worker within its debounce, which then waits until the first view has waited long enough.
    expect(Math.max(...latencies)).toBeLessThanOrEqual(WORKER_UNWATCHED_FOLD_MS + WORKER_DEBOUNCE_MS + SECOND);
    expect(runs / views).toBeLessThanOrEqual(1);
    // The worker set no timer for "active now": only a batch, the cron, or a dashboard takes sessions off it.
    expect(await activeVisitors(t)).toBeGreaterThanOrEqual((await recountActiveNow(t)).activeVisitors);
  }, 300_000);

  test('opening a dashboard folds the views waiting for the cadence and takes timed-out sessions off "active now" at once', async () => {
    const t = createTestConvex();
    // Past the worker's first unwatched batch (at the first view: it counted the sessions then live), until some of those have timed out.
    const end = T0 + SESSION_TIMEOUT_MS + 3 * MINUTE;
    await runTraffic(t, end, async () => {});
    const sent = calls.filter((call) => call.view && call.at <= end).length;
    expect(await totalViews(t)).toBeLessThan(sent);
    expect(await countedPastTimeout(t)).toBeGreaterThan(0);

    await watchDashboard(t);
    // The worker takes its next batch after its (watched) debounce, not at the end of its unwatched wait.
    vi.advanceTimersByTime(WORKER_DEBOUNCE_MS);
    await t.finishInProgressScheduledFunctions();
    expect(await totalViews(t)).toBe(sent);
    expect(await countedPastTimeout(t)).toBe(0);
    expect(await activeVisitors(t)).toBe((await recountActiveNow(t)).activeVisitors);
    await expectExactFigures(t);
  }, 300_000);
});

describe("while a dashboard watches", () => {
  test("every view shows within 2 s, and every session leaves within a second of its timeout", async () => {
    const t = createTestConvex();
    let renewedAt = -Infinity;
    const latencies = await runTraffic(t, calls.at(-1)!.at + SESSION_TIMEOUT_MS + 5 * SECOND, async () => {
      // Never more than a second past the timeout: at most the sessions heard from within the timeout plus a second.
      expect(await activeVisitors(t)).toBeLessThanOrEqual((await recountActiveNow(t, Date.now() - SECOND)).activeVisitors);
      if (Date.now() - renewedAt < WATCH_RENEW_MS) return;
      renewedAt = Date.now();
      await watchDashboard(t);
    });
    expect(latencies).toHaveLength(views);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(2 * SECOND);
    expect(await activeVisitors(t)).toBe(0);
    const runs = await workerRunCount(t);
    console.log(
      `watched, ${views} views from ${VISITORS} visitors: the last view counted ${Math.max(...latencies) / SECOND} s after it was sent at most; ` +
        `${runs} scheduled runs (${(runs / views).toFixed(2)} a view)`,
    );
  }, 300_000);
});
