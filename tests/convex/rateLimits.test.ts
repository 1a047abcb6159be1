import { ConvexError } from "convex/values";
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import {
  DEFAULT_NEW_PATHS_PER_MINUTE,
  DEFAULT_NEW_VISITORS_PER_MINUTE,
  HEARTBEAT_DEDUP_MS,
  LIVE_ROW_REFRESH_MS,
  NEW_VISITOR_PAUSE_MS,
  SESSION_HEARTBEATS_PER_MINUTE,
  SESSION_TIMEOUT_MS,
  SESSION_VIEWS_PER_MINUTE,
  VISIT_SETTLE_GRACE_MS,
  VISIT_TIMEOUT_MS,
} from "../../src/shared/config";
import { siteCap, siteCapConfig, type RateLimited } from "../../src/component/record/rateLimits";
import { heartbeat, measureHeartbeat, pageViewArgs, runCleanup, viewPage } from "../support/calls";
import { advanceTo, MINUTE, SECOND, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { sessionId } from "../support/seed";
import { muteBackfillLogs, runBackfill } from "../support/backfill";
import { expectExactFigures } from "../support/recount";
import { settle } from "../support/worker";
import { tablesOf, writesOf } from "../support/writeSet";

/**
 * The caps on abuse (component/record/rateLimits.ts, component/derive/siteCaps.ts):
 * what a limited call gets, that it writes nothing, that the limits recover,
 * and that a loop of fresh session ids or paths gets no further into the
 * figures than the site-wide caps let it, which the worker holds.
 */

useFakeClock(T0);
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** The RATE_LIMITED data a call was refused with, or null if it went through. */
async function refusal(call: Promise<unknown>): Promise<RateLimited | null> {
  try {
    await call;
    return null;
  } catch (error) {
    if (error instanceof ConvexError && (error.data as RateLimited).code === "RATE_LIMITED") return error.data as RateLimited;
    throw error;
  }
}

const viewCount = async (t: TestConvex) => (await t.runInStats((ctx) => ctx.db.query("pageViews").collect())).length;

describe("the caps' settings", () => {
  test("site-wide caps hold two minutes of their rate", () => {
    expect(siteCap(1_000)).toEqual({ perMinute: 1_000, capacity: 2_000 });
    expect(siteCap(150)).toEqual({ perMinute: 150, capacity: 300 });
  });

  test("the environment sets the site-wide caps; a bad value keeps the default and says so", () => {
    expect(siteCapConfig("newVisitors")).toEqual(siteCap(DEFAULT_NEW_VISITORS_PER_MINUTE));
    vi.stubEnv("STATS_MAX_NEW_VISITORS_PER_MINUTE", "300");
    vi.stubEnv("STATS_MAX_NEW_PATHS_PER_MINUTE", "lots");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(siteCapConfig("newVisitors")).toEqual(siteCap(300));
    expect(siteCapConfig("newPaths")).toEqual(siteCap(DEFAULT_NEW_PATHS_PER_MINUTE));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('STATS_MAX_NEW_PATHS_PER_MINUTE="lots"'));
  });
});

