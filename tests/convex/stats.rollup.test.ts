import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConvexError } from "convex/values";
import { api } from "../../convex/_generated/api";
import { VISIT_SETTLE_GRACE_MS, VISIT_TIMEOUT_MS } from "../../src/shared/config";
import { detailDueAt, detailWindows, getRollup, runRollupStep } from "../../src/component/derive/rollup";
import type { DetailHorizons } from "../../src/shared/detail";
import { DAY, MINUTE, T0, advanceTo, useFakeClock } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { muteBackfillLogs, runBackfill } from "../support/backfill";
import { KEEP_ALL_DETAIL, setEnv } from "../support/env";
import { random } from "../support/seed";
import { expectedBreakdown, expectedSeries, expectedSummary, readTruth, type Truth } from "../support/timeTruth";
import { generateVisitCalls, replayCalls } from "../support/visitWorkload";
import { settle } from "../support/worker";

/**
 * The rollup of old detail (derive/rollup.ts) against a brute-force recount of
 * the raw rows: 60 visitors' calls over 16 days, made with every detail
 * kept; then the windows shrink to 2 days of minutes and 6 of hours, and the
 * rollup runs one bounded step at a time. At every step, and after, every
 * range the kept detail can answer matches the recount, and the others are
 * refused with the grid that holds there. Then returning visitors come back
 * across the rolled-up days, and a backfill rebuilds the same figures.
 */
useFakeClock(T0, "all");
const t = createTestConvex();
const HOUR = 60 * MINUTE;
const DAYS = 16;
const VISITORS = 60;
const WINDOWS = { STATS_MINUTE_DETAIL_DAYS: "2", STATS_HOUR_DETAIL_DAYS: "6" };
let truth: Truth;
let detail: DetailHorizons;
let now: number;


beforeAll(async () => {
  muteBackfillLogs();
  setEnv(KEEP_ALL_DETAIL);
  const calls = generateVisitCalls({ visitors: VISITORS, start: T0, days: DAYS, seed: 31 });
  await replayCalls(t, calls);
  // Every visit ends and is settled.
  advanceTo(calls.at(-1)!.at + VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS + MINUTE);
  await settle(t);
  truth = await readTruth(t);
  now = Date.now();
  setEnv(WINDOWS);
  detail = detailDueAt(now, detailWindows());
}, 600_000);

afterAll(() => setEnv({ STATS_MINUTE_DETAIL_DAYS: undefined, STATS_HOUR_DETAIL_DAYS: undefined }));

const floorTo = (time: number, unit: number) => time - (time % unit);

/** Ranges the kept detail answers: whole days anywhere, whole hours since `hoursSince`, whole minutes since `minutesSince`, and mixes of them. */
function answerableRanges(count: number, seed: number) {
  const next = random(seed);
  const end = floorTo(now, MINUTE) + MINUTE;
  const ranges: { from: number; to: number }[] = [];
  for (let i = 0; i < count; i++) {
    const grid = [DAY, HOUR, MINUTE][i % 3];
    const since = grid === DAY ? T0 - DAY : grid === HOUR ? detail.hoursSince : detail.minutesSince;
    const from = since + floorTo(Math.floor(next() * (end - since)), grid);
    // The end is on the grid of its own age: a range from an old day may end on any recent minute.
    let to = from + grid + Math.floor(next() ** 2 * (end - from));
    to = floorTo(to, to < detail.hoursSince ? DAY : to < detail.minutesSince ? HOUR : MINUTE);
    if (to <= from) to = from + grid;
    ranges.push({ from, to });
  }
  return ranges;
}

async function expectSummariesExact(ranges: { from: number; to: number }[], label: string): Promise<void> {
  for (const range of ranges) {
    expect(await t.query(api.stats.summary, range), `${label}: ${new Date(range.from).toISOString()} to ${new Date(range.to).toISOString()}`).toEqual(
      expectedSummary(truth, range),
    );
  }
}

