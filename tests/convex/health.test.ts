import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { components } from "../../src/component/_generated/api";
import { CLEANUP_INTERVAL_SECONDS, CLEANUP_RECORD_INTERVAL_MS, HEALTH_MAX_CLEANUP_AGE_MS, HEALTH_MAX_WORKER_LAG_MS, SESSION_TIMEOUT_MS, STATS_WORKER_NAME, WATCH_LEASE_MS, WORKER_UNWATCHED_DEBOUNCE_MS, WORKER_UNWATCHED_FOLD_MS } from "../../src/shared/config";
import { runningRules } from "../../src/component/derive/derivedRules";
import type { HealthReport } from "../../src/component/operate/health";
import { backfillStatus, muteBackfillLogs, runBackfill, startBackfill } from "../support/backfill";
import { heartbeat, runCleanup, viewPage } from "../support/calls";
import { MINUTE, SECOND, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { expectExactActiveNow, expectExactFigures, storedActiveNow } from "../support/recount";
import { insertLegacyData, sessionId } from "../support/seed";
import { nextWorkerBatch, settle, watchStats, workerStatus } from "../support/worker";

// Spies that keep the real code, so a test can run the worker under rules other than the code's (a changed dedup window).
vi.mock("../../src/component/derive/derivedRules", { spy: true });

useFakeClock(T0);
// The backfill's log lines, kept out of the output.
let backfillLogs: string[];
beforeEach(() => {
  backfillLogs = muteBackfillLogs();
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.mocked(runningRules).mockRestore();
});

async function health(t: TestConvex): Promise<{ status: number; body: HealthReport; text: string }> {
  const response = await t.fetch("/api/health");
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as HealthReport, text };
}

const totalViews = async (t: TestConvex) => (await t.query(api.stats.getPageViewStats, {})).totalPageViews;
const lastCleanupRun = (t: TestConvex) => t.runInStats(async (ctx) => (await ctx.db.query("cleanupStatus").first())?.lastRunAt);
const storedRules = (t: TestConvex) => t.runInStats(async (ctx) => (await ctx.db.query("derivedRules").first())?.rules ?? null);

/** A site with a visitor on /a, everything folded and the cleanup cron just run. */
async function runningSite(): Promise<TestConvex> {
  const t = createTestConvex();
  await viewPage(t, 1, "/a");
  await heartbeat(t, 1, "/a");
  await settle(t);
  await runCleanup(t);
  return t;
}

/** Runs the rules the code runs, but with `changes`: what a deploy with other constants would run. */
function runRulesWith(changes: Partial<ReturnType<typeof runningRules>>): void {
  const rules = { ...runningRules(), ...changes };
  vi.mocked(runningRules).mockReturnValue(rules);
}

describe("GET /api/health", () => {
  test("a running site is healthy: 200, every check passed, and no visitor, session or page in the answer", async () => {
    const t = await runningSite();
    const { status, body, text } = await health(t);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      healthy: true,
      reasons: [],
      checkedAt: Date.now(),
      checks: {
        rules: { ok: true, message: "derived data is built under the running rules", changes: [] },
        worker: { ok: true, status: "idle", lagMs: 0 },
        backfill: { ok: true, state: "never run" },
        cleanup: { ok: true, lastRunAt: await lastCleanupRun(t) },
      },
    });
    expect(text).not.toContain(sessionId(1));
    expect(text).not.toContain("/a");
  });

  test("before the cleanup cron has run once, says so", async () => {
    const t = createTestConvex();
    const { status, body } = await health(t);
    expect(status).toBe(503);
    expect(body.reasons).toEqual(["the cleanup cron has not run yet (it runs every 10 min)"]);
    expect(body.checks.worker).toMatchObject({ ok: true, status: "never run", lagMs: 0 });
  });

  test("a cleanup cron that stopped running is unhealthy once its record is older than the limit", async () => {
    const t = await runningSite();
    const ranAt = (await lastCleanupRun(t))!;
    vi.setSystemTime(ranAt + HEALTH_MAX_CLEANUP_AGE_MS);
    expect((await health(t)).status).toBe(200);
    vi.setSystemTime(ranAt + HEALTH_MAX_CLEANUP_AGE_MS + SECOND);
    const { status, body } = await health(t);
    expect(status).toBe(503);
    expect(body.reasons).toEqual([`the cleanup cron last ran 25 min ago (it runs every 10 min): idle sessions' rows are not removed`]);
    expect(body.checks.cleanup.fix).toContain("clean up stale sessions");
  });

  test("the cleanup cron rewrites its record at every run, not at its follow-up chunks or manual runs in between", async () => {
    // Within a run's period, so every cron run rewrites it.
    expect(CLEANUP_RECORD_INTERVAL_MS).toBeLessThan(CLEANUP_INTERVAL_SECONDS * SECOND);
    const t = await runningSite();
    const ranAt = (await lastCleanupRun(t))!;
    vi.setSystemTime(ranAt + CLEANUP_RECORD_INTERVAL_MS - SECOND);
    await runCleanup(t);
    expect(await lastCleanupRun(t)).toBe(ranAt);
    vi.setSystemTime(ranAt + CLEANUP_RECORD_INTERVAL_MS);
    await runCleanup(t);
    expect(await lastCleanupRun(t)).toBe(ranAt + CLEANUP_RECORD_INTERVAL_MS);
  });
});

