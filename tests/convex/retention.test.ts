import { afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { ConvexError } from "convex/values";
import { api, internal } from "../../convex/_generated/api";
import { rawRetentionDays } from "../../src/component/operate/retention";
import type { HealthReport } from "../../src/component/operate/health";
import { RETENTION_PAGE_SIZE } from "../../src/shared/config";
import { muteBackfillLogs, runBackfill } from "../support/backfill";
import { heartbeat, runCleanup, viewPage } from "../support/calls";
import { DAY, HOUR, MINUTE, T0, advanceTo, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { STATS_COMPONENT } from "../support/convexBackend";
import { expectExactFigures } from "../support/recount";
import { scheduledRuns } from "../support/scheduler";
import { insertLegacyData, insertRows, pathName } from "../support/seed";
import { generateVisitCalls, replayCalls, withEvents } from "../support/visitWorkload";
import { settle } from "../support/worker";
import { KEEP_ALL_DETAIL, useEnv } from "../support/env";

// Raw retention (src/component/operate/retention.ts, prds/retention.md): the cleanup cron deletes views, visits and custom
// events past STATS_RAW_RETENTION_DAYS once derived, and refused rows after their window; the figures never change.

const ADMIN_SECRET = "9b1f0c3e5a7d2f4e6c8a0b2d4f6e8a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f";
const RETENTION = "STATS_RAW_RETENTION_DAYS";

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Every figure the dashboard shows for `ranges` (no filter): totals, summaries, series and breakdowns. */
async function dashboardFigures(t: TestConvex, ranges: { from: number; to: number }[]) {
  const { trackingSince, totalPageViews, uniqueVisitors, distinctPages, pageStats } = await t.query(api.stats.getPageViewStats, {});
  const perRange = [];
  for (const range of ranges) {
    perRange.push({
      summary: await t.query(api.stats.summary, range),
      days: await t.query(api.stats.timeseries, { ...range, interval: "day" }),
      breakdowns: await Promise.all(
        // Visit properties keep whole hours (off them only the visits in progress answer: stats.visits.test.ts).
        (range.from % HOUR === 0 && range.to % HOUR === 0 ? ["page", "event", "source", "entryPage", "browser", "country"] : ["page", "event"]).map((property) =>
          t.query(api.stats.breakdown, { ...range, property, limit: 50 }),
        ),
      ),
    });
  }
  return { totals: { trackingSince, totalPageViews, uniqueVisitors, distinctPages, pageStats }, perRange };
}

/** Runs the cleanup as the cron does, with its follow-ups, until nothing is left to do now; what it deleted of raw rows. */
async function runCleanupToTheEnd(t: TestConvex): Promise<number> {
  let pruned = 0;
  for (;;) {
    const step = await t.mutation(internal.stats.cleanupStaleSessions, { reschedule: false });
    pruned += step.pruned;
    if (!step.more) return pruned;
  }
}

const rawRows = (t: TestConvex) =>
  t.runInStats(async (ctx) => ({
    views: await ctx.db.query("pageViews").collect(),
    visits: await ctx.db.query("visits").collect(),
    events: await ctx.db.query("customEvents").collect(),
  }));
const rawRetention = (t: TestConvex) => t.runInStats((ctx) => ctx.db.query("rawRetention").first());

/** GET /api/health's report (the dashboard is public). */
async function healthReport(t: TestConvex): Promise<HealthReport> {
  return (await (await t.fetch("/api/health")).json()) as HealthReport;
}

describe("STATS_RAW_RETENTION_DAYS", () => {
  test("unset or blank keeps raw rows forever; a whole number of days from 7 to 3,653 is the setting", () => {
    expect(rawRetentionDays({})).toBeNull();
    expect(rawRetentionDays({ [RETENTION]: "  " })).toBeNull();
    expect(rawRetentionDays({ [RETENTION]: " 30 " })).toBe(30);
    expect(rawRetentionDays({ [RETENTION]: "7" })).toBe(7);
    expect(rawRetentionDays({ [RETENTION]: "3653" })).toBe(3653);
  });

  test("anything else is INVALID_CONFIGURATION naming the variable and how to fix it, never a default", () => {
    for (const raw of ["6", "0", "-30", "30.5", "1e2", "thirty", "3654", "0x1e"]) {
      let thrown: unknown;
      try {
        rawRetentionDays({ [RETENTION]: raw });
      } catch (error) {
        thrown = error;
      }
      expect(thrown, raw).toBeInstanceOf(ConvexError);
      expect((thrown as ConvexError<{ code: string; field: string; message: string }>).data).toMatchObject({
        code: "INVALID_CONFIGURATION",
        field: RETENTION,
        message: expect.stringContaining(`npx convex env set ${RETENTION} 90`),
      });
    }
  });
});

describe("a site with 20 days of visits, 30 days on, keeping raw rows 14 days", () => {
  useFakeClock(T0, "all");
  // Whole-minute ranges in the deleted days: every detail kept (the rollup: stats.rollup.test.ts).
  useEnv(KEEP_ALL_DETAIL);
  const NOW = T0 + 30 * DAY;
  const CUTOFF = NOW - 14 * DAY;
  // All of it, a range in the deleted days, one across the cutoff, one after it, and the deleted days again on whole hours (visit properties).
  const RANGES = [
    { from: T0, to: NOW },
    { from: T0 + 2 * DAY + 7 * MINUTE, to: T0 + 5 * DAY + 13 * MINUTE },
    { from: CUTOFF - 2 * DAY, to: CUTOFF + 3 * DAY },
    { from: CUTOFF + DAY, to: NOW },
    { from: T0 + 2 * DAY + 7 * HOUR, to: T0 + 5 * DAY + 13 * HOUR },
  ];
  const FILTER = { property: "source", value: "Direct / None" } as const;
  // A breakdown under a filter, and filters that combine, over every range.
  const filteredFigures = async (tc: TestConvex) => {
    const figures: unknown[] = [];
    for (const range of RANGES) {
      figures.push(await tc.query(api.stats.breakdown, { ...range, property: "browser", filter: FILTER }));
      figures.push(await tc.query(api.stats.summary, { ...range, filters: [{ ...FILTER, op: "isNot" }, { property: "page", op: "contains", value: "post" }] }));
      // Conversions read the visits' steps, which their blocks keep.
      figures.push(await tc.query(api.stats.summary, { ...range, filters: [{ property: "event", op: "is", value: "Signup" }] }));
    }
    return figures;
  };
  const t = createTestConvex();
  let before: Awaited<ReturnType<typeof dashboardFigures>>;
  let filtered: unknown[];
  let raw: Awaited<ReturnType<typeof rawRows>>;
  let pruned: number;

  beforeAll(async () => {
    await replayCalls(t, withEvents(generateVisitCalls({ visitors: 40, start: T0, days: 20, seed: 7 })));
    advanceTo(NOW);
    await settle(t);
    before = await dashboardFigures(t, RANGES);
    raw = await rawRows(t);
    filtered = await filteredFigures(t);
    vi.stubEnv(RETENTION, "14");
    pruned = await runCleanupToTheEnd(t);
  }, 600_000);

  test("deletes every view, event and visit of a visit that ended before the cutoff, and nothing else", async () => {
    const after = await rawRows(t);
    const endedBefore = raw.visits.filter((visit) => visit.lastActivity < CUTOFF);
    const kept = (row: { sessionId: string; timestamp: number }) =>
      !endedBefore.some((visit) => visit.sessionId === row.sessionId && row.timestamp >= visit.start && row.timestamp <= visit.lastActivity);
    expect(endedBefore.length).toBeGreaterThan(20);
    expect(raw.events.filter((event) => !kept(event)).length).toBeGreaterThan(5);
    expect(after.visits.map((visit) => visit._id).sort()).toEqual(raw.visits.filter((visit) => visit.lastActivity >= CUTOFF).map((visit) => visit._id).sort());
    expect(after.views.map((view) => view._id).sort()).toEqual(raw.views.filter(kept).map((view) => view._id).sort());
    expect(after.events.map((event) => event._id).sort()).toEqual(raw.events.filter(kept).map((event) => event._id).sort());
    expect(pruned).toBe(raw.views.length - after.views.length + raw.visits.length - after.visits.length + raw.events.length - after.events.length);
  });

  test("every figure is what it was: totals, tracking since, summaries, series and breakdowns, in the deleted days too", async () => {
    expect(await dashboardFigures(t, RANGES)).toEqual(before);
    expect(before.totals.trackingSince).toBe(Math.min(...raw.views.map((view) => view.timestamp)));
  });

  test("records what it deleted: the horizon, the views and visits the figures still count, each page's views", async () => {
    const after = await rawRows(t);
    const status = await rawRetention(t);
    expect(status).toMatchObject({
      deletedBefore: expect.any(Number),
      retired: {
        views: raw.views.length - after.views.length,
        visits: raw.visits.length - after.visits.length,
        events: raw.events.length - after.events.length,
        since: before.totals.trackingSince,
      },
    });
    expect(status!.deletedBefore).toBeGreaterThanOrEqual(CUTOFF);
    const tallies = await t.runInStats((ctx) => ctx.db.query("retiredViews").collect());
    for (const { path, views } of tallies) {
      const page = before.totals.pageStats.find((stat) => stat.path === path);
      if (page !== undefined) expect(page.views).toBe(views + after.views.filter((view) => view.path === path).length);
    }
  });

  test("filtered figures read packed visits, which raw retention keeps: unchanged in the deleted days too", async () => {
    expect(await filteredFigures(t)).toEqual(filtered);
  });

  test("the admin recount agrees: derived views = raw rows + the views raw retention deleted", async () => {
    vi.stubEnv("STATS_ADMIN_SECRET", ADMIN_SECRET);
    vi.spyOn(console, "log").mockImplementation(() => {});
    const response = await t.fetch("/api/admin/recount?limit=20", { method: "POST", headers: { Authorization: `Bearer ${ADMIN_SECRET}` } });
    const body = await response.json();
    vi.mocked(console.log).mockRestore();
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ success: true, summary: { failed: 0 } });
    expect(body.summary.processed).toBeGreaterThan(5);
  });

  test("health reports the setting, and that deletion keeps up", async () => {
    vi.stubEnv(RETENTION, "14");
    const { checks } = await healthReport(t);
    expect(checks.retention).toMatchObject({ ok: true, days: 14, refusedKeepDays: 14 });
    expect(checks.retention.lagMs).toBeLessThan(DAY);
    expect(checks.retention.message).toContain("raw rows are kept 14 days");
  });

  test("a backfill refuses to drop the deleted rows' figures unless told to, and then rebuilds from the rows left", async () => {
    muteBackfillLogs();
    const error = await t.mutation(internal.stats.backfillAggregates, {}).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ code: string; message: string }>).data).toMatchObject({
      code: "RETENTION_LOSS",
      message: expect.stringContaining('{"acceptRetentionLoss": true}'),
    });
    expect(await dashboardFigures(t, RANGES)).toEqual(before);
    // POST /api/admin/backfill likewise: 409, and how to accept it over HTTP.
    vi.stubEnv("STATS_ADMIN_SECRET", ADMIN_SECRET);
    vi.spyOn(console, "log").mockImplementation(() => {});
    const refused = await t.fetch("/api/admin/backfill", { method: "POST", headers: { Authorization: `Bearer ${ADMIN_SECRET}` } });
    expect(refused.status).toBe(409);
    const { error: why } = await refused.json();
    expect(why).toContain("Raw retention (STATS_RAW_RETENTION_DAYS) has deleted");
    expect(why).toContain("POST /api/admin/backfill?acceptRetentionLoss=true");
    vi.mocked(console.log).mockRestore();
    expect(await dashboardFigures(t, RANGES)).toEqual(before);

    await t.mutation(internal.stats.backfillAggregates, { acceptRetentionLoss: true });
    await settle(t, 60 * 60 * 1000);
    const left = await rawRows(t);
    const truth = await expectExactFigures(t);
    expect(truth.totalPageViews).toBe(left.views.length);
    expect((await t.query(api.stats.getPageViewStats, {})).trackingSince).toBe(Math.min(...left.views.map((view) => view.timestamp)));
    expect((await rawRetention(t))?.retired).toBeUndefined();
    expect(await t.runInStats((ctx) => ctx.db.query("retiredViews").collect())).toEqual([]);
    // Filtered figures come from visits packed again from the rows left: a range before those is refused, naming where they start.
    const { deletedBefore } = (await rawRetention(t))!;
    const filters = [{ ...FILTER, op: "isNot" }];
    const early = await t.query(api.stats.summary, { ...RANGES[0], filters }).catch((thrown: unknown) => thrown);
    expect((early as ConvexError<{ code: string; availableFrom: number }>).data).toMatchObject({ code: "RANGE_TOO_EARLY", availableFrom: deletedBefore - (deletedBefore % MINUTE) + MINUTE });
    expect(await t.query(api.stats.summary, { from: deletedBefore - (deletedBefore % MINUTE) + MINUTE, to: NOW, filters })).toMatchObject({ visits: expect.any(Number) });
    // Nothing is left to lose: the next one needs no acknowledgement.
    await expect(t.mutation(internal.stats.backfillAggregates, {})).resolves.toMatchObject({ started: true });
    await settle(t, 60 * 60 * 1000);
  });
});

