import { beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { DAY, HOUR, MINUTE, T0, advanceTo, useFakeClock } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { KEEP_ALL_DETAIL, useEnv } from "../support/env";
import { measure } from "../support/metrics";
import { generateVisitCalls, replayCalls } from "../support/visitWorkload";
import { settle } from "../support/worker";

/**
 * A dashboard's range split at a midnight (read/timeStats.ts `rangeHistory`,
 * `rangeStats` with `history`): the days before it are answered once by
 * `dashboardHistory`, and `dashboardStats` takes that answer back and reads
 * only the rest. The split answer must equal the whole one exactly (summary,
 * series, every breakdown's rows and order), at every split and limit, as new
 * traffic arrives after the split; and a live re-run must read less.
 */
useFakeClock(T0, "all");
useEnv(KEEP_ALL_DETAIL);
const t = createTestConvex();
const DAYS = 12;
const NOW = T0 + DAYS * DAY;

type Question = { from: number; to: number; interval: string; filter?: { property: string; value: string }; breakdowns: { property: string; limit: number }[] };
const BREAKDOWNS = ["page", "source", "country", "browser", "entryPage", "referrer"].flatMap((property) => [1, 3, 10].map((limit) => ({ property, limit })));

async function splitAndWhole(range: Question, before: number) {
  const whole = (await t.query(api.stats.dashboardStats, { range })).range;
  const history = (await t.query(api.stats.dashboardHistory, { range, before }))!;
  const split = (await t.query(api.stats.dashboardStats, { range: { ...range, history } })).range;
  return { whole, split, history };
}

describe("a range split at a midnight answers what the whole range answers", () => {
  beforeAll(async () => {
    // Twelve days of visitors, the last of them arriving "today".
    await replayCalls(t, generateVisitCalls({ visitors: 90, start: T0, days: DAYS - 0.5, seed: 31 }));
    advanceTo(NOW - 2 * HOUR);
    await settle(t);
  }, 600_000);

  const questions = (): [Question, number][] => {
    const today = NOW - DAY;
    const [first, second, third] = [BREAKDOWNS.slice(0, 6), BREAKDOWNS.slice(6, 12), BREAKDOWNS.slice(12, 18)];
    return [
      [{ from: T0, to: NOW, interval: "day", breakdowns: first }, today],
      [{ from: T0, to: NOW, interval: "day", breakdowns: second }, today],
      [{ from: T0, to: NOW, interval: "week", breakdowns: third }, today],
      [{ from: T0 + 3 * DAY, to: NOW, interval: "hour", breakdowns: first }, T0 + 7 * DAY],
      [{ from: T0 + 5 * DAY, to: NOW, interval: "day", breakdowns: second }, T0 + 6 * DAY],
      [{ from: T0, to: NOW, interval: "day", filter: { property: "page", value: "/" }, breakdowns: BREAKDOWNS.slice(0, 3) }, today],
      [{ from: T0, to: NOW, interval: "day", filter: { property: "source", value: "Google" }, breakdowns: BREAKDOWNS.slice(3, 6) }, today],
    ];
  };

  test("at several splits, intervals, limits and filters", async () => {
    for (const [range, before] of questions()) {
      const { whole, split, history } = await splitAndWhole(range, before);
      expect(split, JSON.stringify({ ...range, before })).toEqual(whole);
      expect(history.breakdowns.every((part) => (part === null) === (range.filter !== undefined))).toBe(true);
    }
  });

  // That the traffic never re-runs the history's subscription is measured in tests/bench/dashboardCost.bench.ts.
  test("as traffic arrives after the split, with the history kept from before it", async () => {
    const range: Question = { from: T0, to: NOW, interval: "day", breakdowns: BREAKDOWNS.slice(0, 6) };
    const history = (await t.query(api.stats.dashboardHistory, { range, before: NOW - DAY }))!;
    await replayCalls(t, generateVisitCalls({ visitors: 40, start: NOW - 2 * HOUR, days: 1 / 24, seed: 7 }));
    await settle(t);
    const whole = (await t.query(api.stats.dashboardStats, { range })).range;
    expect((await t.query(api.stats.dashboardStats, { range: { ...range, history } })).range).toEqual(whole);
    expect(await t.query(api.stats.dashboardHistory, { range, before: NOW - DAY })).toEqual(history);
  }, 120_000);

  test("a live re-run reads only today's buckets: fewer documents and bytes than the whole range", async () => {
    const range: Question = { from: T0, to: NOW, interval: "day", breakdowns: BREAKDOWNS.filter(({ limit }) => limit === 10).slice(0, 4) };
    const history = (await t.query(api.stats.dashboardHistory, { range, before: NOW - DAY }))!;
    const { cost: whole } = await measure(t, (ctx) => ctx.runQuery(api.stats.dashboardStats, { range }));
    const { cost: split } = await measure(t, (ctx) => ctx.runQuery(api.stats.dashboardStats, { range: { ...range, history } }));
    expect(split.documentsRead).toBeLessThan(whole.documentsRead / 2);
    expect(split.bytesRead).toBeLessThan(whole.bytesRead / 2);
  });

  test("a history that does not fit the question is refused in the range's place", async () => {
    const range: Question = { from: T0, to: NOW, interval: "day", breakdowns: BREAKDOWNS.slice(0, 2) };
    const history = (await t.query(api.stats.dashboardHistory, { range, before: NOW - DAY }))!;
    const refusal = async (changed: typeof history) => {
      const answer = (await t.query(api.stats.dashboardStats, { range: { ...range, history: changed } })).range;
      if (answer === null || !("error" in answer)) throw new Error("expected the range's error");
      return answer.error;
    };
    expect(await refusal({ ...history, before: NOW - DAY + HOUR })).toMatchObject({ code: "INVALID_ARGUMENT", field: "before" });
    // Another question's history (another range's, another filter's) is never taken back.
    const other = (await t.query(api.stats.dashboardHistory, { range: { ...range, from: T0 + DAY }, before: NOW - DAY }))!;
    expect(await refusal({ ...other, question: history.question })).toMatchObject({ field: "range.history" });
    expect(await refusal(other)).toMatchObject({ field: "range.history", message: expect.stringContaining("another question") });
    expect(await refusal({ ...history, series: history.series.slice(1) })).toMatchObject({ code: "INVALID_ARGUMENT", field: "range.history" });
    expect(await refusal({ ...history, summary: { ...history.summary, visits: -1 } })).toMatchObject({ field: "range.history" });
    expect(await refusal({ ...history, breakdowns: history.breakdowns.slice(1) })).toMatchObject({ field: "range.history" });
    await expect(t.query(api.stats.dashboardHistory, { range, before: NOW + DAY })).rejects.toThrow(/before must be a midnight/);
    await expect(t.query(api.stats.dashboardHistory, { range, before: NOW - DAY + MINUTE })).rejects.toThrow(/before must be a midnight/);
  });
});

test("values tied at the history's bound, which the rest cannot rank, are ranked over the whole range", async () => {
  const tc = createTestConvex();
  // Five pages viewed once each on the first day, none since: the top page of three days is the first by path.
  for (const [visitor, path] of ["/e", "/d", "/c", "/b", "/a"].entries()) {
    advanceTo(T0 + 20 * DAY + visitor * MINUTE);
    await tc.mutation(api.stats.recordPageView, { path, pageType: "post", sessionId: `00000000-0000-4000-8000-00000000000${visitor}` });
  }
  advanceTo(T0 + 22 * DAY + HOUR);
  await settle(tc);
  const range: Question = { from: T0 + 20 * DAY, to: T0 + 23 * DAY, interval: "day", breakdowns: [{ property: "page", limit: 1 }] };
  const history = (await tc.query(api.stats.dashboardHistory, { range, before: T0 + 22 * DAY }))!;
  const breakdownOf = history.breakdowns[0]!;
  expect(breakdownOf).toMatchObject({ bound: 1, rows: [{ value: "/a" }, { value: "/b" }] });
  const whole = (await tc.query(api.stats.dashboardStats, { range })).range;
  expect((await tc.query(api.stats.dashboardStats, { range: { ...range, history } })).range).toEqual(whole);
  expect(whole).toMatchObject({ breakdowns: [{ rows: [{ value: "/a", pageviews: 1 }] }] });
});