describe("the worker's liveness and lag", () => {
  /** Moves the clock to `time` without firing a scheduled run, and renews the dashboard's lease there, as an open dashboard does. */
  async function watchedAt(t: TestConvex, time: number): Promise<void> {
    vi.setSystemTime(time);
    await watchStats(t);
  }

  test(`while a dashboard watches, a view waiting longer than ${HEALTH_MAX_WORKER_LAG_MS / SECOND} s makes it unhealthy, with the age of the oldest`, async () => {
    const t = await runningSite();
    const sentAt = Date.now();
    await viewPage(t, 2, "/b");
    // The clock moves, but no scheduled run fires: the worker has not taken the view.
    await watchedAt(t, sentAt + HEALTH_MAX_WORKER_LAG_MS / 2);
    vi.setSystemTime(sentAt + HEALTH_MAX_WORKER_LAG_MS);
    expect((await health(t)).body.checks.worker).toMatchObject({ ok: true, status: "running", lagMs: HEALTH_MAX_WORKER_LAG_MS });
    vi.setSystemTime(sentAt + HEALTH_MAX_WORKER_LAG_MS + SECOND);
    const { status, body } = await health(t);
    expect(status).toBe(503);
    expect(body.reasons).toEqual([
      `the stats worker is behind (a dashboard watches): the oldest view or heartbeat it has not folded is from ${new Date(sentAt).toISOString()}, 61 s ago`,
    ]);
  });

  test("while none watches, a view may wait for views to be folded together, and one cadence more", async () => {
    const t = await runningSite();
    const sentAt = Date.now();
    await viewPage(t, 2, "/b");
    const allowed = WORKER_UNWATCHED_FOLD_MS + WORKER_UNWATCHED_DEBOUNCE_MS + HEALTH_MAX_WORKER_LAG_MS;
    const cadence = "no dashboard watches: it folds every 3 h, a view once it has waited 3 h";
    vi.setSystemTime(sentAt + allowed);
    expect((await health(t)).body.checks.worker).toMatchObject({ ok: true, lagMs: allowed, message: `the stats worker is running, 6 h behind (${cadence})` });
    vi.setSystemTime(sentAt + allowed + SECOND);
    expect((await health(t)).body.checks.worker).toMatchObject({ ok: false, message: expect.stringContaining(`the stats worker is behind (${cadence}): `) });
  });

  test("a heartbeat waiting counts too: one that only keeps its session live may wait, watched, until the first live session times out", async () => {
    const t = await runningSite();
    const sentAt = Date.now();
    // A session with no visit (it has viewed nothing): its heartbeat extends none.
    await heartbeat(t, 3, "/b");
    const allowed = SESSION_TIMEOUT_MS + HEALTH_MAX_WORKER_LAG_MS;
    for (let at = sentAt + HEALTH_MAX_WORKER_LAG_MS / 2; at <= sentAt + allowed; at += HEALTH_MAX_WORKER_LAG_MS / 2) await watchedAt(t, at);
    expect((await health(t)).body.checks.worker).toMatchObject({ ok: true, lagMs: allowed });
    vi.setSystemTime(sentAt + allowed + SECOND);
    expect((await health(t)).body.checks.worker).toMatchObject({ ok: false, lagMs: allowed + SECOND });
  });

  test("a heartbeat that only extends a visit waits as one that keeps a session live: it wakes no one, and the worker folds it by the first live session's timeout", async () => {
    const t = await runningSite();
    // Past the heartbeat dedup, so it extends the visit; on the same page, so it changes nothing "active now" shows.
    const sentAt = Date.now() + 20 * SECOND;
    vi.setSystemTime(sentAt);
    await heartbeat(t, 1, "/a");
    const allowed = SESSION_TIMEOUT_MS + HEALTH_MAX_WORKER_LAG_MS;
    await watchedAt(t, sentAt + allowed - WATCH_LEASE_MS / 2);
    vi.setSystemTime(sentAt + allowed);
    expect((await health(t)).body.checks.worker).toMatchObject({ ok: true, lagMs: allowed });
    vi.setSystemTime(sentAt + allowed + SECOND);
    expect((await health(t)).body.checks.worker).toMatchObject({ ok: false, lagMs: allowed + SECOND });
  });

  test("a stopped worker is unhealthy and the answer says how to start it; started, it catches up", async () => {
    const t = await runningSite();
    await t.runInStats((ctx) => ctx.runMutation(components.batchWorker.lib.stop, { name: STATS_WORKER_NAME }));
    const sentAt = Date.now();
    await viewPage(t, 2, "/b");
    vi.setSystemTime(sentAt + 2 * MINUTE);
    await runCleanup(t);

    const { status, body } = await health(t);
    expect(status).toBe(503);
    expect(body.checks.worker).toMatchObject({ ok: false, status: "stopped", lagMs: 2 * MINUTE });
    expect(body.reasons).toEqual([
      `the stats worker is stopped: views and heartbeats are kept but not counted (the oldest view or heartbeat it has not folded is from ${new Date(sentAt).toISOString()}, 2 min ago)`,
    ]);
    expect(body.checks.worker.fix).toBe(`npx convex run --component liveStats/batchWorker lib:start '{"name": "stats"}'`);

    await t.runInStats((ctx) => ctx.runMutation(components.batchWorker.lib.start, { name: STATS_WORKER_NAME }));
    await settle(t);
    expect(await totalViews(t)).toBe(2);
    expect((await health(t)).status).toBe(200);
  });
});

