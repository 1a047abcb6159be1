import { afterEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { BREAKDOWN_PROPERTIES, VISIT_SETTLE_GRACE_MS, VISIT_TIMEOUT_MS } from "../../src/shared/config";
import { heartbeat, viewPage } from "../support/calls";
import { advanceTo, MINUTE, SECOND, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { insertRows, random, sessionId } from "../support/seed";
import { generateVisitCalls, replayCalls } from "../support/visitWorkload";
import { expectedBreakdown, expectedSummary, insertAndFoldViews, readTruth } from "../support/timeTruth";
import { settle } from "../support/worker";

/**
 * Visits folded as they happen (component/derive/foldVisits.ts): after every
 * worker run, visits in progress included, each figure matches a recount of
 * the raw rows, and what the worker keeps of open visits (`visitFolds`) goes
 * once they settle. The paths a visit's life can take: an exit page that
 * moves and comes back, a duration that heartbeats extend, a view the
 * new-path cap takes out of a visit already folded, and a session's earlier
 * visit recorded before visits were folded as they happen.
 */
useFakeClock(T0);
afterEach(() => vi.unstubAllEnvs());

const RANGE = { from: T0, to: T0 + 3 * 60 * MINUTE };
const DAY_RANGE = { from: T0, to: T0 + 26 * 60 * MINUTE };
const stripTitles = <Row extends { title?: string }>(rows: Row[]) => rows.map(({ title: _title, ...row }) => row);

async function expectExact(t: TestConvex, label: string, range = RANGE): Promise<void> {
  const truth = await readTruth(t);
  expect(await t.query(api.stats.summary, range), label).toEqual(expectedSummary(truth, range));
  for (const property of BREAKDOWN_PROPERTIES) {
    const rows = await t.query(api.stats.breakdown, { ...range, property, limit: 100 });
    expect(stripTitles(rows), `${label}: ${property}`).toEqual(expectedBreakdown(truth, property, range).slice(0, 100));
  }
}

const foldRows = (t: TestConvex) => t.runInStats((ctx) => ctx.db.query("visitFolds").collect());

/** Lets every visit end and settle. */
async function settleAll(t: TestConvex): Promise<void> {
  advanceTo(Date.now() + VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS + MINUTE);
  await t.mutation(internal.stats.cleanupStaleSessions, {});
  await settle(t);
}

describe("visits folded as they happen", () => {
  test("a day of 40 visitors' calls, the worker folding batches of every size as they come: at each checkpoint every figure matches a recount", async () => {
    const t = createTestConvex();
    const calls = generateVisitCalls({ visitors: 40, start: T0, days: 1, seed: 5 });
    const next = random(11);
    const checkpoints = [0.2, 0.4, 0.6, 0.8].map((share) => Math.floor(share * calls.length));
    const openAtCheckpoints: number[] = [];
    for (let done = 0; done < calls.length; ) {
      // 1 to 40 calls, then the worker folds what they changed (replayCalls lets it run after the chunk, and within it after long gaps).
      const chunk = calls.slice(done, done + 1 + Math.floor(next() * 40));
      await replayCalls(t, chunk);
      done += chunk.length;
      while (checkpoints.length > 0 && done >= checkpoints[0]) {
        checkpoints.shift();
        await expectExact(t, `after ${done} of ${calls.length} calls`, DAY_RANGE);
        openAtCheckpoints.push((await foldRows(t)).length);
      }
    }
    expect(calls.length).toBeGreaterThan(200);
    // Visits were in progress at the checkpoints, so their figures were checked as folded so far.
    expect(Math.max(...openAtCheckpoints)).toBeGreaterThan(0);
    await settleAll(t);
    await expectExact(t, "settled", DAY_RANGE);
    expect(await foldRows(t)).toEqual([]);
  }, 120_000);

  test("a visit's exit page moves with its views and comes back: each value counts it only while it is the exit, its session once", async () => {
    const t = createTestConvex();
    // An earlier visit of the same session that left at /a, so /a's visitors link across visits.
    await viewPage(t, 1, "/a");
    await settle(t);
    advanceTo(T0 + VISIT_TIMEOUT_MS + 5 * MINUTE);
    for (const [i, path] of ["/a", "/b", "/a", "/c"].entries()) {
      advanceTo(T0 + VISIT_TIMEOUT_MS + (6 + i) * MINUTE);
      await viewPage(t, 1, path);
      await viewPage(t, 2, path === "/c" ? "/a" : path);
      await settle(t);
      await expectExact(t, `after view ${i + 1}`);
    }
    expect(await foldRows(t)).toHaveLength(2);
    await settleAll(t);
    await expectExact(t, "settled");
    expect(await foldRows(t)).toEqual([]);
  });

  test("heartbeats extend a visit in progress in every figure, each folded as it commits; settled, the same", async () => {
    const t = createTestConvex();
    await viewPage(t, 1, "/a");
    await viewPage(t, 2, "/b");
    await settle(t);
    for (let s = 30; s <= 150; s += 30) {
      advanceTo(T0 + s * SECOND);
      await heartbeat(t, 1, "/a");
      await settle(t);
      await expectExact(t, `${s} s`);
    }
    expect(await t.query(api.stats.summary, RANGE)).toMatchObject({ visits: 2, visitDurationMs: 75_000, bounceRate: 1 });
    await settleAll(t);
    await expectExact(t, "settled");
    expect(await foldRows(t)).toEqual([]);
  });

  test("a view the new-path cap refuses leaves a visit already folded: the visit is taken out and folded again without it", async () => {
    vi.stubEnv("STATS_MAX_NEW_PATHS_PER_MINUTE", "1");
    const t = createTestConvex();
    await viewPage(t, 1, "/a");
    await viewPage(t, 1, "/b");
    await settle(t);
    advanceTo(T0 + SECOND);
    await viewPage(t, 2, "/a");
    await settle(t);
    await expectExact(t, "folded with one view");
    await viewPage(t, 2, "/over-the-cap");
    await viewPage(t, 2, "/b");
    await settle(t);
    const visits = await t.runInStats((ctx) => ctx.db.query("visits").collect());
    expect(visits.find((visit) => visit.sessionId === sessionId(2))).toMatchObject({ views: 2, entryPage: "/a", exitPage: "/b" });
    await expectExact(t, "after the refusal");
    expect(await t.query(api.stats.breakdown, { ...RANGE, property: "page" })).not.toContainEqual(expect.objectContaining({ value: "/over-the-cap" }));
    await settleAll(t);
    await expectExact(t, "settled");
  });

  test("a session's earlier visit recorded before visits were folded as they happen is folded first when its next one starts", async () => {
    const t = createTestConvex();
    // As an upgrade finds it: a folded view, and its visit, ended but not settled, with no committedAt.
    await insertAndFoldViews(t, [{ path: "/old", pageType: "post", sessionId: sessionId(1), timestamp: T0 }]);
    await insertRows(t, "visits", [
      { sessionId: sessionId(1), start: T0, lastActivity: T0 + 20 * SECOND, views: 1, entryPage: "/old", exitPage: "/old", source: "Direct / None", browser: "Firefox", os: "Linux", device: "Desktop", country: "Unknown", language: "Unknown", screen: "Unknown", browserVersion: "Unknown" },
    ]);
    advanceTo(T0 + VISIT_TIMEOUT_MS + 2 * MINUTE);
    await viewPage(t, 1, "/new");
    await settle(t);
    await expectExact(t, "the new visit in progress");
    expect(await t.query(api.stats.summary, RANGE)).toMatchObject({ visits: 2, visitors: 1 });
    await settleAll(t);
    await expectExact(t, "settled");
    expect(await foldRows(t)).toEqual([]);
  });
});