describe("rows not derived yet", () => {
  useFakeClock(T0);

  test("a view the worker has not folded, or whose visit is not settled, stays until it is; deletion then catches up and health says so", async () => {
    const t = createTestConvex();
    vi.stubEnv(RETENTION, "7");
    await viewPage(t, 1, "/a");
    await settle(t);
    // Folded, but its visit has not ended yet for the worker; visitor 2's view is not even folded.
    vi.setSystemTime(T0 + MINUTE);
    await viewPage(t, 2, "/b");
    vi.setSystemTime(T0 + 20 * DAY);
    const before = await rawRows(t);

    expect(await runCleanupToTheEnd(t)).toBe(0);
    expect(await rawRows(t)).toEqual(before);
    const behind = (await healthReport(t)).checks.retention;
    expect(behind).toMatchObject({ ok: false, days: 7, fix: expect.stringContaining("worker") });
    expect(behind.message).toContain("deletion is behind");
    expect(behind.lagMs).toBe(13 * DAY);

    await settle(t);
    const figures = await dashboardFigures(t, [{ from: T0, to: T0 + DAY }]);
    expect(await runCleanupToTheEnd(t)).toBe(4);
    expect(await rawRows(t)).toEqual({ views: [], visits: [], events: [] });
    expect(await dashboardFigures(t, [{ from: T0, to: T0 + DAY }])).toEqual(figures);
    expect(figures.totals.totalPageViews).toBe(2);
    expect((await healthReport(t)).checks.retention).toMatchObject({ ok: true, lagMs: 0 });
  });

  test("rows an upgrade imported are kept until a backfill that started after them has folded them", async () => {
    muteBackfillLogs();
    const now = T0 + 31 * DAY;
    vi.setSystemTime(now);
    const t = createTestConvex();
    vi.stubEnv(RETENTION, "7");
    await insertLegacyData(t, { views: 300, sessions: 20, paths: 8, liveSessions: 0, idleSessions: 0, now, visitsPerSession: 3 });
    expect(await runCleanupToTheEnd(t)).toBe(0);

    // A backfill that starts in the very millisecond of the import is not known to have followed it.
    vi.setSystemTime(now + 1000);
    await runBackfill(t);
    const figures = await dashboardFigures(t, [{ from: T0, to: now - (now % MINUTE) }]);
    expect(await runCleanupToTheEnd(t)).toBeGreaterThan(200);
    expect(await dashboardFigures(t, [{ from: T0, to: now - (now % MINUTE) }])).toEqual(figures);
    // An import after that backfill holds deletion again until the next one.
    const left = (await rawRows(t)).views.length;
    await insertRows(t, "pageViews", [{ path: "/old", pageType: "post", sessionId: "imported-session-0001", timestamp: T0 }]);
    await insertRows(t, "pageViews", [{ path: "/old", pageType: "post", sessionId: "imported-session-0002", timestamp: now - 10 * DAY }]);
    expect(await runCleanupToTheEnd(t)).toBe(0);
    expect((await rawRows(t)).views.length).toBe(left + 2);
  });

  test("a backfill under way holds deletion", async () => {
    muteBackfillLogs();
    const now = T0 + 31 * DAY;
    vi.setSystemTime(now);
    const t = createTestConvex();
    await insertLegacyData(t, { views: 100, sessions: 10, paths: 4, liveSessions: 0, idleSessions: 0, now, visitsPerSession: 2 });
    vi.setSystemTime(now + 1000);
    await runBackfill(t);
    await t.mutation(internal.stats.backfillAggregates, {});
    vi.stubEnv(RETENTION, "7");
    expect(await runCleanupToTheEnd(t)).toBe(0);
    await settle(t, 60 * 60 * 1000);
    expect(await runCleanupToTheEnd(t)).toBeGreaterThan(50);
  });
});

