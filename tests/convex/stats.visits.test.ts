import { beforeAll, describe, expect, test } from "vitest";
import { ConvexError } from "convex/values";
import { api, internal } from "../../convex/_generated/api";
import {
  BREAKDOWN_PROPERTIES,
  DIRECT_SOURCE,
  FILTER_SNAPSHOT_MS,
  HEARTBEAT_DEBOUNCE_MS,
  HEARTBEAT_INTERVAL_MS,
  VISIT_PROPERTIES,
  VISIT_SETTLE_GRACE_MS,
  VISIT_TIMEOUT_MS,
} from "../../src/shared/config";
import { visitAttributes } from "../../src/component/record/visitAttributes";
import { DAY, HOUR, MINUTE, T0, advanceTo, useFakeClock, minuteOf } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { generateViews, insertRows, random, sessionId } from "../support/seed";
import { backfillStatus, startBackfill } from "../support/backfill";
import { expectedBreakdown, expectedSeries, expectedSummary, readTruth, type Filter } from "../support/timeTruth";
import { USER_AGENTS, generateVisitCalls, replayAndRecount, visitsByRule, type Call } from "../support/visitWorkload";
import { nextWorkerBatch, settle } from "../support/worker";
import { runCleanup } from "../support/calls";
import { KEEP_ALL_DETAIL, useEnv } from "../support/env";

/**
 * Visits against a brute-force recount: 120 visitors' calls over a week
 * (views with their browser's context, heartbeats between), made through the
 * public mutations at their times. The raw visit rows must follow the rule
 * (a gap over 30 minutes of views and heartbeats starts a visit), and every
 * figure of the Stats API, with and without a filter, must match a recount of
 * the raw rows: first while the last visits are still open, then once all
 * are settled.
 */
useFakeClock(T0, "all");
// A week checked at whole minutes: every detail kept (the rollup: stats.rollup.test.ts).
useEnv(KEEP_ALL_DETAIL);
const t = createTestConvex();
const DAYS = 7;
const CALLS: Call[] = generateVisitCalls({ visitors: 120, start: T0, days: DAYS });
const END = CALLS.at(-1)!.at;
const SPAN = { from: T0, to: END - (END % MINUTE) + MINUTE };
// Visit properties keep whole hours: their figures over whole hours come from buckets (off them: open visits, below).
const HOUR_SPAN = { from: T0, to: Math.ceil(SPAN.to / HOUR) * HOUR };
let truth: Awaited<ReturnType<typeof readTruth>>;

beforeAll(async () => void (truth = await replayAndRecount(t, CALLS)), 600_000);


/** A few values of every property that occur, as filters. */
function someFilters(): Filter[] {
  const filters: Filter[] = [{ property: "page", value: "/" }, { property: "page", value: "/post-2" }];
  for (const property of VISIT_PROPERTIES) {
    const values = [...new Set(truth.visits.map((visit) => visit[property]).filter((value) => value !== undefined))].sort();
    if (values.length > 0) filters.push({ property, value: values[0]! });
    if (values.length > 1) filters.push({ property, value: values[values.length - 1]! });
  }
  return filters;
}

const stripTitles = <Row extends { title?: string }>(rows: Row[]) => rows.map(({ title: _title, ...row }) => row);