describe("per session", () => {
  test(`a session's view past ${SESSION_VIEWS_PER_MINUTE} in a minute is refused, writes nothing, and goes through once the minute's first view is a minute old`, async () => {
    const t = createTestConvex();
    for (let page = 0; page < SESSION_VIEWS_PER_MINUTE; page++) await viewPage(t, 1, `/p${page}`);

    const before = await viewCount(t);
    let limited: RateLimited | null = null;
    expect(await writesOf(t, async () => (limited = await refusal(viewPage(t, 1, "/one-too-many"))))).toEqual([]);
    // All 60 at one instant: the next place frees a minute later.
    expect(limited).toMatchObject({ code: "RATE_LIMITED", limit: "sessionViews", message: expect.stringContaining("retry in 60 s"), retryAfter: MINUTE });
    expect(await viewCount(t)).toBe(before);
    // Another visitor is not held back by it.
    expect(await refusal(viewPage(t, 2, "/p0"))).toBeNull();

    advanceTo(Date.now() + limited!.retryAfter - 1);
    expect(await refusal(viewPage(t, 1, "/one-too-many"))).toMatchObject({ code: "RATE_LIMITED", retryAfter: 1 });
    advanceTo(Date.now() + 1);
    expect(await refusal(viewPage(t, 1, "/one-too-many"))).toBeNull();
    expect(await viewCount(t)).toBe(before + 2);
  });

  test("a repeat view inside the dedup window takes no token", async () => {
    const t = createTestConvex();
    for (let i = 0; i < 3 * SESSION_VIEWS_PER_MINUTE; i++) await viewPage(t, 1, "/same");
    expect(await viewCount(t)).toBe(1);
    expect(await refusal(viewPage(t, 1, "/other"))).toBeNull();
  });

  test(`a session's page-changing heartbeat past ${SESSION_HEARTBEATS_PER_MINUTE} in a minute is refused; same-path beats take no token`, async () => {
    const t = createTestConvex();
    for (let i = 0; i < SESSION_HEARTBEATS_PER_MINUTE; i++) {
      await heartbeat(t, 1, `/p${i}`);
      await heartbeat(t, 1, `/p${i}`); // deduplicated: writes nothing, takes nothing
    }
    expect(await refusal(heartbeat(t, 1, "/next"))).toMatchObject({ code: "RATE_LIMITED", limit: "sessionHeartbeats" });
    // The page it is on keeps beating for a minute, one beat every HEARTBEAT_DEDUP_MS (12 a minute at 5 s), each without a token.
    const onPage = `/p${SESSION_HEARTBEATS_PER_MINUTE - 1}`;
    const lastWrite = Date.now();
    for (let beat = 0; beat < MINUTE / HEARTBEAT_DEDUP_MS; beat++) {
      advanceTo(Date.now() + HEARTBEAT_DEDUP_MS);
      expect(await refusal(heartbeat(t, 1, onPage))).toBeNull();
    }
    // Its live row is rewritten once LIVE_ROW_REFRESH_MS (45 s) after its last write: by the first beat that far on.
    const rewrittenAt = lastWrite + Math.ceil(LIVE_ROW_REFRESH_MS / HEARTBEAT_DEDUP_MS) * HEARTBEAT_DEDUP_MS;
    expect(await t.runInStats(async (ctx) => (await ctx.db.query("activeSessions").first())?.lastSeen)).toBe(rewrittenAt);
    advanceTo(Date.now() + MINUTE / SESSION_HEARTBEATS_PER_MINUTE);
    expect(await refusal(heartbeat(t, 1, "/next"))).toBeNull();
  });

  test("a loop of same-page beats writes the session's visit at most once per dedup window, counted from the visit's last activity", async () => {
    const t = createTestConvex();
    await viewPage(t, 1, "/a");
    await heartbeat(t, 1, "/a"); // within the dedup of the view's activity: nothing written
    advanceTo(Date.now() + HEARTBEAT_DEDUP_MS);
    const start = Date.now();
    let written = 0;
    for (let beat = 0; beat < 20; beat++) {
      written += (await measureHeartbeat(t, 1, "/a")).cost.documentsWritten;
      advanceTo(Date.now() + SECOND / 2);
    }
    // 20 beats over 10 s: the visit extended at 0 s and 5 s (HEARTBEAT_DEDUP_MS), nothing else written.
    expect(written).toBe(2);
    expect(await t.runInStats(async (ctx) => (await ctx.db.query("visits").first())?.lastActivity)).toBe(start + HEARTBEAT_DEDUP_MS);
  });

  test("a session's page-change bucket rides on the row its beats write: its open visit, else its live row, and goes with the row when the cleanup cron removes it", async () => {
    const t = createTestConvex();
    await viewPage(t, 1, "/a");
    await heartbeat(t, 1, "/b");
    await heartbeat(t, 2, "/a");
    await heartbeat(t, 3, "/a");
    const buckets = () => sessionBuckets(t);
    expect(new Set(await buckets())).toEqual(new Set([sessionId(2), sessionId(3)]));
    const visitBucket = await t.runInStats(async (ctx) => (await ctx.db.query("visits").first())?.pageChanges);
    expect(visitBucket).toEqual({ value: SESSION_HEARTBEATS_PER_MINUTE - 1, ts: T0 });
    advanceTo(T0 + SESSION_TIMEOUT_MS / 2);
    await heartbeat(t, 3, "/b");
    advanceTo(T0 + SESSION_TIMEOUT_MS + SECOND);

    await runCleanup(t);

    expect(await buckets()).toEqual([sessionId(3)]);
  });
});

