import { ConvexError } from "convex/values";
import { expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { RANGE_STATS_MAX_BREAKDOWNS, SESSION_TIMEOUT_MS, VIEWS_TABLE_COLLAPSED_ROWS } from "../../src/shared/config";
import { saveContent } from "../../convex/model/content";
import { visitAttributes } from "../../src/component/record/visitAttributes";
import { heartbeat, viewPage } from "../support/calls";
import { advanceTo, MINUTE, T0, useFakeClock } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { sessionId } from "../support/seed";
import { settle } from "../support/worker";

/**
 * `dashboardStats` (component/read.ts, read/timeStats.ts): everything a
 * dashboard shows live in one answer, its one subscription: the range's
 * summary, series and breakdowns, active now and the all-time figures. Each
 * part is what its own query answers; a filtered breakdown the server refuses
 * answers `refused` in its place, and a range it refuses answers its error,
 * while the rest stands.
 */
useFakeClock(T0);

const RANGE = { from: T0, to: T0 + 60 * MINUTE };

test("answers what summary, timeseries, each breakdown (in the order asked), getActiveVisitors and getPageViewStats answer, page titles included", async () => {
  const t = createTestConvex();
  for (const [visitor, path] of [[1, "/"], [2, "/"], [2, "/about"], [3, "/about"]] as const) {
    advanceTo(T0 + visitor * MINUTE);
    await viewPage(t, visitor, path);
  }
  await settle(t);
  const breakdowns = [{ property: "page", limit: 1 }, { property: "source" }, { property: "entryPage", limit: 5 }];
  for (const filter of [undefined, { property: "page", value: "/about" }]) {
    const range = { ...RANGE, ...(filter === undefined ? {} : { filter }) };
    const answer = await t.query(api.stats.dashboardStats, { range: { ...range, interval: "hour", breakdowns } });
    expect(answer).toEqual({
      range: {
        summary: await t.query(api.stats.summary, range),
        series: await t.query(api.stats.timeseries, { ...range, interval: "hour" }),
        breakdowns: await Promise.all(breakdowns.map(async (breakdown) => ({ rows: await t.query(api.stats.breakdown, { ...range, ...breakdown }) }))),
      },
      active: await t.query(api.stats.getActiveVisitors, {}),
      pageViews: await t.query(api.stats.getPageViewStats, {}),
    });
  }
  // Without a range (the dashboard's is not resolved yet), the rest.
  expect(await t.query(api.stats.dashboardStats, {})).toEqual({
    range: null,
    active: await t.query(api.stats.getActiveVisitors, {}),
    pageViews: await t.query(api.stats.getPageViewStats, {}),
  });
});

test(`the all-time pages are the ${VIEWS_TABLE_COLLAPSED_ROWS} a dashboard shows before "show more", and active now names its pages itself`, async () => {
  const t = createTestConvex();
  await t.run((ctx) => saveContent(ctx, "posts", { slug: "quiet-post", title: "A quiet post", published: true, date: "2024-01-01" }));
  // Twelve pages, each viewed by one visitor more than the next; the least viewed is the post its one reader is on now.
  const paths = [...Array.from({ length: VIEWS_TABLE_COLLAPSED_ROWS + 1 }, (_, i) => `/p${i}`), "/quiet-post"];
  let visitor = 0;
  for (const [rank, path] of paths.entries()) for (let i = paths.length - rank; i > 0; i--) await viewPage(t, ++visitor, path);
  // The other readers have left (a view is presence too, for the session timeout).
  advanceTo(Date.now() + SESSION_TIMEOUT_MS + MINUTE);
  await heartbeat(t, visitor, "/quiet-post");
  await settle(t);

  const { pageViews, active } = await t.query(api.stats.dashboardStats, {});
  const all = await t.query(api.stats.getPageViewStats, {});
  expect(pageViews).toEqual({ ...all, pageStats: all.pageStats.slice(0, VIEWS_TABLE_COLLAPSED_ROWS) });
  expect(pageViews.distinctPages).toBe(paths.length);
  expect(active.activeByPath).toEqual([{ path: "/quiet-post", title: "A quiet post", count: 1 }]);
});

test(`active now lists the ${VIEWS_TABLE_COLLAPSED_ROWS} busiest pages a panel shows, and still counts every visitor`, async () => {
  const t = createTestConvex();
  const pages = VIEWS_TABLE_COLLAPSED_ROWS + 2;
  let visitor = 0;
  // Page i has i + 1 readers: the two quietest fall outside the list.
  for (let page = 0; page < pages; page++) for (let reader = 0; reader <= page; reader++) await heartbeat(t, ++visitor, `/p${page}`);
  await settle(t);
  const { active } = await t.query(api.stats.dashboardStats, {});
  const all = await t.query(api.stats.getActiveVisitors, {});
  expect(all.activeByPath).toHaveLength(pages);
  expect(active).toEqual({ activeVisitors: visitor, activeByPath: all.activeByPath.slice(0, VIEWS_TABLE_COLLAPSED_ROWS) });
  expect(active.activeVisitors - active.activeByPath.reduce((sum, { count }) => sum + count, 0)).toBe(1 + 2);
});

test("a filtered breakdown the server refuses answers why in its place; the summary, the series and the other breakdowns stand", async () => {
  const t = createTestConvex();
  // A site whose visits were settled before visit blocks began: filtered scans start after the last of them.
  await t.runInStats(async (ctx) => {
    await ctx.db.insert("visits", { sessionId: sessionId(0), start: T0, lastActivity: T0 + MINUTE, views: 1, entryPage: "/", exitPage: "/", ...visitAttributes({ referrer: "https://www.google.com/" }) });
    await ctx.db.insert("visitSettlement", { lastActivity: T0 + MINUTE, creationTime: 0 });
  });
  const google = { property: "source", value: "Google" };
  const { range } = await t.query(api.stats.dashboardStats, { range: { ...RANGE, filter: google, interval: "hour", breakdowns: [{ property: "browser" }, { property: "source" }] } });
  if (range === null || "error" in range) throw new Error("expected the range's figures");
  expect(range.breakdowns[0]).toEqual({ refused: { code: "RANGE_TOO_EARLY", field: "from", availableFrom: T0 + 2 * MINUTE, message: expect.stringContaining("run the backfill") } });
  expect(range.breakdowns[1]).toEqual({ rows: await t.query(api.stats.breakdown, { ...RANGE, filter: google, property: "source" }) });
  expect(range.summary).toEqual(await t.query(api.stats.summary, { ...RANGE, filter: google }));
  // Filters that scan for the summary too: the whole range is refused, with where it can start.
  const scanned = await t.query(api.stats.dashboardStats, { range: { ...RANGE, filters: [{ ...google, op: "isNot" }], interval: "hour", breakdowns: [] } });
  expect(scanned.range).toEqual({ error: { code: "RANGE_TOO_EARLY", field: "from", availableFrom: T0 + 2 * MINUTE, message: expect.any(String) } });
});

test(`a range the Stats API refuses (more than ${RANGE_STATS_MAX_BREAKDOWNS} breakdowns, a bad one, a bad interval or range) answers its error in its place; the rest stands`, async () => {
  const t = createTestConvex();
  await viewPage(t, 1, "/");
  await settle(t);
  const refusal = async (range: NonNullable<Parameters<typeof t.query<typeof api.stats.dashboardStats>>[1]["range"]>) => {
    const answer = await t.query(api.stats.dashboardStats, { range });
    expect(answer.pageViews.totalPageViews).toBe(1);
    if (answer.range === null || !("error" in answer.range)) throw new Error("expected the range's error");
    return answer.range.error;
  };
  const many = Array.from({ length: RANGE_STATS_MAX_BREAKDOWNS + 1 }, () => ({ property: "page" }));
  expect(await refusal({ ...RANGE, interval: "hour", breakdowns: many })).toMatchObject({ code: "INVALID_ARGUMENT", field: "breakdowns" });
  expect(await refusal({ ...RANGE, interval: "hour", breakdowns: [{ property: "planet" }] })).toMatchObject({ code: "INVALID_ARGUMENT", field: "property" });
  expect(await refusal({ ...RANGE, interval: "fortnight", breakdowns: [] })).toMatchObject({ code: "INVALID_ARGUMENT", field: "interval" });
  expect(await refusal({ from: RANGE.to, to: RANGE.from, interval: "hour", breakdowns: [] })).toMatchObject({ code: "INVALID_ARGUMENT" });
});

test("a private dashboard's answer needs its token", async () => {
  vi.stubEnv("STATS_VISIBILITY", "private");
  const t = createTestConvex();
  const error = await t.query(api.stats.dashboardStats, {}).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConvexError);
  vi.unstubAllEnvs();
});