async function expectEveryFigureExact(label: string): Promise<void> {
  truth = await readTruth(t);
  const next = random(23);
  for (let i = 0; i < 30; i++) {
    const from = minuteOf(T0 - DAY + Math.floor(next() * (DAYS + 3) * DAY));
    const to = minuteOf(from + MINUTE + Math.floor(next() ** 2 * 5 * DAY));
    expect(await t.query(api.stats.summary, { from, to }), `${label} ${from}–${to}`).toEqual(expectedSummary(truth, { from, to }));
  }
  const filters = someFilters();
  for (const filter of filters) {
    const span = filter.property === "page" ? SPAN : HOUR_SPAN;
    expect(await t.query(api.stats.summary, { ...span, filter }), `${label} summary ${JSON.stringify(filter)}`).toEqual(expectedSummary(truth, span, filter));
  }
  const week = { from: T0, to: T0 + (DAYS + 3) * DAY };
  expect(await t.query(api.stats.timeseries, { ...week, interval: "day", timeZone: "Europe/Berlin" }), label).toEqual(
    expectedSeries(truth, week, "day", "Europe/Berlin"),
  );
  for (const filter of filters.slice(0, 8)) {
    const day = { from: T0 + DAY, to: T0 + 2 * DAY };
    expect(await t.query(api.stats.timeseries, { ...day, interval: "hour", filter }), `${label} series ${JSON.stringify(filter)}`).toEqual(
      expectedSeries(truth, day, "hour", "UTC", filter),
    );
  }
  for (const property of BREAKDOWN_PROPERTIES) {
    const span = property === "page" ? SPAN : HOUR_SPAN;
    const rows = await t.query(api.stats.breakdown, { property, ...span, limit: 100 });
    expect(stripTitles(rows), `${label} breakdown ${property}`).toEqual(expectedBreakdown(truth, property, span).slice(0, 100));
  }
  // The last 30 minutes: a visit property's figures off whole hours, from the visits in progress.
  const now = minuteOf(Date.now());
  const realtime = { from: now - 29 * MINUTE, to: now + MINUTE };
  for (const filter of filters.filter(({ property }) => property !== "page")) {
    expect(await t.query(api.stats.summary, { ...realtime, filter }), `${label} realtime ${JSON.stringify(filter)}`).toEqual(expectedSummary(truth, realtime, filter));
    expect(await t.query(api.stats.timeseries, { ...realtime, interval: "minute", filter }), `${label} realtime series ${JSON.stringify(filter)}`).toEqual(
      expectedSeries(truth, realtime, "minute", "UTC", filter),
    );
  }
  for (const property of VISIT_PROPERTIES) {
    const rows = await t.query(api.stats.breakdown, { property, ...realtime, limit: 100 });
    expect(stripTitles(rows), `${label} realtime breakdown ${property}`).toEqual(expectedBreakdown(truth, property, realtime).slice(0, 100));
  }
  for (const filter of filters) {
    for (const property of ["page", "source", "browser", "entryPage", "country"] as const) {
      // A breakdown by the filter's own visit property reads its buckets (whole hours); any other reads the matching visits.
      const range = { from: T0 + DAY, to: T0 + 4 * DAY + (property === filter.property && property !== "page" ? 60 : 37) * MINUTE };
      const rows = await t.query(api.stats.breakdown, { property, ...range, limit: 100, filter });
      expect(stripTitles(rows), `${label} breakdown ${property} ${JSON.stringify(filter)}`).toEqual(expectedBreakdown(truth, property, range, filter).slice(0, 100));
    }
  }
}

describe("visits from views and heartbeats", () => {
  test("the raw visit rows follow the rule, with the first view's attributes and never a user agent", async () => {
    const counted = new Set(truth.views.map((view) => `${view.sessionId}@${view.timestamp}`));
    const expected = visitsByRule(CALLS, counted).map(({ context, ...visit }) => ({ ...visit, ...visitAttributes(context) }));
    // (A session's page-change limit rides on its visit: the limiter's state, not the visit's.)
    const rows = truth.visits.map(({ _id, _creationTime, committedAt: _committedAt, pageChanges: _limit, ...visit }) => visit);
    const order = (a: { sessionId: string; start: number }, b: { sessionId: string; start: number }) => a.sessionId.localeCompare(b.sessionId) || a.start - b.start;
    expect(rows.sort(order)).toEqual(expected.sort(order));
    expect(rows.length).toBeGreaterThan(200);
    expect(rows.some((visit) => visit.lastActivity - visit.start > 5 * MINUTE && visit.views === 1)).toBe(true);
    const stored = JSON.stringify(rows);
    for (const userAgent of USER_AGENTS) expect(stored).not.toContain(userAgent.slice(0, 30));
  });

  test("every figure matches a recount while the last visits are still open", async () => {
    const open = (await readTruth(t)).visits.filter((visit) => visit.lastActivity > Date.now() - VISIT_TIMEOUT_MS - VISIT_SETTLE_GRACE_MS);
    expect(open.length).toBeGreaterThan(0);
    await expectEveryFigureExact("open");
  }, 300_000);

  test("once every visit has ended, the cleanup cron wakes the worker, which settles them, and every figure is the same", async () => {
    const before = await t.query(api.stats.summary, SPAN);
    advanceTo(END + VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS + MINUTE);
    await t.mutation(internal.stats.cleanupStaleSessions, {});
    await settle(t);
    const settlement = await t.runInStats((ctx) => ctx.db.query("visitSettlement").first());
    expect(settlement?.lastActivity).toBe(Math.max(...truth.visits.map((visit) => visit.lastActivity)));
    expect(await t.query(api.stats.summary, SPAN)).toEqual(before);
    await expectEveryFigureExact("settled");
  }, 300_000);
});