describe("a loop of fresh session ids", () => {
  // 150 new visitors a minute: a bucket of 300 tokens.
  const PER_MINUTE = 150;

  // About 600 calls through convex-test.
  test("gets no further into the figures than the new-visitor cap, and the counts show exactly what it let through", { timeout: 60_000 }, async () => {
    vi.stubEnv("STATS_MAX_NEW_VISITORS_PER_MINUTE", String(PER_MINUTE));
    const t = createTestConvex();
    let visitor = 1;
    // At one instant: every call is recorded (the worker judges them), and the figures take the burst the cap holds, no more.
    for (let i = 0; i < 2.5 * PER_MINUTE; i++) expect(await refusal(viewPage(t, visitor++, "/"))).toBeNull();
    await settle(t);
    const accepted = (await t.query(api.stats.getStats, {})).uniqueVisitors;
    const { capacity } = siteCap(PER_MINUTE);
    expect(accepted).toBeLessThanOrEqual(capacity);
    expect(accepted).toBeGreaterThan(0.9 * capacity);
    // What it refused is evidence, out of every table a figure is made from.
    expect(await refusedEvents(t)).toEqual({ "newVisitors pageview": 2.5 * PER_MINUTE - accepted });
    expect(await viewCount(t)).toBe(accepted);

    // A minute on, the cap takes about a minute's rate again.
    advanceTo(T0 + MINUTE);
    for (let i = 0; i < 1.5 * PER_MINUTE; i++) expect(await refusal(viewPage(t, visitor++, "/"))).toBeNull();
    await settle(t);
    const acceptedLater = (await t.query(api.stats.getStats, {})).uniqueVisitors - accepted;
    expect(acceptedLater).toBeLessThanOrEqual(PER_MINUTE + 1);
    expect(acceptedLater).toBeGreaterThan(0.8 * PER_MINUTE);

    const { totalPageViews, uniqueVisitors, distinctPages } = await t.query(api.stats.getStats, {});
    expect({ totalPageViews, uniqueVisitors, distinctPages }).toEqual({
      totalPageViews: accepted + acceptedLater,
      uniqueVisitors: accepted + acceptedLater,
      distinctPages: 1,
    });
    // The visit figures too: the refused sessions' visits are gone with their views.
    expect(await t.query(api.stats.summary, { from: T0, to: T0 + 2 * MINUTE })).toMatchObject({
      pageviews: accepted + acceptedLater,
      visitors: accepted + acceptedLater,
      visits: accepted + acceptedLater,
    });
    await expectExactFigures(t);
    expect(await adminRecount(t)).toMatchObject({ success: true, summary: { failed: 0 } });
  });

  test("once the worker refuses a new visitor, new visitors are paused at the door (RATE_LIMITED, nothing written) while counted visitors pass", async () => {
    vi.stubEnv("STATS_MAX_NEW_VISITORS_PER_MINUTE", "5");
    const t = createTestConvex();
    for (let visitor = 1; visitor <= 12; visitor++) expect(await refusal(viewPage(t, visitor, "/"))).toBeNull();
    await settle(t);
    expect((await t.query(api.stats.getStats, {})).uniqueVisitors).toBe(siteCap(5).capacity);
    // The refused sessions' views, which their view limit counts, went with them.
    const viewers = await t.runInStats(async (ctx) => (await ctx.db.query("pageViews").collect()).map((view) => view.sessionId));
    expect(new Set(viewers)).toEqual(new Set(Array.from({ length: siteCap(5).capacity }, (_, i) => sessionId(i + 1))));

    let limited: RateLimited | null = null;
    expect(await writesOf(t, async () => (limited = await refusal(viewPage(t, 13, "/"))))).toEqual([]);
    expect(limited).toMatchObject({ code: "RATE_LIMITED", limit: "newVisitors", message: expect.stringContaining("new visitors") });
    expect(limited!.retryAfter).toBeGreaterThan(0);
    expect(limited!.retryAfter).toBeLessThanOrEqual(NEW_VISITOR_PAUSE_MS);
    expect(await refusal(heartbeat(t, 14, "/"))).toMatchObject({ code: "RATE_LIMITED", limit: "newVisitors" });
    // A visitor the cap let through is not new: its views and heartbeats pass.
    expect(await refusal(viewPage(t, 1, "/other"))).toBeNull();
    expect(await refusal(heartbeat(t, 1, "/other"))).toBeNull();

    advanceTo(Date.now() + limited!.retryAfter);
    expect(await refusal(viewPage(t, 13, "/"))).toBeNull();
  });

  test("spraying new paths gets no further into the figures than the new-path cap, and returning visitors on known pages pass meanwhile", { timeout: 60_000 }, async () => {
    vi.stubEnv("STATS_MAX_NEW_PATHS_PER_MINUTE", String(PER_MINUTE));
    const t = createTestConvex();
    await viewPage(t, 1, "/known");
    // 15 sessions, 30 new paths each: under each session's own cap, over the site's new-path cap; every call is answered alike.
    for (let session = 100; session < 115; session++) {
      for (let page = 0; page < 30; page++) expect(await refusal(viewPage(t, session, `/spray/${session}/${page}`))).toBeNull();
    }
    expect(await refusal(viewPage(t, 2, "/known"))).toBeNull();
    await settle(t);

    const accepted = (await t.query(api.stats.getStats, {})).distinctPages - 1;
    expect(accepted).toBeLessThanOrEqual(siteCap(PER_MINUTE).capacity - 1);
    expect(accepted).toBeGreaterThan(0.9 * (siteCap(PER_MINUTE).capacity - 1));
    expect(await refusedEvents(t)).toEqual({ "newPaths pageview": 15 * 30 - accepted });
    expect((await t.query(api.stats.getStats, {})).totalPageViews).toBe(accepted + 2);
    await expectExactFigures(t);
  });

  test("a view of a new path over the cap leaves its visit too: the visit keeps its other views, or goes with its only one", async () => {
    vi.stubEnv("STATS_MAX_NEW_PATHS_PER_MINUTE", "1");
    const t = createTestConvex();
    await viewPage(t, 1, "/a");
    await viewPage(t, 1, "/b");
    advanceTo(T0 + SECOND);
    // Visitor 2: a known page, a new one over the cap, a known one. Visitor 3: only a new page over the cap.
    await viewPage(t, 2, "/a");
    await viewPage(t, 2, "/over-the-cap");
    await viewPage(t, 2, "/b");
    await viewPage(t, 3, "/also-over");
    await settle(t);

    const visits = await t.runInStats((ctx) => ctx.db.query("visits").collect());
    expect(visits.map(({ sessionId, views, entryPage, exitPage }) => ({ sessionId, views, entryPage, exitPage }))).toEqual([
      { sessionId: sessionId(1), views: 2, entryPage: "/a", exitPage: "/b" },
      { sessionId: sessionId(2), views: 2, entryPage: "/a", exitPage: "/b" },
    ]);
    expect(await refusedEvents(t)).toEqual({ "newPaths pageview": 2 });
    const range = { from: T0, to: T0 + MINUTE };
    expect(await t.query(api.stats.summary, range)).toMatchObject({ pageviews: 4, visitors: 2, visits: 2 });
    // Settled, the visits count the same.
    advanceTo(T0 + VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS + MINUTE);
    await settle(t);
    expect(await t.query(api.stats.summary, range)).toMatchObject({ pageviews: 4, visitors: 2, visits: 2, bounceRate: 0 });
    await expectExactFigures(t);
    expect(await adminRecount(t)).toMatchObject({ success: true, summary: { failed: 0 } });
  });

  test("a heartbeat from a session that never viewed a page counts as a new visitor, once with its views", async () => {
    vi.stubEnv("STATS_MAX_NEW_VISITORS_PER_MINUTE", "5");
    const t = createTestConvex();
    const { capacity } = siteCap(5);
    // As the React tracker may: the first heartbeat, then the first view. One new visitor each, not two.
    for (let visitor = 1; visitor <= capacity / 2; visitor++) {
      await heartbeat(t, visitor, "/");
      await viewPage(t, visitor, "/");
    }
    await settle(t);
    // And the other way round, in another batch.
    for (let visitor = capacity / 2 + 1; visitor <= capacity; visitor++) {
      await viewPage(t, visitor, "/");
      await heartbeat(t, visitor, "/");
    }
    await settle(t);
    expect((await t.query(api.stats.getStats, {})).uniqueVisitors).toBe(capacity);
    expect((await t.query(api.stats.getActiveVisitors, {})).activeVisitors).toBe(capacity);
    expect(await refusedEvents(t)).toEqual({});

    // Heartbeats alone cannot push "active now" past the cap.
    for (let visitor = 100; visitor < 102; visitor++) expect(await refusal(heartbeat(t, visitor, "/"))).toBeNull();
    await settle(t);
    expect((await t.query(api.stats.getActiveVisitors, {})).activeVisitors).toBe(capacity);
    expect(await refusedEvents(t)).toEqual({ "newVisitors heartbeat": 2 });
    await expectExactFigures(t);
  });
});

