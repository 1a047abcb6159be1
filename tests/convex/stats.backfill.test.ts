import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { components } from "../../src/component/_generated/api";
import { backfillStatus, muteBackfillLogs, runBackfill, startBackfill } from "../support/backfill";
import { heartbeat, viewPage } from "../support/calls";
import { DAY, MINUTE, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { expectExactFigures, storedActiveNow } from "../support/recount";
import { expectExactTimeFigures } from "../support/timeTruth";
import { insertLegacyData, pathName } from "../support/seed";
import { nextWorkerBatch, settle, workerRunsByState } from "../support/worker";
import { STATS_WORKER_NAME } from "../../src/shared/config";
import { finishLiveFold, startLiveFold } from "../../src/component/derive/foldSessions";
import { addToCounters } from "../../src/component/derive/counters";
import { KEEP_ALL_DETAIL, useEnv } from "../support/env";

// Enough rows for several worker batches (views and visits); the 8,000-view run is in stats.backfill.scale.test.ts.
const LEGACY = { views: 1_500, sessions: 75, paths: 40, liveSessions: 12, idleSessions: 30, now: T0 + 31 * DAY, visitsPerSession: 3 };
// A backfill now also rebuilds and settles visits: about 10 seconds here, more on a busy machine.
const BACKFILL_TIMEOUT = 360_000;

useFakeClock(LEGACY.now, "all");
// Weeks of old views checked at whole minutes: every detail kept (the rollup: stats.rollup.test.ts).
useEnv(KEEP_ALL_DETAIL);
beforeAll(() => muteBackfillLogs());

type Legacy = Awaited<ReturnType<typeof insertLegacyData>>;
async function legacyDeployment(): Promise<{ t: TestConvex; legacy: Legacy }> {
  const t = createTestConvex();
  return { t, legacy: await insertLegacyData(t, LEGACY) };
}
const getStats = (t: TestConvex) => t.query(api.stats.getStats, {});
// Whole-minute ranges over the legacy views' 30 days (and the live ones after): all of it, a week, a day, a few hours, a minute.
const RANGES = [
  { from: T0 - DAY, to: T0 + 40 * DAY },
  { from: T0 + 3 * DAY + 17 * MINUTE, to: T0 + 10 * DAY + 5 * MINUTE },
  { from: T0 + 12 * DAY, to: T0 + 13 * DAY },
  { from: T0 + 20 * DAY + 123 * MINUTE, to: T0 + 20 * DAY + 456 * MINUTE },
  { from: T0 + 29 * DAY + 7 * MINUTE, to: T0 + 31 * DAY + 3 * MINUTE },
];

describe("a backfill of data written before the aggregates", () => {
  let t: TestConvex;
  let legacy: Legacy;
  beforeAll(async () => {
    ({ t, legacy } = await legacyDeployment());
    await runBackfill(t);
  }, BACKFILL_TIMEOUT);

  test("before it, the dashboard shows nothing of the old data", async () => {
    const { t: fresh } = await legacyDeployment();
    expect(await getStats(fresh)).toMatchObject({ totalPageViews: 0, uniqueVisitors: 0, activeVisitors: 0 });
    expect(await fresh.query(api.content.publishedCounts, {})).toMatchObject({ publishedPosts: 0 });
  });

  test("makes every page-view figure equal a recount", async () => {
    const truth = await expectExactFigures(t);
    expect(truth.totalPageViews).toBe(LEGACY.views);
  });

  test("gives every old view its place in time: figures for any range equal a recount", async () => {
    await expectExactTimeFigures(t, RANGES);
  });

  test("counts the old sessions and content too", async () => {
    expect(await getStats(t)).toMatchObject(legacy.figures);
    expect(await t.query(api.content.publishedCounts, {})).toEqual(legacy.content);
  });

  test("took several worker batches, every one of which succeeded, and reports itself done", async () => {
    const status = (await backfillStatus(t))!;
    expect(status).toMatchObject({ state: "done", runId: 1, processed: legacy.rows });
    expect(status.chunks).toBeGreaterThanOrEqual(2);
    // Every run so far succeeded; the one pending is the worker's wake-up at the first live session's timeout.
    const { pending, ...ran } = workerRunsByState(t);
    expect(ran).toEqual({ success: expect.any(Number) });
    expect(pending).toBe(1);
    expect((await getStats(t)).backfill).toMatchObject({ state: "done", chunks: status.chunks });
  });

  test("run again, it starts a fresh run and every figure stays the same", async () => {
    const { backfill: _, ...before } = await getStats(t);
    expect(await startBackfill(t)).toMatchObject({ started: true, runId: 2 });
    await settle(t);

    expect(await backfillStatus(t)).toMatchObject({ state: "done", runId: 2, processed: legacy.rows });
    const { backfill: __, ...after } = await getStats(t);
    expect(after).toEqual(before);
    await expectExactFigures(t);
  }, BACKFILL_TIMEOUT);
});

describe("a backfill while the site is live", () => {
  let t: TestConvex;
  beforeEach(async () => {
    ({ t } = await legacyDeployment());
  });
  afterEach(() => vi.setSystemTime(LEGACY.now));

  test("stays exact when views and heartbeats arrive between its chunks", async () => {
    await startBackfill(t);
    let visitor = 10_000;
    for (let chunk = 0; (await backfillStatus(t))!.state === "running"; chunk++) {
      await nextWorkerBatch(t);
      // New and returning visitors, known and new paths, a deduplicated repeat, a heartbeat.
      await viewPage(t, visitor++, pathName(chunk % 40));
      await viewPage(t, chunk % LEGACY.sessions, pathName((chunk * 7) % 45));
      await viewPage(t, chunk % LEGACY.sessions, pathName((chunk * 7) % 45));
      await heartbeat(t, visitor, pathName(chunk % 3));
      vi.advanceTimersByTime(MINUTE);
    }
    await settle(t);
    const { backfill } = await getStats(t);
    expect(backfill).toMatchObject({ state: "done" });
    expect(backfill!.chunks).toBeGreaterThanOrEqual(2);
    await expectExactFigures(t);
    await expectExactTimeFigures(t, RANGES);
  }, BACKFILL_TIMEOUT);

  test("shows its progress while it runs", async () => {
    await startBackfill(t);
    await nextWorkerBatch(t);
    await nextWorkerBatch(t);
    const { backfill } = await getStats(t);
    expect(backfill).toMatchObject({ state: "running" });
    expect(backfill!.chunks).toBeGreaterThanOrEqual(1);
  }, BACKFILL_TIMEOUT);
});

describe("a backfill repairs derived data that was lost", () => {
  test("deleting the visitors' rows, half the per-page rows, the counters, active-now state and the day buckets, then a backfill, restores every figure", async () => {
    const { t, legacy } = await legacyDeployment();
    await runBackfill(t);
    await viewPage(t, 10_000, "/fresh");
    await heartbeat(t, 10_000, "/fresh");
    await settle(t);
    const { backfill: _, ...before } = await getStats(t);
    expect(before).toMatchObject({ uniqueVisitors: LEGACY.sessions + 1, distinctPages: LEGACY.paths + 1 });

    await t.runInStats(async (ctx) => {
      for (const table of ["visitors", "counters", "activePages"] as const) {
        for (const row of await ctx.db.query(table).collect()) await ctx.db.delete(row._id);
      }
      const pathRows = await ctx.db.query("pathStats").collect();
      for (const row of pathRows.filter((_, i) => i % 2 === 0)) await ctx.db.delete(row._id);
      // Every day bucket, the site's and each page's.
      const days = await ctx.db.query("timeBuckets").filter((q) => q.eq(q.field("level"), "day")).collect();
      for (const row of days) await ctx.db.delete(row._id);
    });
    expect(await getStats(t)).toMatchObject({ uniqueVisitors: 0, distinctPages: 0, activeVisitors: 0 });

    await runBackfill(t);

    const { backfill: __, ...after } = await getStats(t);
    expect(after).toEqual(before);
    await expectExactFigures(t);
    await expectExactTimeFigures(t, RANGES);
    expect(after).toMatchObject({ activeVisitors: legacy.figures.activeVisitors + 1 });
  }, BACKFILL_TIMEOUT);
});

test("a backfill asked for while the worker is stopped starts the worker, and runs", async () => {
  const { t } = await legacyDeployment();
  await viewPage(t, 10_000, "/fresh");
  await settle(t);
  await t.runInStats((ctx) => ctx.runMutation(components.batchWorker.lib.stop, { name: STATS_WORKER_NAME }));

  expect(await startBackfill(t)).toMatchObject({ started: true, runId: 1, message: "started" });
  await settle(t);

  expect(await backfillStatus(t)).toMatchObject({ state: "done" });
  await expectExactFigures(t);
}, BACKFILL_TIMEOUT);

describe("starting a backfill that is already under way", () => {
  let t: TestConvex;
  let legacy: Legacy;
  beforeEach(async () => {
    ({ t, legacy } = await legacyDeployment());
    await startBackfill(t);
    await nextWorkerBatch(t);
    await nextWorkerBatch(t);
    expect(await backfillStatus(t)).toMatchObject({ state: "running" });
  }, BACKFILL_TIMEOUT);

  test("does nothing while it runs", async () => {
    const before = await backfillStatus(t);
    expect(await startBackfill(t)).toMatchObject({ started: false, runId: 1 });
    expect(await backfillStatus(t)).toEqual(before);
  });

  test("resumes from its cursor when the worker was stopped, and ends exact with every row walked once", async () => {
    // What an operator's stop (or a worker wedged until someone acts) leaves behind.
    await t.runInStats((ctx) => ctx.runMutation(components.batchWorker.lib.stop, { name: STATS_WORKER_NAME }));
    const { processed } = (await backfillStatus(t))!;
    await settle(t);
    expect(await backfillStatus(t)).toMatchObject({ state: "running", processed });

    expect(await startBackfill(t)).toMatchObject({ started: true, runId: 1, message: expect.stringMatching(/^resumed/) });
    await settle(t);

    expect(await backfillStatus(t)).toMatchObject({ state: "done", runId: 1, processed: legacy.rows });
    await expectExactFigures(t);
    expect(await getStats(t)).toMatchObject(legacy.figures);
    expect(await t.query(api.content.publishedCounts, {})).toEqual(legacy.content);
  }, BACKFILL_TIMEOUT);
});

test("no count goes below 0: a fold that would take a page's live visitors or a counter there logs it and stops at 0", async () => {
  const t = createTestConvex();
  await heartbeat(t, 1, "/here");
  await settle(t);
  const errors = vi.spyOn(console, "error").mockImplementation(() => {});
  // What an out-of-order fold would write: /here and /gone each lose one more session than they had, the page views two more than were counted.
  await t.runInStats(async (ctx) => {
    const fold = startLiveFold();
    fold.pages.set("/here", -2);
    fold.pages.set("/gone", -1);
    fold.sessions = -2;
    await finishLiveFold(ctx, fold);
    await addToCounters(ctx, { pageViews: -2 });
  });

  expect(await storedActiveNow(t)).toEqual({ activeVisitors: 0, activeByPath: {} });
  expect(await getStats(t)).toMatchObject({ totalPageViews: 0, activeVisitors: 0, activeByPath: [] });
  const counters = await t.runInStats(async (ctx) => await ctx.db.query("counters").collect());
  expect(counters.map(({ name, value }) => [name, value])).toEqual(expect.arrayContaining([["liveSessions", 0], ["pageViews", 0]]));
  expect(errors.mock.calls.map(([line]) => line)).toEqual([
    '[invariant] the live visitors of "/here" would go below 0 (to -1); kept at 0: a backfill recounts it',
    '[invariant] the live visitors of "/gone" would go below 0 (to -1); kept at 0: a backfill recounts it',
    "[invariant] the liveSessions counter would go below 0 (to -1); kept at 0: a backfill recounts it",
    "[invariant] the pageViews counter would go below 0 (to -2); kept at 0: a backfill recounts it",
  ]);
  errors.mockRestore();
});
