import { beforeAll, describe, expect, test, vi } from "vitest";
import { ConvexError } from "convex/values";
import { api, internal } from "../../convex/_generated/api";
import { OPEN_VISITS_READ_MAX, VISIT_PROPERTIES, VISIT_SETTLE_GRACE_MS, VISIT_TIMEOUT_MS, type VisitProperty } from "../../src/shared/config";
import { DAY, HOUR, MINUTE, T0, advanceTo, useFakeClock, minuteOf } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { KEEP_ALL_DETAIL, useEnv } from "../support/env";
import { sessionId } from "../support/seed";
import { visitAttributes } from "../../src/component/record/visitAttributes";
import { expectedBreakdown, expectedSeries, expectedSummary, readTruth } from "../support/timeTruth";
import { generateVisitCalls, replayCalls } from "../support/visitWorkload";
import { settle } from "../support/worker";

/**
 * A visit property's figures off whole hours (read/openVisits.ts): its
 * buckets keep whole hours, so a range off them is answered from the visits
 * in progress when it starts after the last settled visit (the realtime
 * view), and refused naming the hour grid otherwise. Checked against a recount
 * of the raw rows at two moments of a busy hour and a half, returning visitors
 * included; then a range the open visits cannot answer, and one with more of
 * them than a call reads.
 */
useFakeClock(T0, "all");
useEnv(KEEP_ALL_DETAIL);
const t = createTestConvex();
// 150 visitors arriving over 90 minutes, some back just past the visit timeout (the calls of the first 100 minutes).
const CALLS = generateVisitCalls({ visitors: 150, start: T0, days: 1.5 / 24, seed: 5 }).filter(({ at }) => at < T0 + 100 * MINUTE);
const HALF = CALLS.filter(({ at }) => at < T0 + 60 * MINUTE);

const realtimeAt = (now: number) => ({ from: minuteOf(now) - 29 * MINUTE, to: minuteOf(now) + MINUTE });
const refusalOf = (promise: Promise<unknown>) => promise.then(
  () => null,
  (error: unknown) => (error instanceof ConvexError ? (error.data as { code: string; field?: string; message: string }) : error),
);

async function expectRealtimeExact(label: string): Promise<number> {
  const truth = await readTruth(t);
  const range = realtimeAt(Date.now());
  const started = truth.visits.filter(({ start }) => range.from <= start && start < range.to);
  for (const property of VISIT_PROPERTIES) {
    const rows = await t.query(api.stats.breakdown, { ...range, property, limit: 100 });
    expect(rows.map(({ title: _title, ...row }) => row), `${label}: ${property}`).toEqual(expectedBreakdown(truth, property, range));
    for (const value of [...new Set(started.map((visit) => visit[property]))].slice(0, 3)) {
      if (value === undefined) continue;
      const filter = { property, value };
      expect(await t.query(api.stats.summary, { ...range, filter }), `${label}: ${property} = ${value}`).toEqual(expectedSummary(truth, range, filter));
      expect(await t.query(api.stats.timeseries, { ...range, interval: "minute", filter }), `${label}: series ${property} = ${value}`).toEqual(
        expectedSeries(truth, range, "minute", "UTC", filter),
      );
    }
  }
  return started.length;
}