describe("a rebuild", () => {
  test("reaches the same figures, whatever the caps say by then: a backfill folds only the rows the caps let through", async () => {
    vi.stubEnv("STATS_MAX_NEW_VISITORS_PER_MINUTE", "5");
    vi.stubEnv("STATS_MAX_NEW_PATHS_PER_MINUTE", "1");
    muteBackfillLogs();
    const t = createTestConvex();
    for (let visitor = 1; visitor <= 12; visitor++) await viewPage(t, visitor, "/");
    for (const path of ["/x", "/y"]) await viewPage(t, 1, path);
    await settle(t);
    const figures = async () => {
      const { totalPageViews, uniqueVisitors, distinctPages } = await t.query(api.stats.getStats, {});
      return { totalPageViews, uniqueVisitors, distinctPages, summary: await t.query(api.stats.summary, { from: T0, to: T0 + MINUTE }) };
    };
    const before = await figures();
    expect(before).toMatchObject({ totalPageViews: 11, uniqueVisitors: 10, distinctPages: 2 });

    vi.stubEnv("STATS_MAX_NEW_VISITORS_PER_MINUTE", "1000");
    vi.stubEnv("STATS_MAX_NEW_PATHS_PER_MINUTE", "1000");
    await runBackfill(t);

    expect(await figures()).toEqual(before);
    await expectExactFigures(t);
  });
});