describe("the rules of a visit", () => {
  const fresh = () => createTestConvex();
  const view = (tc: ReturnType<typeof fresh>, visitor: number, path: string, userAgent = USER_AGENTS[0]) =>
    tc.mutation(api.stats.recordPageView, { path, pageType: "post", sessionId: sessionId(visitor), visit: { userAgent } });
  const beat = (tc: ReturnType<typeof fresh>, visitor: number, path: string) => tc.mutation(api.stats.heartbeat, { sessionId: sessionId(visitor), currentPath: path });
  const visitsOf = async (tc: ReturnType<typeof fresh>) =>
    (await tc.runInStats((ctx) => ctx.db.query("visits").collect())).map(({ start, lastActivity, views, entryPage, exitPage }) => ({ start, lastActivity, views, entryPage, exitPage }));

  test("a one-page visit read for four minutes lasts four minutes: heartbeats are activity", async () => {
    const tc = fresh();
    const start = Date.now();
    await view(tc, 1, "/a");
    for (let s = 30; s <= 240; s += 30) {
      advanceTo(start + s * 1000);
      await beat(tc, 1, "/a");
    }
    expect(await visitsOf(tc)).toEqual([{ start, lastActivity: start + 240_000, views: 1, entryPage: "/a", exitPage: "/a" }]);
    await settle(tc);
    const summary = await tc.query(api.stats.summary, { from: minuteOf(start), to: minuteOf(start) + 10 * MINUTE });
    expect(summary).toMatchObject({ visits: 1, bounceRate: 1, viewsPerVisit: 1, visitDurationMs: 240_000 });
  });

  test("a one-page visit read for 50 s lasts 50 s: the trackers' beat as the tab hides, however soon after an interval's beat", async () => {
    const tc = fresh();
    const start = Date.now();
    // What a tracker sends: the view and a beat at once, then one as the reader leaves (before the first interval's beat).
    await view(tc, 1, "/a");
    await beat(tc, 1, "/a");
    advanceTo(start + 50_000);
    await beat(tc, 1, "/a");
    // Another reader stays past an interval's beat and leaves HEARTBEAT_DEBOUNCE_MS after it: the server takes that beat too.
    await view(tc, 2, "/b");
    await beat(tc, 2, "/b");
    advanceTo(start + 50_000 + HEARTBEAT_INTERVAL_MS);
    await beat(tc, 2, "/b");
    advanceTo(start + 50_000 + HEARTBEAT_INTERVAL_MS + HEARTBEAT_DEBOUNCE_MS);
    await beat(tc, 2, "/b");
    expect(await visitsOf(tc)).toEqual([
      { start, lastActivity: start + 50_000, views: 1, entryPage: "/a", exitPage: "/a" },
      { start: start + 50_000, lastActivity: start + 50_000 + HEARTBEAT_INTERVAL_MS + HEARTBEAT_DEBOUNCE_MS, views: 1, entryPage: "/b", exitPage: "/b" },
    ]);
    await settle(tc);
    const summary = await tc.query(api.stats.summary, { from: minuteOf(start), to: minuteOf(start) + 10 * MINUTE });
    expect(summary).toMatchObject({ visits: 2, bounceRate: 1, visitDurationMs: (50_000 + HEARTBEAT_INTERVAL_MS + HEARTBEAT_DEBOUNCE_MS) / 2 });
  });

  test("a gap of exactly 30 minutes continues the visit; a longer one starts a new one; a heartbeat never starts one", async () => {
    const tc = fresh();
    const start = Date.now();
    await view(tc, 1, "/a");
    advanceTo(start + VISIT_TIMEOUT_MS);
    await view(tc, 1, "/b");
    advanceTo(start + 2 * VISIT_TIMEOUT_MS + 1);
    await beat(tc, 1, "/b");
    advanceTo(start + 3 * VISIT_TIMEOUT_MS);
    await view(tc, 1, "/c");
    expect(await visitsOf(tc)).toEqual([
      { start, lastActivity: start + VISIT_TIMEOUT_MS, views: 2, entryPage: "/a", exitPage: "/b" },
      { start: start + 3 * VISIT_TIMEOUT_MS, lastActivity: start + 3 * VISIT_TIMEOUT_MS, views: 1, entryPage: "/c", exitPage: "/c" },
    ]);
  });

  describe("a visit that spans an upgrade is one visit: a view from before visits at 23:50 and a live one at 00:00 are one visit of two views, entering at the old page", () => {
    const visitsOfFirst = async (tc: ReturnType<typeof fresh>) =>
      (await tc.runInStats((ctx) => ctx.db.query("visits").withIndex("by_session_start", (q) => q.eq("sessionId", sessionId(1))).collect())).map(
        ({ start, lastActivity, views, entryPage, exitPage, browser, source }) => ({ start, lastActivity, views, entryPage, exitPage, browser, source }),
      );
    // Other sessions' old views on the day before, enough that the backfill's first step has not reached 23:50 yet.
    const otherViews = (midnight: number) =>
      generateViews({ count: 1_200, sessions: 40, paths: 5 }).map((row, i) => ({ ...row, sessionId: sessionId(1_000 + (i % 40)), timestamp: midnight - DAY + i * MINUTE }));

    test.each([
      ["the live view before the backfill", false],
      ["the live view after its reset, before its walk reaches the old one", true],
    ])("%s", async (_, afterReset) => {
      const tc = fresh();
      const midnight = Math.ceil(Date.now() / DAY) * DAY + DAY;
      const old = midnight - 10 * MINUTE;
      advanceTo(midnight);
      await insertRows(tc, "pageViews", [{ path: "/old", pageType: "post", sessionId: sessionId(1), timestamp: old }, ...(afterReset ? otherViews(midnight) : [])]);
      if (afterReset) {
        await startBackfill(tc);
        await nextWorkerBatch(tc);
        expect(await backfillStatus(tc)).toMatchObject({ state: "running", phase: "pageViews" });
        expect(await visitsOfFirst(tc)).toEqual([]);
      }
      const live = Date.now();
      await view(tc, 1, "/new");
      await settle(tc);
      if (!afterReset) {
        expect(await visitsOfFirst(tc)).toHaveLength(1);
        await startBackfill(tc);
      }
      await settle(tc, 60 * MINUTE);
      expect(await backfillStatus(tc)).toMatchObject({ state: "done" });

      // The old view carried no context: the visit knows its browser from the live one.
      const visit = { start: old, lastActivity: live, views: 2, entryPage: "/old", exitPage: "/new", browser: "Chrome", source: DIRECT_SOURCE };
      expect(await visitsOfFirst(tc)).toEqual([visit]);
      const days = { from: midnight - DAY, to: midnight + DAY };
      const entered = { property: "entryPage", value: "/old" };
      const figures = { visits: 1, pageviews: 2, visitors: 1, bounceRate: 0, viewsPerVisit: 2, visitDurationMs: live - old };
      expect(await tc.query(api.stats.summary, { ...days, filter: entered })).toMatchObject(figures);

      // Settled once it has ended, and counted once; a second backfill leaves it so.
      advanceTo(live + VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS + MINUTE);
      await tc.mutation(internal.stats.cleanupStaleSessions, {});
      await settle(tc);
      expect(await tc.runInStats((ctx) => ctx.db.query("visitSettlement").first())).toMatchObject({ lastActivity: live });
      expect(await tc.query(api.stats.summary, { ...days, filter: entered })).toMatchObject(figures);
      await startBackfill(tc);
      await settle(tc, 60 * MINUTE);
      expect(await visitsOfFirst(tc)).toEqual([visit]);
      expect(await tc.query(api.stats.summary, { ...days, filter: entered })).toMatchObject(figures);
    }, 120_000);
  });

  test("a bot's view records nothing: no view, no visit", async () => {
    const tc = fresh();
    const result = await view(tc, 1, "/a", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)");
    expect(result).toEqual({ recorded: false, newVisitor: false });
    expect(await tc.runInStats(async (ctx) => [await ctx.db.query("pageViews").collect(), await ctx.db.query("visits").collect()])).toEqual([[], []]);
  });

  test("a breakdown under a filter reads packed visits: 2,501 from Google (past the 2,500 raw rows it once read) are answered exactly", async () => {
    const tc = fresh();
    const VISITS = 2_501;
    await tc.runInStats(async (ctx) => {
      for (let i = 0; i < VISITS; i++) {
        const start = T0 + i * 1000;
        await ctx.db.insert("visits", { sessionId: sessionId(i), start, lastActivity: start, views: 1, entryPage: "/", exitPage: "/", ...visitAttributes({ referrer: "https://www.google.com/" }) });
      }
    });
    advanceTo(Math.max(Date.now(), T0 + VISITS * 1000 + VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS + MINUTE));
    await runCleanup(tc);
    const args = { property: "browser", from: T0, to: T0 + DAY, filter: { property: "source", value: "Google" } };
    expect(await tc.query(api.stats.breakdown, args)).toEqual([{ value: "Unknown", pageviews: VISITS, visitors: VISITS, visits: VISITS, bounceRate: 1, visitDurationMs: 0 }]);
  });


  test("visits in progress count in every answer however many there are (2,100 here, past the 2,000 queries once read), with no query reading a visit", async () => {
    const tc = fresh();
    const start = Date.now();
    const VISITORS = 2_100;
    // 700 new visitors a minute, under the new-visitor cap; a third of them come from Google.
    for (let i = 0; i < VISITORS; i++) {
      if (i % 700 === 0) advanceTo(start + (i / 700) * MINUTE);
      const referrer = i % 3 === 0 ? { referrer: "https://www.google.com/" } : {};
      await tc.mutation(api.stats.recordPageView, { path: i % 2 === 0 ? "/a" : "/b", pageType: "post", sessionId: sessionId(i), visit: { userAgent: USER_AGENTS[0], ...referrer } });
    }
    await settle(tc);
    // None has ended: every figure below is of visits in progress.
    expect(await tc.runInStats((ctx) => ctx.db.query("visitSettlement").first())).toBeNull();
    const range = { from: minuteOf(start), to: minuteOf(Date.now()) + MINUTE };
    const all = { pageviews: VISITORS, visitors: VISITORS, visits: VISITORS, viewsPerVisit: 1, bounceRate: 1, visitDurationMs: 0 };
    expect(await tc.query(api.stats.summary, range)).toEqual({ ...range, ...all });
    expect(await tc.query(api.stats.summary, { ...range, filter: { property: "source", value: "Google" } })).toMatchObject({ pageviews: 700, visitors: 700, visits: 700 });
    expect(await tc.query(api.stats.summary, { ...range, filter: { property: "page", value: "/a" } })).toMatchObject({ pageviews: 1_050, visitors: 1_050, visits: 1_050 });
    // Combined filters scan what the worker published of each visit in progress (at most a minute later): all 2,100 of them, none cut.
    advanceTo(Date.now() + FILTER_SNAPSHOT_MS);
    await settle(tc);
    const notGoogleOnA = [
      { property: "source", op: "isNot", value: "Google" },
      { property: "page", op: "is", value: "/a" },
    ];
    expect(await tc.query(api.stats.summary, { ...range, filters: notGoogleOnA })).toMatchObject({ pageviews: 700, visitors: 700, visits: 700 });
    expect(await tc.query(api.stats.breakdown, { ...range, filters: [{ property: "page", op: "contains", value: "A" }], property: "source" })).toEqual([
      { value: DIRECT_SOURCE, pageviews: 700, visitors: 700, visits: 700, bounceRate: 1, visitDurationMs: 0 },
      { value: "Google", pageviews: 350, visitors: 350, visits: 350, bounceRate: 1, visitDurationMs: 0 },
    ]);
    const series = await tc.query(api.stats.timeseries, { ...range, interval: "minute" });
    expect(series.map((row) => row.visits)).toEqual([700, 700, 700]);
    expect(await tc.query(api.stats.breakdown, { ...range, property: "source" })).toEqual([
      { value: DIRECT_SOURCE, pageviews: 1_400, visitors: 1_400, visits: 1_400, bounceRate: 1, visitDurationMs: 0 },
      { value: "Google", pageviews: 700, visitors: 700, visits: 700, bounceRate: 1, visitDurationMs: 0 },
    ]);
  }, 60_000);

  test("a bad property, filter or filter value is refused with its field", async () => {
    const tc = fresh();
    const range = { from: T0, to: T0 + DAY };
    const refused = async (call: Promise<unknown>) => ((await call.catch((e: unknown) => e)) as ConvexError<{ field: string }>).data;
    expect(await refused(tc.query(api.stats.breakdown, { ...range, property: "ip" }))).toMatchObject({ code: "INVALID_ARGUMENT", field: "property" });
    expect(await refused(tc.query(api.stats.summary, { ...range, filter: { property: "city", value: "x" } }))).toMatchObject({ field: "filter.property" });
    expect(await refused(tc.query(api.stats.summary, { ...range, filter: { property: "source", value: "" } }))).toMatchObject({ field: "filter.value" });
    expect(await refused(tc.query(api.stats.summary, { ...range, filter: { property: "page", value: "no-slash" } }))).toMatchObject({ field: "filter.value" });
    expect(await refused(tc.query(api.stats.summary, { ...range, filter: { property: "source", value: "x".repeat(600) } }))).toMatchObject({ field: "filter.value" });
  });
});