describe("many old rows", () => {
  const NOW = T0 + 31 * DAY;
  useFakeClock(NOW, "all");
  const t = createTestConvex();
  const VIEWS = 2_500;
  const RANGES = [
    { from: T0, to: NOW },
    { from: T0 + 10 * DAY, to: T0 + 12 * DAY },
  ];
  let before: Awaited<ReturnType<typeof dashboardFigures>>;

  beforeAll(async () => {
    muteBackfillLogs();
    await insertLegacyData(t, { views: VIEWS, sessions: 120, paths: 30, liveSessions: 0, idleSessions: 0, now: NOW, visitsPerSession: 4 });
    vi.setSystemTime(NOW + 1000);
    await runBackfill(t);
    before = await dashboardFigures(t, RANGES);
  }, 600_000);

  test("go in bounded steps, each a transaction within Convex's limits, each resuming where the last stopped, the figures the same after every one", async () => {
    vi.stubEnv(RETENTION, "7");
    const steps: number[] = [];
    for (;;) {
      const step = await t.mutation(internal.stats.cleanupStaleSessions, { reschedule: false });
      steps.push(step.pruned);
      expect(await dashboardFigures(t, RANGES)).toEqual(before);
      if (!step.more) break;
    }
    expect(steps.length).toBeGreaterThan(5);
    // A page of views and one of visits at most per step.
    expect(Math.max(...steps)).toBeLessThanOrEqual(2 * RETENTION_PAGE_SIZE);
    const left = await rawRows(t);
    expect(left.views.every((view) => view.timestamp >= NOW - 7 * DAY - 20 * MINUTE)).toBe(true);
    expect(left.visits.every((visit) => visit.lastActivity >= NOW - 7 * DAY)).toBe(true);
    expect(steps.reduce((a, b) => a + b, 0)).toBeGreaterThan(VIEWS / 2);
  });

  test("the cron's own run reschedules itself until done, every chunk a success", async () => {
    // Ten days on, the rest of the views are past the window: more than a page of them.
    vi.stubEnv(RETENTION, "7");
    vi.setSystemTime(NOW + 10 * DAY);
    expect((await rawRows(t)).views.length).toBeGreaterThan(RETENTION_PAGE_SIZE);
    const runsBefore = (await scheduledRuns(t))[`${STATS_COMPONENT}/operate:cleanupStaleSessions`] ?? {};
    await t.mutation(internal.stats.cleanupStaleSessions, {});
    await settle(t);
    const runs = (await scheduledRuns(t))[`${STATS_COMPONENT}/operate:cleanupStaleSessions`];
    expect(Object.keys(runs)).toEqual(["success"]);
    expect(runs.success - (runsBefore.success ?? 0)).toBeGreaterThan(0);
    expect(await rawRows(t)).toEqual({ views: [], visits: [], events: [] });
    expect((await dashboardFigures(t, RANGES)).totals).toEqual(before.totals);
  });
});