describe("a refused new visitor whose heartbeat was counted first", () => {
  test("leaves 'active now' too: while the worker holds views for a rebuild, its heartbeat (on its visit) is live; once its view is refused, it is gone", async () => {
    vi.stubEnv("STATS_MAX_NEW_VISITORS_PER_MINUTE", "5");
    muteBackfillLogs();
    const t = createTestConvex();
    for (let visitor = 1; visitor <= siteCap(5).capacity; visitor++) await viewPage(t, visitor, "/");
    await settle(t);
    // The rules change: views and visits wait for a backfill; what visits say of their sessions, like heartbeats, is folded.
    vi.stubEnv("STATS_TIME_ZONE", "Europe/Berlin");
    await viewPage(t, 50, "/");
    await heartbeat(t, 50, "/other");
    await settle(t);
    // (The counted visitors' views made them live on "/".)
    const counted = { path: "/", title: "Home", count: siteCap(5).capacity };
    expect(await t.query(api.stats.getActiveVisitors, {})).toEqual({ activeVisitors: siteCap(5).capacity + 1, activeByPath: [counted, { path: "/other", title: "/other", count: 1 }] });

    await runBackfill(t);

    // Its heartbeat was kept on its visit, which goes with its views (a session with an open visit has no live row to keep as evidence).
    expect(await refusedEvents(t)).toEqual({ "newVisitors pageview": 1 });
    expect(await t.query(api.stats.getActiveVisitors, {})).toEqual({ activeVisitors: siteCap(5).capacity, activeByPath: [counted] });
    expect((await t.query(api.stats.getStats, {})).uniqueVisitors).toBe(siteCap(5).capacity);
    await expectExactFigures(t);
  });
});

