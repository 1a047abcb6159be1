import { beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { HEARTBEAT_DEDUP_MS, LIVE_ROW_REFRESH_MS, SESSION_TIMEOUT_MS, WATCH_RENEW_MS } from "../../src/shared/config";
import { muteBackfillLogs, runBackfill } from "../support/backfill";
import { expectExactActiveNow, storedActiveNow } from "../support/recount";
import { advanceTo, HOUR, SECOND, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { STATS_COMPONENT } from "../support/convexBackend";
import { insertRows, sessionId } from "../support/seed";
import { readTables } from "../support/tables";
import { heartbeat, measureHeartbeat, viewPage } from "../support/calls";
import { settle, watchStats, workerRuns } from "../support/worker";
import { writesOf } from "../support/writeSet";

useFakeClock(T0);
let t: TestConvex;
beforeEach(() => {
  t = createTestConvex();
});

/** "Active now" once the worker has folded every heartbeat so far. */
const active = async () => {
  await settle(t);
  return await t.query(api.stats.getActiveVisitors, {});
};
const activePageRows = async () => (await t.runInStats((ctx) => ctx.db.query("activePages").collect())).map(({ path, visitors }) => ({ path, visitors }));

describe("heartbeat", () => {
  test("the first heartbeat makes the session active on its path", async () => {
    await heartbeat(t, 1, "/a");
    expect(await active()).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/a", title: "/a", count: 1 }] });
  });

  test("a repeat on the same path within 10 s writes nothing", async () => {
    await heartbeat(t, 1, "/a");
    await settle(t);
    const before = await readTables(t);
    advanceTo(T0 + HEARTBEAT_DEDUP_MS - 1);

    const { cost } = await measureHeartbeat(t, 1, "/a");

    expect(cost.documentsWritten).toBe(0);
    expect(await readTables(t)).toEqual(before);
  });

  test("on the same path it rewrites its live row only LIVE_ROW_REFRESH_MS after the last write, and the worker moves its lastSeen", async () => {
    await heartbeat(t, 1, "/a");
    advanceTo(T0 + HEARTBEAT_DEDUP_MS);
    // Within LIVE_ROW_REFRESH_MS the row is still live (and this session has no visit to extend): nothing to write.
    const early = await writesOf(t, () => heartbeat(t, 1, "/a"));
    // (The worker's own scheduled run that fell due meanwhile is not the heartbeat's.)
    expect(early.filter((write) => write.component === STATS_COMPONENT)).toEqual([]);
    advanceTo(T0 + LIVE_ROW_REFRESH_MS);
    await heartbeat(t, 2, "/b"); // another visitor keeps the worker running, as on a site with traffic

    const [session] = await t.runInStats((ctx) => ctx.db.query("activeSessions").withIndex("by_sessionId", (q) => q.eq("sessionId", sessionId(1))).collect());
    const writes = await writesOf(t, () => heartbeat(t, 1, "/a"));
    // No token of its heartbeat bucket (record/rateLimits.ts): a same-path beat passes the dedup at most every 10 s, under the limit.
    expect(writes).toMatchObject([{ component: STATS_COMPONENT, table: "activeSessions", id: session._id, change: "changed" }]);
    expect(writes).toHaveLength(1);
    const [after] = await t.runInStats((ctx) => ctx.db.query("activeSessions").withIndex("by_sessionId", (q) => q.eq("sessionId", sessionId(1))).collect());
    expect(after).toMatchObject({ currentPath: "/a", lastSeen: T0 + LIVE_ROW_REFRESH_MS });

    expect((await active()).activeByPath).toContainEqual({ path: "/a", title: "/a", count: 1 });
    const [live] = await t.runInStats((ctx) => ctx.db.query("liveSessions").withIndex("by_sessionId", (q) => q.eq("sessionId", sessionId(1))).collect());
    expect(live).toMatchObject({ sessionId: sessionId(1), path: "/a", lastSeen: T0 + LIVE_ROW_REFRESH_MS });
  });

  test("a path change moves the session from one page's count to the other's", async () => {
    await heartbeat(t, 1, "/a");
    await heartbeat(t, 2, "/a");
    vi.advanceTimersByTime(SECOND);

    await heartbeat(t, 1, "/b");

    expect(await active()).toEqual({
      activeVisitors: 2,
      activeByPath: [
        { path: "/a", title: "/a", count: 1 },
        { path: "/b", title: "/b", count: 1 },
      ],
    });
    expect(await activePageRows()).toEqual([
      { path: "/a", visitors: 1 },
      { path: "/b", visitors: 1 },
    ]);
  });

  test("a page nobody is on any more loses its row", async () => {
    await heartbeat(t, 1, "/a");
    await settle(t);
    await heartbeat(t, 1, "/b");
    expect(await active()).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/b", title: "/b", count: 1 }] });
    expect(await activePageRows()).toEqual([{ path: "/b", visitors: 1 }]);
  });

  test("a session written before the worker existed is counted once it beats again", async () => {
    await insertRows(t, "activeSessions", [{ sessionId: sessionId(1), currentPath: "/a", lastSeen: T0 }]);
    vi.advanceTimersByTime(SECOND);
    await heartbeat(t, 1, "/b");
    expect(await active()).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/b", title: "/b", count: 1 }] });
  });

  test("a path change is never deduplicated, even within 10 s", async () => {
    await heartbeat(t, 1, "/a");
    await heartbeat(t, 1, "/b");
    expect((await active()).activeByPath).toEqual([{ path: "/b", title: "/b", count: 1 }]);
  });

  test("paths are canonical: a trailing slash, a query or a fragment is the same page", async () => {
    await heartbeat(t, 1, "/a/");
    await heartbeat(t, 2, "/a?utm=x");
    await heartbeat(t, 3, "/a#top");
    expect(await active()).toEqual({ activeVisitors: 3, activeByPath: [{ path: "/a", title: "/a", count: 3 }] });
  });
});

describe("a heartbeat of a session with an open visit", () => {
  const visitOf = async (visitor: number) =>
    (await t.runInStats((ctx) => ctx.db.query("visits").withIndex("by_session_start", (q) => q.eq("sessionId", sessionId(visitor))).collect())).at(-1)!;
  const liveRows = () => t.runInStats((ctx) => ctx.db.query("activeSessions").collect());

  test("writes only its visit: the visit's last activity, and its page when not the exit page; the session is live there", async () => {
    await viewPage(t, 1, "/a");
    advanceTo(T0 + 30 * SECOND);
    const visit = await visitOf(1);
    const writes = await writesOf(t, () => heartbeat(t, 1, "/b"));
    expect(writes).toMatchObject([{ component: STATS_COMPONENT, table: "visits", id: visit._id, change: "changed" }]);
    expect(writes).toHaveLength(1);
    expect(await visitOf(1)).toMatchObject({ lastActivity: T0 + 30 * SECOND, exitPage: "/a", currentPath: "/b", views: 1 });
    expect(await liveRows()).toEqual([]);
    expect(await active()).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/b", title: "/b", count: 1 }] });

    // Back on its exit page: no current page of its own any more.
    advanceTo(T0 + 40 * SECOND);
    await heartbeat(t, 1, "/a");
    expect((await visitOf(1)).currentPath).toBeUndefined();
    expect(await active()).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/a", title: "/a", count: 1 }] });
  });

  test("a beat that only extends its visit wakes no one: the watched worker folds it with its next batch, at the latest as the first live session times out", async () => {
    const range = { from: T0, to: T0 + HOUR };
    await viewPage(t, 1, "/a");
    await settle(t);
    const runs = workerRuns(t);
    advanceTo(T0 + 30 * SECOND);
    const { cost } = await measureHeartbeat(t, 1, "/a");
    // Its visit (the patch reads it again), and not the worker's document a ping reads.
    expect(cost).toMatchObject({ documentsRead: 2, documentsWritten: 1 });
    await t.finishInProgressScheduledFunctions();
    expect(workerRuns(t)).toBe(runs);
    expect(await t.query(api.stats.summary, range)).toMatchObject({ visits: 1, visitDurationMs: 0 });
    // The worker sleeps until the session's timeout as it knows it (its view's): then it folds the beat first, and the session stays.
    for (let at = T0 + 30 * SECOND; at <= T0 + SESSION_TIMEOUT_MS + SECOND; at += SECOND) {
      advanceTo(at);
      // The open dashboard renews its watch.
      if (at % WATCH_RENEW_MS === 0) await watchStats(t);
      await t.finishInProgressScheduledFunctions();
    }
    expect(workerRuns(t)).toBeGreaterThan(runs);
    expect(await t.query(api.stats.summary, range)).toMatchObject({ visits: 1, visitDurationMs: 30 * SECOND });
    expect(await t.query(api.stats.getActiveVisitors, {})).toMatchObject({ activeVisitors: 1 });
    // A beat on another page changes "active now": it wakes the worker.
    advanceTo(T0 + SESSION_TIMEOUT_MS + 10 * SECOND);
    await heartbeat(t, 1, "/b");
    await settle(t);
    expect(await t.query(api.stats.getActiveVisitors, {})).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/b", title: "/b", count: 1 }] });
  });

  test("a view is its session's presence on its page, and a beat on a page whose view the dedup dropped moves it there", async () => {
    await viewPage(t, 1, "/a");
    advanceTo(T0 + SECOND);
    await viewPage(t, 1, "/b");
    // The beat sent with a view writes nothing: the view's activity is the dedup's.
    expect((await measureHeartbeat(t, 1, "/b")).cost.documentsWritten).toBe(0);
    expect(await active()).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/b", title: "/b", count: 1 }] });
    // Back to /a within the view dedup: the view is not counted, the beat says where the session is.
    vi.advanceTimersByTime(SECOND);
    expect(await viewPage(t, 1, "/a")).toMatchObject({ recorded: false });
    await heartbeat(t, 1, "/a");
    expect(await visitOf(1)).toMatchObject({ exitPage: "/b", currentPath: "/a", lastActivity: Date.now() });
    expect(await active()).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/a", title: "/a", count: 1 }] });
  });

  test("a session live on its live row before its view counts on the view's page: the visit came after, even in the same millisecond", async () => {
    await heartbeat(t, 1, "/a");
    await viewPage(t, 1, "/b");
    expect(await active()).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/b", title: "/b", count: 1 }] });
  });

  test("a session from before, with both a live row and an open visit, moves to its visit: its next beat writes only the visit", async () => {
    // As the code before wrote them: a view of /a, then a beat on /b (a page whose view the dedup dropped) on the live row.
    await viewPage(t, 1, "/a");
    await insertRows(t, "activeSessions", [{ sessionId: sessionId(1), currentPath: "/b", lastSeen: T0, pageChanges: { value: 19, ts: T0 } }]);
    advanceTo(T0 + 30 * SECOND);
    const writes = await writesOf(t, () => heartbeat(t, 1, "/b"));
    expect(writes.filter((write) => write.component === STATS_COMPONENT).map(({ table }) => table)).toEqual(["visits"]);
    expect(await active()).toEqual({ activeVisitors: 1, activeByPath: [{ path: "/b", title: "/b", count: 1 }] });
    await expectExactActiveNow(t);
  });

  test("a backfill counts sessions live through their open visits", async () => {
    await viewPage(t, 1, "/a");
    await heartbeat(t, 2, "/c");
    advanceTo(T0 + 30 * SECOND);
    await heartbeat(t, 1, "/b");
    await settle(t);
    const before = await storedActiveNow(t);
    expect(before).toEqual({ activeVisitors: 2, activeByPath: { "/b": 1, "/c": 1 } });

    muteBackfillLogs();
    expect(await runBackfill(t)).toMatchObject({ state: "done" });

    expect(await storedActiveNow(t)).toEqual(before);
    await expectExactActiveNow(t);
  });

  test("a backfill that joins an open visit to the one its old views began keeps the visit's live state", async () => {
    // A view from before visits existed, then the same reader's visit (on /b by its last beat) 10 minutes later.
    await insertRows(t, "pageViews", [{ path: "/a", pageType: "page", sessionId: sessionId(1), timestamp: T0 }]);
    advanceTo(T0 + 10 * 60 * SECOND);
    await viewPage(t, 1, "/c");
    advanceTo(T0 + 11 * 60 * SECOND);
    await heartbeat(t, 1, "/b");
    const { pageChanges } = await visitOf(1);

    muteBackfillLogs();
    await runBackfill(t);

    expect(pageChanges).toBeDefined();
    expect(await visitOf(1)).toMatchObject({ start: T0, views: 2, exitPage: "/c", currentPath: "/b", pageChanges });
    expect(await storedActiveNow(t)).toEqual({ activeVisitors: 1, activeByPath: { "/b": 1 } });
  });
});