describe("a visit property's realtime figures, from the visits in progress", () => {
  beforeAll(async () => {
    await replayCalls(t, HALF);
    await settle(t);
  }, 300_000);

  test("match a recount mid-traffic, returning visitors included", async () => {
    expect(await expectRealtimeExact("mid-traffic")).toBeGreaterThan(20);
  });

  test("and once the rest has come, some visits settled meanwhile", async () => {
    await replayCalls(t, CALLS.slice(HALF.length));
    await settle(t);
    expect(await t.runInStats((ctx) => ctx.db.query("visitSettlement").first())).not.toBeNull();
    expect(await expectRealtimeExact("later")).toBeGreaterThan(20);
  });

  test("a range off whole hours that may hold settled visits is refused naming the hour grid; on whole hours it is answered", async () => {
    advanceTo(Date.now() + VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS + MINUTE);
    await t.mutation(internal.stats.cleanupStaleSessions, {});
    await settle(t);
    const filter = { property: "source", value: "Google" } as const;
    const offHours = { from: T0 + 7 * MINUTE, to: T0 + HOUR };
    expect(await refusalOf(t.query(api.stats.summary, { ...offHours, filter }))).toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "from",
      message: expect.stringContaining("Figures by source are kept by whole hours (UTC)"),
    });
    expect(await refusalOf(t.query(api.stats.breakdown, { ...offHours, property: "country" }))).toMatchObject({ code: "INVALID_ARGUMENT", field: "from" });
    expect(await refusalOf(t.query(api.stats.timeseries, { from: T0, to: T0 + 2 * HOUR, interval: "minute", filter }))).toMatchObject({ code: "INVALID_ARGUMENT" });
    // Pages keep minutes, and a visit property whole hours, settled or not.
    const truth = await readTruth(t);
    expect(await t.query(api.stats.summary, { ...offHours, filter: { property: "page", value: "/" } })).toEqual(expectedSummary(truth, offHours, { property: "page", value: "/" }));
    const hours = { from: T0, to: T0 + 2 * HOUR };
    expect(await t.query(api.stats.summary, { ...hours, filter })).toEqual(expectedSummary(truth, hours, filter));
    expect(await t.query(api.stats.timeseries, { ...hours, interval: "hour", filter })).toEqual(expectedSeries(truth, hours, "hour", "UTC", filter));
  });
});

test(`more than ${OPEN_VISITS_READ_MAX.toLocaleString("en-US")} visits in progress in a range off whole hours: refused, never cut; the dashboard answers why in the panel's place`, async () => {
  const tc = createTestConvex();
  const property: VisitProperty = "browser";
  await tc.runInStats(async (ctx) => {
    const start = Date.now();
    const visitId = await ctx.db.insert("visits", { sessionId: sessionId(0), start, lastActivity: start, views: 1, entryPage: "/", exitPage: "/", ...visitAttributes({}) });
    for (let i = 0; i <= OPEN_VISITS_READ_MAX; i++) {
      await ctx.db.insert("visitFolds", { visitId, start, lastActivity: start, views: 1, pages: [], scopes: [{ scope: `${property}:Firefox`, prev: null }] });
    }
  });
  const range = realtimeAt(Date.now());
  expect(await refusalOf(tc.query(api.stats.breakdown, { ...range, property }))).toMatchObject({ code: "RANGE_TOO_BUSY", message: expect.stringContaining("whole hours") });
  const { range: answer } = await tc.query(api.stats.dashboardStats, { range: { ...range, interval: "minute", breakdowns: [{ property }, { property: "page" }] } });
  if (answer === null || "error" in answer) throw new Error("expected the range's figures");
  expect(answer.breakdowns[0]).toEqual({ refused: { code: "RANGE_TOO_BUSY", field: "from", message: expect.stringContaining("visits in progress") } });
  expect(answer.breakdowns[1]).toEqual({ rows: [] });
});

test("a site in a zone off the UTC hour (Asia/Kathmandu, +5:45): its local days are on a visit property's grid", async () => {
  vi.stubEnv("STATS_TIME_ZONE", "Asia/Kathmandu");
  try {
    const tc = createTestConvex();
    await replayCalls(tc, generateVisitCalls({ visitors: 25, start: Date.now(), days: 2, seed: 9 }));
    await settle(tc);
    const truth = await readTruth(tc);
    const localMidnight = Date.UTC(2024, 0, 1, 18, 15) + 2 * DAY;
    const days = { from: localMidnight - 3 * DAY, to: localMidnight };
    const value = truth.visits[0]!.source;
    const filter = { property: "source", value } as const;
    expect(await tc.query(api.stats.summary, { ...days, filter })).toEqual(expectedSummary(truth, days, filter));
    expect(await tc.query(api.stats.timeseries, { ...days, interval: "day", filter })).toEqual(expectedSeries(truth, days, "day", "Asia/Kathmandu", filter));
    const rows = await tc.query(api.stats.breakdown, { ...days, property: "country", limit: 100 });
    expect(rows).toEqual(expectedBreakdown(truth, "country", days));
  } finally {
    vi.unstubAllEnvs();
  }
}, 120_000);