const countDropped = async () =>
  await t.runInStats(async (ctx) => {
    let dropped = 0;
    for await (const bucket of ctx.db.query("timeBuckets")) {
      const before = bucket.level === "hour" ? detail.hoursSince : detail.minutesSince;
      if ((bucket.level === "minute" || bucket.level === "quarterHour" || bucket.level === "hour") && bucket.start < before) dropped++;
    }
    return dropped;
  });

describe("the rollup, one bounded step at a time", () => {
  test("a step that fails midway changes nothing", async () => {
    const before = await countDropped();
    expect(before).toBeGreaterThan(500);
    const rollupBefore = await t.runInStats(async (ctx) => await getRollup(ctx));
    let reads = 0;
    const failing = t.runInStats(async (ctx) => {
      await runRollupStep(ctx, now, async () => {
        if (++reads > 3) throw new Error("the transaction dies here");
        return true;
      });
    });
    await expect(failing).rejects.toThrow("the transaction dies here");
    expect(await countDropped()).toBe(before);
    expect(await t.runInStats(async (ctx) => await getRollup(ctx))).toEqual(rollupBefore);
  });

  test("interrupted after every read, every answerable range stays exact, and it ends with no dropped bucket left", async () => {
    const ranges = answerableRanges(6, 5);
    let steps = 0;
    for (;;) {
      let reads = 0;
      await t.runInStats(async (ctx) => {
        await runRollupStep(ctx, now, async () => reads++ < 1);
      });
      steps++;
      const rollup = await t.runInStats(async (ctx) => await getRollup(ctx));
      expect(rollup).toMatchObject({ minutesSince: detail.minutesSince, hoursSince: detail.hoursSince });
      await expectSummariesExact(ranges, `after step ${steps}`);
      if (rollup!.done) break;
    }
    console.log(`rolled up in ${steps} steps of one read each`);
    expect(steps).toBeGreaterThan(10);
    expect(await countDropped()).toBe(0);
  }, 300_000);

  test("another step once done deletes nothing and stays done", async () => {
    const step = await t.runInStats(async (ctx) => await runRollupStep(ctx, now, async () => true));
    expect(step).toEqual({ deleted: 0, done: true });
    expect(await t.runInStats(async (ctx) => await getRollup(ctx))).toMatchObject({ done: true });
  });
});