describe("refused rows", () => {
  useFakeClock(T0 + 100 * DAY);

  const refused = (refusedAt: number, n: number) => ({
    limit: "newPaths" as const,
    kind: "pageview" as const,
    sessionId: `refused-session-${String(n).padStart(4, "0")}`,
    path: pathName(n),
    pageType: "post",
    timestamp: refusedAt,
    refusedAt,
  });

  test("are deleted after 30 days without the setting, or after the setting when it is shorter", async () => {
    const t = createTestConvex();
    const now = Date.now();
    await insertRows(t, "refusedEvents", [refused(now - 40 * DAY, 1), refused(now - 31 * DAY, 2), refused(now - 20 * DAY, 3), refused(now - DAY, 4)]);
    const left = async () => (await t.runInStats((ctx) => ctx.db.query("refusedEvents").collect())).map((row) => row.sessionId).sort();

    // Before the cron's first run, the oldest is 10 days past its window.
    expect((await healthReport(t)).checks.retention).toMatchObject({ ok: false, days: null, refusedKeepDays: 30, lagMs: 10 * DAY });
    expect(await runCleanupToTheEnd(t)).toBe(2);
    expect(await left()).toEqual(["refused-session-0003", "refused-session-0004"]);
    expect((await healthReport(t)).checks.retention).toMatchObject({ ok: true, days: null, refusedKeepDays: 30, lagMs: 0 });

    vi.stubEnv(RETENTION, "14");
    expect(await runCleanupToTheEnd(t)).toBe(1);
    expect(await left()).toEqual(["refused-session-0004"]);
  });

  test("a page of them at a time, in bounded steps", async () => {
    const t = createTestConvex();
    const now = Date.now();
    const old = Array.from({ length: 2 * RETENTION_PAGE_SIZE + 10 }, (_, i) => refused(now - 31 * DAY - i, i));
    await insertRows(t, "refusedEvents", old);
    const first = await t.mutation(internal.stats.cleanupStaleSessions, { reschedule: false });
    expect(first).toEqual({ deleted: 0, pruned: RETENTION_PAGE_SIZE, more: true });
    expect(await runCleanupToTheEnd(t)).toBe(RETENTION_PAGE_SIZE + 10);
  });
});

