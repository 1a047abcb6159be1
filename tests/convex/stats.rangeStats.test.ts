import { ConvexError } from "convex/values";
import { expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { FILTERED_BREAKDOWN_MAX_ROWS, RANGE_STATS_MAX_BREAKDOWNS } from "../../src/shared/config";
import { visitAttributes } from "../../src/component/record/visitAttributes";
import { viewPage } from "../support/calls";
import { advanceTo, MINUTE, T0, useFakeClock } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { sessionId } from "../support/seed";
import { settle } from "../support/worker";

/**
 * `rangeStats` (component/read/timeStats.ts): a range's summary, series and
 * breakdowns in one answer, the dashboard's one subscription for them. Each
 * part is what its own query answers; a filtered breakdown the server refuses
 * answers `refused` in its place while the rest stands.
 */
useFakeClock(T0);

const RANGE = { from: T0, to: T0 + 60 * MINUTE };

test("answers what summary, timeseries and each breakdown answer, in the order asked, page titles included", async () => {
  const t = createTestConvex();
  for (const [visitor, path] of [[1, "/"], [2, "/"], [2, "/about"], [3, "/about"]] as const) {
    advanceTo(T0 + visitor * MINUTE);
    await viewPage(t, visitor, path);
  }
  await settle(t);
  const breakdowns = [{ property: "page", limit: 1 }, { property: "source" }, { property: "entryPage", limit: 5 }];
  for (const filter of [undefined, { property: "page", value: "/about" }]) {
    const range = { ...RANGE, ...(filter === undefined ? {} : { filter }) };
    const answer = await t.query(api.stats.rangeStats, { ...range, interval: "hour", breakdowns });
    expect(answer).toEqual({
      summary: await t.query(api.stats.summary, range),
      series: await t.query(api.stats.timeseries, { ...range, interval: "hour" }),
      breakdowns: await Promise.all(breakdowns.map(async (breakdown) => ({ rows: await t.query(api.stats.breakdown, { ...range, ...breakdown }) }))),
    });
  }
});

test("a filtered breakdown the server refuses answers why in its place; the summary, the series and the other breakdowns stand", async () => {
  const t = createTestConvex();
  await t.runInStats(async (ctx) => {
    for (let i = 0; i <= FILTERED_BREAKDOWN_MAX_ROWS; i++) {
      const start = T0 + i * 1000;
      await ctx.db.insert("visits", { sessionId: sessionId(i), start, lastActivity: start, views: 1, entryPage: "/", exitPage: "/", ...visitAttributes({ referrer: "https://www.google.com/" }) });
    }
  });
  const google = { property: "source", value: "Google" };
  const answer = await t.query(api.stats.rangeStats, { ...RANGE, filter: google, interval: "hour", breakdowns: [{ property: "browser" }, { property: "source" }] });
  expect(answer.breakdowns[0]).toEqual({ refused: { code: "FILTER_TOO_BROAD", message: expect.stringContaining("shorter range") } });
  expect(answer.breakdowns[1]).toEqual({ rows: await t.query(api.stats.breakdown, { ...RANGE, filter: google, property: "source" }) });
  expect(answer.summary).toEqual(await t.query(api.stats.summary, { ...RANGE, filter: google }));
});

test(`more than ${RANGE_STATS_MAX_BREAKDOWNS} breakdowns, a bad one, or a bad range is refused with its field`, async () => {
  const t = createTestConvex();
  const refusal = async (args: Parameters<typeof t.query<typeof api.stats.rangeStats>>[1]) => {
    const error = await t.query(api.stats.rangeStats, args).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvexError);
    return (error as ConvexError<{ code: string; field: string }>).data;
  };
  const many = Array.from({ length: RANGE_STATS_MAX_BREAKDOWNS + 1 }, () => ({ property: "page" }));
  expect(await refusal({ ...RANGE, interval: "hour", breakdowns: many })).toMatchObject({ code: "INVALID_ARGUMENT", field: "breakdowns" });
  expect(await refusal({ ...RANGE, interval: "hour", breakdowns: [{ property: "planet" }] })).toMatchObject({ code: "INVALID_ARGUMENT", field: "property" });
  expect(await refusal({ ...RANGE, interval: "fortnight", breakdowns: [] })).toMatchObject({ code: "INVALID_ARGUMENT", field: "interval" });
  expect(await refusal({ from: RANGE.to, to: RANGE.from, interval: "hour", breakdowns: [] })).toMatchObject({ code: "INVALID_ARGUMENT" });
});
