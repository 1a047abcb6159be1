import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { VISIT_SETTLE_GRACE_MS, VISIT_TIMEOUT_MS } from "../../src/shared/config";
import { DAY, HOUR, MINUTE, T0, advanceTo, useFakeClock } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { KEEP_ALL_DETAIL, useEnv } from "../support/env";
import { expectedBreakdown, readTruth } from "../support/timeTruth";
import { generateVisitCalls, replayCalls } from "../support/visitWorkload";
import { settle } from "../support/worker";

/**
 * A breakdown's top values come from one ranking index on time buckets (read/timeStats.ts topValues): a visit
 * property's rows by `rank` (their visits), every other group's by page views. Rows from before `rank` lack it and
 * sort after the ranked ones by page views; the ranking merges the two, so top lists of every size stay exact with
 * no rebuild: all rows unranked (just upgraded), and a mix once new traffic has patched some.
 */
useFakeClock(T0, "all");
useEnv(KEEP_ALL_DETAIL);
const t = createTestConvex();
const PROPERTIES = ["country", "browser", "source", "entryPage", "language"] as const;

async function expectTopListsExact(label: string): Promise<void> {
  const truth = await readTruth(t);
  const end = Math.ceil((Date.now() + 1) / HOUR) * HOUR;
  const ranges = [{ from: T0, to: end }, { from: T0 + DAY, to: end }, { from: T0 + 6 * HOUR, to: T0 + 18 * HOUR }];
  for (const range of ranges) {
    for (const property of PROPERTIES) {
      const expected = expectedBreakdown(truth, property, range);
      for (const limit of [1, 2, 3]) {
        const rows = await t.query(api.stats.breakdown, { ...range, property, limit });
        expect(rows.map(({ title: _title, ...row }) => row), `${label}: ${property} top ${limit} ${JSON.stringify(range)}`).toEqual(expected.slice(0, limit));
      }
    }
  }
}

/** The layout from before `rank`: no visit property row has it. */
async function dropRanks(): Promise<number> {
  return await t.runInStats(async (ctx) => {
    const ranked = (await ctx.db.query("timeBuckets").collect()).filter((row) => row.rank !== undefined);
    for (const row of ranked) await ctx.db.patch(row._id, { rank: undefined });
    return ranked.length;
  });
}

const rankCounts = () =>
  t.runInStats(async (ctx) => {
    const rows = (await ctx.db.query("timeBuckets").collect()).filter((row) => !["site", "page"].includes(row.group!));
    return { ranked: rows.filter((row) => row.rank !== undefined).length, unranked: rows.filter((row) => row.rank === undefined).length };
  });

async function replayAndSettle(start: number, seed: number): Promise<void> {
  const calls = generateVisitCalls({ visitors: 40, start, days: 1, seed });
  await replayCalls(t, calls);
  advanceTo(calls.at(-1)!.at + VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS + MINUTE);
  await settle(t);
}

describe("one ranking index on time buckets", () => {
  test("a visit property's rows carry their visits as rank, and top lists of every size are exact", async () => {
    await replayAndSettle(T0, 61);
    const rows = await t.runInStats(async (ctx) => await ctx.db.query("timeBuckets").collect());
    for (const row of rows) expect(row.rank, `${row.scope} ${row.level}`).toBe(["site", "page"].includes(row.group!) ? undefined : (row.visits ?? 0));
    await expectTopListsExact("ranked");
  }, 300_000);

  test("after an upgrade (no row ranked), and once new traffic has ranked some, top lists stay exact", async () => {
    expect(await dropRanks()).toBeGreaterThan(100);
    await expectTopListsExact("none ranked");
    await replayAndSettle(Date.now() - (Date.now() % MINUTE) + MINUTE, 62);
    const { ranked, unranked } = await rankCounts();
    expect(ranked).toBeGreaterThan(0);
    expect(unranked).toBeGreaterThan(0);
    await expectTopListsExact("some ranked");
  }, 300_000);
});