describe("an invalid setting", () => {
  useFakeClock(T0);

  test("deletes no raw row, still removes idle sessions, and fails the health check with the fix", async () => {
    const t = createTestConvex();
    await viewPage(t, 1, "/a");
    // A session with no open visit keeps its own live row (one with a visit keeps its live state there).
    await heartbeat(t, 2, "/a");
    await settle(t);
    advanceTo(T0 + 30 * DAY);
    await settle(t);
    vi.stubEnv(RETENTION, "3");
    vi.spyOn(console, "error").mockImplementation(() => {});
    const before = await rawRows(t);

    const result = await t.mutation(internal.stats.cleanupStaleSessions, {});
    expect(result).toEqual({ deleted: 1, pruned: 0, more: false });
    expect(vi.mocked(console.error).mock.calls.flat().join(" ")).toContain("STATS_RAW_RETENTION_DAYS");
    expect(await rawRows(t)).toEqual(before);
    const { healthy, checks } = await healthReport(t);
    expect(healthy).toBe(false);
    expect(checks.retention).toMatchObject({ ok: false, days: null, fix: `npx convex env set ${RETENTION} 90` });
    expect(checks.retention.message).toContain(`The environment variable ${RETENTION} is "3"`);
    vi.mocked(console.error).mockRestore();
  });
});

