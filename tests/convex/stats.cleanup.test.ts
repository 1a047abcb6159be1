import { beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { readCounter } from "../../src/component/derive/counters";
import { CLEANUP_INTERVAL_SECONDS, SESSION_TIMEOUT_MS } from "../../src/shared/config";
import { advanceTo, MINUTE, SECOND, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { STATS_COMPONENT } from "../support/convexBackend";
import { measure } from "../support/metrics";
import { scheduledRuns } from "../support/scheduler";
import { generateSessions, insertActiveSessions, insertRows } from "../support/seed";
import { heartbeat, runCleanup } from "../support/calls";
import { settle, workerRunsByState, workerStatus } from "../support/worker";

const active = async (t: TestConvex) => await t.query(api.stats.getActiveVisitors, {});
const sessionRows = (t: TestConvex) => t.runInStats((ctx) => ctx.db.query("activeSessions").collect());
const activePageRows = async (t: TestConvex) => (await t.runInStats((ctx) => ctx.db.query("activePages").collect())).map((row) => row.path).sort();

describe("cleanup of a few sessions", () => {
  useFakeClock(T0);
  let t: TestConvex;
  beforeEach(() => {
    t = createTestConvex();
  });

  test("removes idle sessions, keeps live ones, and the worker takes the idle ones off active now", async () => {
    await heartbeat(t, 1, "/a");
    await heartbeat(t, 2, "/b");
    advanceTo(T0 + MINUTE);
    await heartbeat(t, 3, "/a");
    await settle(t);
    expect((await active(t)).activeVisitors).toBe(3);
    advanceTo(T0 + SESSION_TIMEOUT_MS + SECOND);

    await runCleanup(t);

    expect((await sessionRows(t)).map((s) => s.currentPath)).toEqual(["/a"]);
    expect(await active(t)).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/a", title: "/a", count: 1 }] });
    expect(await activePageRows(t)).toEqual(["/a"]);
  });

  test("a visitor who stops heartbeating leaves active now within a second of the timeout, with no traffic and no cron run", async () => {
    await heartbeat(t, 1, "/a");
    await settle(t);
    const loopRuns = () => workerRunsByState(t).success ?? 0;
    const runsBefore = loopRuns();
    advanceTo(T0 + SESSION_TIMEOUT_MS);
    // The cron at the timeout itself leaves the session: it is not idle yet.
    await t.mutation(internal.stats.cleanupStaleSessions, {});
    await t.finishInProgressScheduledFunctions();
    expect((await active(t)).activeVisitors).toBe(1);
    // The worker sleeps until then and wakes on its own: the cron runs only every CLEANUP_INTERVAL_SECONDS.
    while ((await active(t)).activeVisitors > 0 && Date.now() < T0 + SESSION_TIMEOUT_MS + CLEANUP_INTERVAL_SECONDS * SECOND) {
      vi.advanceTimersByTime(100);
      await t.finishInProgressScheduledFunctions();
    }
    expect(Date.now() - T0 - SESSION_TIMEOUT_MS).toBeLessThan(30 * SECOND);
    expect(Date.now() - T0 - SESSION_TIMEOUT_MS).toBeLessThanOrEqual(SECOND);
    expect(await active(t)).toEqual({ activeVisitors: 0, activeByPath: [] });
    // Two loop runs: the batch that takes the session off, then the look that finds nothing more and stops the worker.
    await settle(t);
    expect(loopRuns() - runsBefore).toBe(2);
    expect(await workerStatus(t)).toEqual({ kind: "idle" });
  });

  test("a cleaned-up visitor who comes back is active again", async () => {
    await heartbeat(t, 1, "/a");
    advanceTo(T0 + SESSION_TIMEOUT_MS + 1);
    await runCleanup(t);
    expect(await active(t)).toEqual({ activeVisitors: 0, activeByPath: [] });

    await heartbeat(t, 1, "/a");
    await settle(t);
    expect(await active(t)).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/a", title: "/a", count: 1 }] });
  });

  test("on an idle site it reads eight empty ranges (idle sessions, expired live sessions, the settling cursor, visits to settle, the rollup's record, the oldest minute bucket, ended days' visitor salts, refused rows past their window) and its run record, writes nothing within a minute of that record and wakes nothing", async () => {
    await heartbeat(t, 1, "/a");
    advanceTo(T0 + SESSION_TIMEOUT_MS + 1);
    await runCleanup(t);
    const before = await scheduledRuns(t);

    const { result, cost } = await measure(t, (ctx) => ctx.runMutation(internal.stats.cleanupStaleSessions, {}));

    expect(result).toEqual({ deleted: 0, pruned: 0, more: false });
    expect(cost).toMatchObject({ documentsRead: 1, databaseQueries: 9, documentsWritten: 0 });
    expect(await scheduledRuns(t)).toEqual(before);
  });

  test("removes sessions written before the worker existed, which it never counted", async () => {
    await insertRows(t, "activeSessions", generateSessions({ count: 3, paths: 2, lastSeen: T0 - SESSION_TIMEOUT_MS - 1 }));
    await heartbeat(t, 100, "/live");
    await runCleanup(t);
    expect((await sessionRows(t)).map((s) => s.currentPath)).toEqual(["/live"]);
    expect(await active(t)).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/live", title: "/live", count: 1 }] });
  });
});

describe("cleanup of 20,000 idle sessions", () => {
  const NEVER_COUNTED = 18_000; // left by a tracker older than the worker
  const COUNTED = 2_000; // left by heartbeats the worker folded
  const LIVE = 50;
  const t = createTestConvex();
  let runs: Awaited<ReturnType<typeof scheduledRuns>>;

  useFakeClock(T0, "all");
  beforeAll(async () => {
    const idle = { paths: 150, lastSeen: T0 - SESSION_TIMEOUT_MS - MINUTE };
    await insertRows(t, "activeSessions", generateSessions({ ...idle, count: NEVER_COUNTED }));
    // Live when the worker folded them, idle now.
    await insertActiveSessions(t, generateSessions({ ...idle, count: COUNTED, firstId: NEVER_COUNTED }), idle.lastSeen);
    for (let i = 0; i < LIVE; i++) await heartbeat(t, 1_000_000 + i, `/live-${i % 5}`);

    await runCleanup(t);
    runs = await scheduledRuns(t);
  }, 600_000);

  test("finishes by rescheduling itself, every chunk inside Convex's limits", () => {
    const chunks = runs[`${STATS_COMPONENT}/operate:cleanupStaleSessions`];
    // A failed chunk (a limit hit) would show up as "failed" and leave rows behind.
    expect(Object.keys(chunks)).toEqual(["success"]);
    expect(chunks.success).toBeGreaterThan(10);
  });

  test("leaves exactly the live sessions, in the table, the worker's records and its counter", async () => {
    expect((await sessionRows(t)).length).toBe(LIVE);
    expect((await t.runInStats((ctx) => ctx.db.query("liveSessions").collect())).length).toBe(LIVE);
    expect(await t.runInStats((ctx) => readCounter(ctx, "liveSessions"))).toBe(LIVE);
  });

  test("forgets every page nobody is on", async () => {
    expect(await activePageRows(t)).toEqual(["/live-0", "/live-1", "/live-2", "/live-3", "/live-4"]);
  });

  test("active figures count only the live sessions", async () => {
    expect(await active(t)).toEqual({
      activeVisitors: LIVE,
      activeByPath: ["/live-0", "/live-1", "/live-2", "/live-3", "/live-4"].map((path) => ({ path, title: path, count: LIVE / 5 })),
    });
  });
});