describe("the rules derived data is built under", () => {
  test("the worker records them with its first batch", async () => {
    const t = createTestConvex();
    expect(await storedRules(t)).toBeNull();
    await viewPage(t, 1, "/a");
    await settle(t);
    expect(await storedRules(t)).toEqual(runningRules());
    expect(await storedRules(t)).toMatchObject({ timeZone: "UTC", dedupWindowMs: 30 * MINUTE, derivedDataVersion: 1, canonicalPathVersion: 2 });
  });

  test("a new site time zone: unhealthy, the worker holds views (kept, not counted) until the backfill, and healthy after it", async () => {
    const t = await runningSite();
    const today = { from: T0, to: T0 + 24 * 60 * MINUTE };
    const before = await t.query(api.stats.summary, today);
    vi.stubEnv("STATS_TIME_ZONE", "Europe/Berlin");

    const { status, body } = await health(t);
    expect(status).toBe(503);
    const reason = "site time zone changed from UTC to Europe/Berlin: run the backfill to rebuild time buckets";
    expect(body.reasons).toEqual([reason]);
    expect(body.checks.rules).toMatchObject({ ok: false, fix: "npx convex run stats:backfillAggregates '{}'", changes: [{ rule: "timeZone", from: "UTC", to: "Europe/Berlin", compatible: false }] });
    expect(await t.query(api.health.rulesCheck, {})).toEqual({ rebuildNeeded: true, backfillRunning: false, reasons: [reason], rebuildCommand: "npx convex run stats:backfillAggregates '{}'" });

    // Views keep being recorded, and the worker goes idle without folding them; active now stays live.
    await viewPage(t, 2, "/b");
    await heartbeat(t, 2, "/b");
    await settle(t);
    expect(await workerStatus(t)).toEqual({ kind: "idle" });
    expect(await t.runInStats((ctx) => ctx.db.query("pageViews").collect())).toHaveLength(2);
    expect(await totalViews(t)).toBe(1);
    // Time buckets too (visits still open are read from their rows at query time, so those may move).
    expect(await t.query(api.stats.summary, today)).toMatchObject({ pageviews: before.pageviews, visitors: before.visitors });
    expect((await t.query(api.stats.getActiveVisitors, {})).activeVisitors).toBe(2);
    expect(await storedRules(t)).toMatchObject({ timeZone: "UTC" });

    // Past the lag limit, the worker's check says why it waits.
    vi.advanceTimersByTime(HEALTH_MAX_WORKER_LAG_MS + SECOND);
    await runCleanup(t);
    expect((await health(t)).body.checks.worker).toMatchObject({ ok: false, message: expect.stringMatching(/^the stats worker holds views until a backfill rebuilds derived data: /) });

    expect(await runBackfill(t)).toMatchObject({ state: "done" });
    await runCleanup(t);
    const after = await health(t);
    expect(after.status).toBe(200);
    expect(after.body.checks.backfill).toMatchObject({ ok: true, state: "done" });
    expect(await storedRules(t)).toMatchObject({ timeZone: "Europe/Berlin" });
    expect(await t.query(api.health.rulesCheck, {})).toMatchObject({ rebuildNeeded: false, backfillRunning: false, reasons: [] });
    expect(await totalViews(t)).toBe(2);
    await expectExactFigures(t);
    expect(backfillLogs.at(-1)).toMatch(/done$/);
  });

  test("a new dedup window: unhealthy with the change and the fix, nothing folded until the backfill", async () => {
    const t = await runningSite();
    runRulesWith({ dedupWindowMs: 10 * MINUTE });

    const reason = "dedup window changed from 30 min to 10 min: run the backfill to rebuild the figures (views recorded before the change keep the old window)";
    const { status, body } = await health(t);
    expect(status).toBe(503);
    expect(body.reasons).toEqual([reason]);
    expect(await t.query(api.health.rulesCheck, {})).toMatchObject({ rebuildNeeded: true, reasons: [reason] });

    await viewPage(t, 2, "/b");
    await settle(t);
    expect(await totalViews(t)).toBe(1);

    await startBackfill(t);
    // While it runs, the banner's reason says the rebuild is under way.
    expect(await t.query(api.health.rulesCheck, {})).toMatchObject({
      backfillRunning: true,
      reasons: ["dedup window changed from 30 min to 10 min: the backfill under way rebuilds the figures (views recorded before the change keep the old window)"],
    });
    await settle(t, 60 * MINUTE);
    await runCleanup(t);
    expect((await health(t)).status).toBe(200);
    expect(await storedRules(t)).toMatchObject({ dedupWindowMs: 10 * MINUTE });
    expect(await totalViews(t)).toBe(2);
  });

  test("a site built under the first path canonicalization (escapes and NFC not yet one spelling) is asked for the backfill", async () => {
    const t = await runningSite();
    await t.runInStats(async (ctx) => {
      const recorded = (await ctx.db.query("derivedRules").first())!;
      await ctx.db.patch(recorded._id, { rules: { ...recorded.rules, canonicalPathVersion: 1 } });
    });
    const { status, body } = await health(t);
    expect(status).toBe(503);
    expect(body.reasons).toEqual([
      "path canonicalization version changed from 1 to 2: run the backfill to rebuild page figures (paths recorded before the change keep their old form)",
    ]);
  });

  test("several changes are each a reason", async () => {
    const t = await runningSite();
    runRulesWith({ visitTimeoutMs: 60 * MINUTE, canonicalPathVersion: 3, derivedDataVersion: 2 });
    expect((await health(t)).body.reasons).toEqual([
      "derived-data version changed from 1 to 2: run the backfill to rebuild derived data; " +
        "visit timeout changed from 30 min to 60 min: run the backfill to rebuild settled visits (visits recorded before the change keep their old split); " +
        "path canonicalization version changed from 2 to 3: run the backfill to rebuild page figures (paths recorded before the change keep their old form)",
    ]);
  });

  test("a compatible change (the heartbeat interval) stays healthy, and the worker's next batch records it", async () => {
    const t = await runningSite();
    runRulesWith({ heartbeatIntervalMs: 15 * SECOND });

    const { status, body } = await health(t);
    expect(status).toBe(200);
    expect(body.checks.rules).toMatchObject({
      ok: true,
      message: "heartbeat interval changed from 1 min to 15 s (compatible: recorded, nothing to rebuild)",
      changes: [{ rule: "heartbeatIntervalMs", from: 60_000, to: 15_000, compatible: true }],
    });

    await viewPage(t, 2, "/b");
    await settle(t);
    expect(await totalViews(t)).toBe(2);
    expect(await storedRules(t)).toMatchObject({ heartbeatIntervalMs: 15 * SECOND });
    expect((await health(t)).body.checks.rules).toMatchObject({ ok: true, changes: [] });
  });

  test("dropping bucket levels (visit properties' minutes, 2026-12) is compatible; adding one needs the backfill", async () => {
    const current = runningRules();
    runRulesWith({ propertyBucketLevels: `${current.propertyBucketLevels},minute` });
    const t = await runningSite();
    vi.mocked(runningRules).mockReturnValue(current);
    expect((await health(t)).body.checks.rules).toMatchObject({
      ok: true,
      changes: [{ rule: "propertyBucketLevels", from: "all,month,day,hour,minute", to: "all,month,day,hour", compatible: true }],
    });
    await viewPage(t, 2, "/b");
    await settle(t);
    expect(await totalViews(t)).toBe(2);
    expect(await storedRules(t)).toMatchObject({ propertyBucketLevels: "all,month,day,hour" });

    runRulesWith({ propertyBucketLevels: "all,month,day,hour,quarterHour" });
    expect((await health(t)).body.checks.rules).toMatchObject({ ok: false, changes: [{ rule: "propertyBucketLevels", compatible: false }] });
  });

  test("a STATS_TIME_ZONE that is no zone is a reason, with how to fix it", async () => {
    const t = await runningSite();
    vi.stubEnv("STATS_TIME_ZONE", "Mars/Olympus_Mons");
    const { status, body } = await health(t);
    expect(status).toBe(503);
    expect(body.reasons).toEqual([expect.stringContaining("npx convex env set STATS_TIME_ZONE")]);
  });

  test("a change while a backfill rebuilds under the old rules starts it again, and it ends exact under the new ones", async () => {
    const t = createTestConvex();
    // More views than one backfill step takes, so the run is still walking them after its first batch.
    await insertLegacyData(t, { views: 1_050, sessions: 30, paths: 10, liveSessions: 0, idleSessions: 0, now: T0 });
    await startBackfill(t);
    await nextWorkerBatch(t);
    expect(await backfillStatus(t)).toMatchObject({ state: "running", phase: "pageViews" });

    vi.stubEnv("STATS_TIME_ZONE", "Asia/Kolkata");
    await settle(t, 60 * MINUTE);

    expect(backfillLogs).toContainEqual(expect.stringMatching(/changed while it ran \(at pageViews\); starting again from the reset$/));
    expect(await backfillStatus(t)).toMatchObject({ state: "done", runId: 1 });
    expect(await storedRules(t)).toMatchObject({ timeZone: "Asia/Kolkata" });
    await expectExactFigures(t);
  }, 120_000);

  test("the batch that starts a backfill again folds no heartbeat and no expiry: \"active now\" stays exact, never below 0", async () => {
    const t = createTestConvex();
    // A small site (its reset takes one batch) with more old sessions than two backfill steps take, so the run is still walking them when the rules change.
    await insertLegacyData(t, { views: 30, sessions: 10, paths: 5, liveSessions: 0, idleSessions: 5_000, now: T0 });
    await startBackfill(t);
    await nextWorkerBatch(t);
    // A visitor on /gone, folded by the live worker after the backfill's reset.
    const goneAt = Date.now();
    await heartbeat(t, 1, "/gone");
    await nextWorkerBatch(t);
    expect(await backfillStatus(t)).toMatchObject({ state: "running", phase: "activeSessions" });
    expect(await storedActiveNow(t)).toEqual({ activeVisitors: 1, activeByPath: { "/gone": 1 } });

    // One batch then has a new visitor's heartbeat, /gone's expiry, and rules that start the backfill again.
    vi.setSystemTime(goneAt + SESSION_TIMEOUT_MS + 5 * SECOND);
    await heartbeat(t, 2, "/new");
    vi.stubEnv("STATS_TIME_ZONE", "Asia/Kolkata");
    await nextWorkerBatch(t);
    expect(backfillLogs).toContainEqual(expect.stringMatching(/changed while it ran \(at activeSessions\); starting again from the reset$/));
    // Its reset emptied "active now"; nothing was written into it after.
    expect(await storedActiveNow(t)).toEqual({ activeVisitors: 0, activeByPath: {} });
    await settle(t, 60 * MINUTE);

    expect(await backfillStatus(t)).toMatchObject({ state: "done", runId: 1 });
    expect(await t.query(api.stats.getActiveVisitors, {})).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/new", title: "/new", count: 1 }] });
    await expectExactFigures(t);

    // Once every session has timed out, nobody is left, and no page below 0.
    vi.advanceTimersByTime(SESSION_TIMEOUT_MS + SECOND);
    await runCleanup(t);
    expect(await storedActiveNow(t)).toEqual({ activeVisitors: 0, activeByPath: {} });
    await expectExactActiveNow(t);
  }, 120_000);
});