describe("a visitor whose old views were deleted comes back", () => {
  useFakeClock(T0);

  test("is the same visitor: counted once, and not held to the new-visitor cap", async () => {
    const t = createTestConvex();
    await viewPage(t, 1, "/a");
    await settle(t);
    advanceTo(T0 + 10 * DAY);
    // The cron wakes the worker to settle the visit; the next run deletes it with its view.
    await runCleanup(t);
    vi.stubEnv(RETENTION, "7");
    expect(await runCleanupToTheEnd(t)).toBe(2);
    // The site admits no new visitor now: two newcomers take the burst.
    vi.stubEnv("STATS_MAX_NEW_VISITORS_PER_MINUTE", "1");
    await viewPage(t, 2, "/b");
    await viewPage(t, 3, "/b");
    await viewPage(t, 1, "/a");
    await settle(t);
    vi.spyOn(console, "log").mockImplementation(() => {});
    await viewPage(t, 4, "/b");
    await settle(t);
    vi.mocked(console.log).mockRestore();

    const stats = await t.query(api.stats.getPageViewStats, {});
    expect(stats).toMatchObject({ totalPageViews: 4, uniqueVisitors: 3 });
    const refusedSessions = (await t.runInStats((ctx) => ctx.db.query("refusedEvents").collect())).map((row) => row.sessionId);
    expect(refusedSessions).toHaveLength(1);
    expect(refusedSessions[0]).not.toBe((await rawRows(t)).views.find((view) => view.path === "/a")!.sessionId);
  });
});