describe("a probe for pages that exist", () => {
  test("once the new-path cap is used up, a view of a never-viewed path is answered and written as one of a known path", async () => {
    vi.stubEnv("STATS_MAX_NEW_PATHS_PER_MINUTE", "1");
    const t = createTestConvex();
    await viewPage(t, 1, "/known");
    await viewPage(t, 1, "/uses-the-cap");
    await settle(t);
    // Wakes the worker, so that neither probe is the call that does.
    await viewPage(t, 4, "/known");

    const probe = async (visitor: number, path: string) => {
      let answer: unknown;
      const writes = await writesOf(t, async () => (answer = await t.mutation(api.stats.recordPageView, pageViewArgs(visitor, path))));
      return { answer, tables: tablesOf(writes) };
    };
    expect(await probe(2, "/never-viewed")).toEqual(await probe(3, "/known"));
    await settle(t);
    // The worker then leaves the never-viewed path out of every figure.
    expect((await t.query(api.stats.listPageStats, { paginationOpts: { numItems: 10, cursor: null } })).page.map((row) => row.path).sort()).toEqual(["/known", "/uses-the-cap"]);
    expect(await refusedEvents(t)).toEqual({ "newPaths pageview": 1 });
  });
});

/** The sessions with a page-change bucket: their live rows that keep one. */
async function sessionBuckets(t: TestConvex): Promise<string[]> {
  const sessions = await t.runInStats((ctx) => ctx.db.query("activeSessions").collect());
  return sessions.filter((session) => session.pageChanges !== undefined).map((session) => session.sessionId);
}

/** POST /api/admin/recount, as an operator checks the derived figures against the raw rows. */
async function adminRecount(t: TestConvex): Promise<unknown> {
  const secret = "4f1c9a7e2b8d0c6f3a5e9b1d7c2f8a0e4b6d9c3f1a7e5b2d8c0f6a4e9b3d1c7f";
  vi.stubEnv("STATS_ADMIN_SECRET", secret);
  // Its step-by-step log stays out of the test's output (afterEach restores console.log).
  vi.spyOn(console, "log").mockImplementation(() => {});
  const response = await t.fetch("/api/admin/recount", { method: "POST", headers: { Authorization: `Bearer ${secret}` } });
  return await response.json();
}

/** The rows the caps moved to refusedEvents, counted by limit and kind. */
async function refusedEvents(t: TestConvex): Promise<Record<string, number>> {
  const rows = await t.runInStats((ctx) => ctx.db.query("refusedEvents").collect());
  const counts: Record<string, number> = {};
  for (const { limit, kind } of rows) counts[`${limit} ${kind}`] = (counts[`${limit} ${kind}`] ?? 0) + 1;
  return counts;
}
