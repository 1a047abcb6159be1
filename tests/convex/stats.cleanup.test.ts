import { beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { activeSessions } from "../../convex/model/aggregates";
import { ACTIVE_PATHS_LIMIT, SESSION_TIMEOUT_MS } from "../../convex/model/config";
import { MINUTE, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { scheduledRuns } from "../support/scheduler";
import { generateSessions, insertActiveSessions, insertRows } from "../support/seed";
import { heartbeat, runCleanup } from "../support/calls";

const active = async (t: TestConvex) => await t.query(api.stats.getActiveVisitors, { now: Date.now() });
const sessionRows = (t: TestConvex) => t.run((ctx) => ctx.db.query("activeSessions").collect());
const activePathRows = async (t: TestConvex) => (await t.run((ctx) => ctx.db.query("activePaths").collect())).map((row) => row.path).sort();

describe("cleanup of a few sessions", () => {
  useFakeClock(T0);
  let t: TestConvex;
  beforeEach(() => {
    t = createTestConvex();
  });

  test("removes idle sessions, keeps live ones, and the figures do not move", async () => {
    await heartbeat(t, 1, "/a");
    await heartbeat(t, 2, "/b");
    vi.advanceTimersByTime(MINUTE);
    await heartbeat(t, 3, "/a");
    vi.advanceTimersByTime(SESSION_TIMEOUT_MS);
    // Sessions 1 and 2 timed out; the live query already leaves them out.
    const before = await active(t);
    expect(before).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/a", count: 1 }] });

    await runCleanup(t);

    expect((await sessionRows(t)).map((s) => s.currentPath)).toEqual(["/a"]);
    expect(await active(t)).toEqual(before);
    expect(await activePathRows(t)).toEqual(["/a"]);
  });

  test("a cleaned-up visitor who comes back is active again", async () => {
    await heartbeat(t, 1, "/a");
    vi.advanceTimersByTime(SESSION_TIMEOUT_MS + 1);
    await runCleanup(t);
    expect(await active(t)).toEqual({ activeVisitors: 0, activeByPath: [] });

    await heartbeat(t, 1, "/a");
    expect(await active(t)).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/a", count: 1 }] });
  });

  test("forgets every empty path, however many, so the per-page list never hides a live page", async () => {
    // More idle paths than getActiveVisitors reads (ACTIVE_PATHS_LIMIT), all older than the live one.
    await insertActiveSessions(t, generateSessions({ count: 2.5 * ACTIVE_PATHS_LIMIT, paths: 2.5 * ACTIVE_PATHS_LIMIT, lastSeen: T0 - SESSION_TIMEOUT_MS - 1 }));
    await heartbeat(t, 1_000, "/live");

    await runCleanup(t);

    expect(await activePathRows(t)).toEqual(["/live"]);
    expect(await active(t)).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/live", count: 1 }] });
  }, 60_000);

  test("removes sessions that were never in the aggregate (written before it existed)", async () => {
    await insertRows(t, "activeSessions", generateSessions({ count: 3, paths: 2, lastSeen: T0 - SESSION_TIMEOUT_MS - 1 }));
    await heartbeat(t, 100, "/live");
    await runCleanup(t);
    expect((await sessionRows(t)).map((s) => s.currentPath)).toEqual(["/live"]);
    expect(await active(t)).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/live", count: 1 }] });
  });
});

describe("cleanup of 20,000 idle sessions", () => {
  const NEVER_COUNTED = 18_000; // left by a tracker older than the aggregates
  const COUNTED = 2_000; // left by heartbeats
  const LIVE = 50;
  const t = createTestConvex();
  let runs: Awaited<ReturnType<typeof scheduledRuns>>;

  useFakeClock(T0, "all");
  beforeAll(async () => {
    const idle = { paths: 150, lastSeen: T0 - SESSION_TIMEOUT_MS - MINUTE };
    await insertRows(t, "activeSessions", generateSessions({ ...idle, count: NEVER_COUNTED }));
    await insertActiveSessions(t, generateSessions({ ...idle, count: COUNTED, firstId: NEVER_COUNTED }));
    for (let i = 0; i < LIVE; i++) await heartbeat(t, 1_000_000 + i, `/live-${i % 5}`);

    await runCleanup(t);
    runs = await scheduledRuns(t);
  }, 600_000);

  test("finishes by rescheduling itself, every chunk inside Convex's limits", () => {
    const chunks = runs["stats:cleanupStaleSessions"];
    // A failed chunk (a limit hit) would show up as "failed" and leave rows behind.
    expect(Object.keys(chunks)).toEqual(["success"]);
    expect(chunks.success).toBeGreaterThan(10);
  });

  test("leaves exactly the live sessions, in the table and in the aggregate", async () => {
    expect((await sessionRows(t)).length).toBe(LIVE);
    expect(await t.run((ctx) => activeSessions.count(ctx))).toBe(LIVE);
  });

  test("forgets every path nobody is on", async () => {
    expect(await activePathRows(t)).toEqual(["/live-0", "/live-1", "/live-2", "/live-3", "/live-4"]);
  });

  test("active figures count only the live sessions", async () => {
    expect(await active(t)).toEqual({
      activeVisitors: LIVE,
      activeByPath: ["/live-0", "/live-1", "/live-2", "/live-3", "/live-4"].map((path) => ({ path, count: LIVE / 5 })),
    });
  });
});