describe("after the rollup", () => {
  test("summaries of 60 answerable ranges match the recount", async () => {
    await expectSummariesExact(answerableRanges(60, 7), "summary");
  }, 120_000);

  test("daily series over the whole span, hourly over the hour window, by the minute over the last hour", async () => {
    const end = floorTo(now, MINUTE) + MINUTE;
    const series = [
      { range: { from: T0, to: floorTo(now, DAY) + DAY }, interval: "day" as const },
      { range: { from: detail.hoursSince, to: floorTo(now, HOUR) + HOUR }, interval: "hour" as const },
      { range: { from: end - HOUR, to: end }, interval: "minute" as const },
    ];
    for (const { range, interval } of series) {
      expect(await t.query(api.stats.timeseries, { ...range, interval }), interval).toEqual(expectedSeries(truth, range, interval, "UTC"));
    }
  }, 120_000);

  test("breakdowns of old days and recent hours match the recount", async () => {
    const ranges = [
      { from: T0 + 3 * DAY, to: T0 + 10 * DAY },
      { from: T0, to: floorTo(now, DAY) + DAY },
      { from: detail.hoursSince + 5 * HOUR, to: detail.minutesSince + 3 * HOUR },
    ];
    for (const range of ranges) {
      for (const property of ["page", "source", "browser", "entryPage"] as const) {
        const rows = await t.query(api.stats.breakdown, { ...range, property, limit: 100 });
        expect(rows.map(({ title: _title, ...row }) => row), `${property} ${JSON.stringify(range)}`).toEqual(expectedBreakdown(truth, property, range));
      }
    }
  }, 120_000);

  test("the admin recount agrees on every page, rolled-up days included", async () => {
    const secret = "5c1e7a9b3d5f7a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c";
    const previous = setEnv({ STATS_ADMIN_SECRET: secret });
    try {
      const response = await t.fetch("/api/admin/recount?limit=20", { method: "POST", headers: { Authorization: `Bearer ${secret}` } });
      const body = await response.json();
      expect(response.status).toBe(200);
      expect(body).toMatchObject({ success: true, summary: { failed: 0 } });
      expect(body.summary.processed).toBeGreaterThan(5);
    } finally {
      setEnv(previous);
    }
  });

  test("health reports where detail starts, and that the rollup keeps up", async () => {
    const response = await t.fetch("/api/health");
    const { checks } = await response.json();
    expect(checks.rollup).toMatchObject({ ok: true, lagMs: 0, ...detail });
    // The dashboard reads the same horizons, to offer only the intervals the site keeps.
    expect((await t.query(api.stats.settings, {})).detail).toEqual(detail);
    // The windows move on a day: the rollup is a day behind until the worker's next step.
    advanceTo(now + DAY);
    const later = await (await t.fetch("/api/health")).json();
    expect(later.checks.rollup).toMatchObject({ ok: false, lagMs: DAY });
    expect(later.checks.rollup.message).toContain("the rollup of old detail is 24 h behind");
    await t.runInStats(async (ctx) => {
      await runRollupStep(ctx, Date.now(), async () => true);
    });
    expect((await (await t.fetch("/api/health")).json()).checks.rollup).toMatchObject({ ok: true, lagMs: 0 });
    detail = detailDueAt(Date.now(), detailWindows());
    now = Date.now();
  });

  test("a range that needs dropped detail is refused, naming the grid that holds there", async () => {
    const refusal = async (query: Promise<unknown>) => {
      const error = await query.then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(ConvexError);
      return (error as ConvexError<{ code: string; field: string; message: string }>).data;
    };
    const oldMinutes = await refusal(t.query(api.stats.summary, { from: T0 + 2 * DAY + 7 * MINUTE, to: T0 + 4 * DAY }));
    expect(oldMinutes).toMatchObject({ code: "INVALID_ARGUMENT", field: "from" });
    expect(oldMinutes.message).toContain("whole days of the site's time zone (UTC)");
    expect(oldMinutes.message).toContain("minute detail is kept from");

    const oldHourEnd = await refusal(t.query(api.stats.summary, { from: T0 + 2 * DAY, to: T0 + 4 * DAY + 5 * HOUR }));
    expect(oldHourEnd).toMatchObject({ field: "to" });

    const minutesInHourWindow = await refusal(t.query(api.stats.breakdown, { from: detail.hoursSince + HOUR + 30 * MINUTE, to: detail.minutesSince, property: "page" }));
    expect(minutesInHourWindow).toMatchObject({ field: "from" });
    expect(minutesInHourWindow.message).toContain("whole hours (UTC)");

    const hourlyOldDays = await refusal(t.query(api.stats.timeseries, { from: T0, to: T0 + 3 * DAY, interval: "hour" }));
    expect(hourlyOldDays).toMatchObject({ field: "interval" });
  });
});

describe("after the rollup, the site goes on", () => {
  test("visitors coming back across rolled-up days are counted exactly, and a backfill rebuilds the same figures below the same horizons", async () => {
    // The same visitors (the same sessions) return over the next three days.
    const start = floorTo(Date.now(), MINUTE) + 10 * MINUTE;
    const calls = generateVisitCalls({ visitors: VISITORS, start, days: 3, seed: 32 });
    await replayCalls(t, calls);
    advanceTo(calls.at(-1)!.at + VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS + MINUTE);
    await settle(t);
    truth = await readTruth(t);
    now = Date.now();
    const rollup = await t.runInStats(async (ctx) => await getRollup(ctx));
    // The worker rolled up each new day as it came.
    expect(rollup).toMatchObject({ done: true, ...detailDueAt(now, detailWindows()) });
    detail = { minutesSince: rollup!.minutesSince, hoursSince: rollup!.hoursSince };
    expect(await countDropped()).toBe(0);
    const ranges = answerableRanges(45, 9);
    await expectSummariesExact(ranges, "after the return");

    await runBackfill(t);
    expect(await countDropped()).toBe(0);
    await expectSummariesExact(ranges, "after a backfill");
  }, 600_000);
});
