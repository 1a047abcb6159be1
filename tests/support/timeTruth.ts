import { expect } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Doc } from "../../convex/_generated/dataModel";
import { finishPageViewFold, foldPageView, startPageViewFold } from "../../convex/model/foldPageViews";
import { buckets, type Interval, type TimeRange } from "../../convex/model/timeRanges";
import type { TestConvex } from "./convex";
import { DERIVED_ROWS_BATCH, insertRows, type ViewRow } from "./seed";

/**
 * Brute-force figures from raw view rows, to check the Stats API against: the
 * views in a range, and the distinct sessions among them.
 */
export type Views = readonly Pick<Doc<"pageViews">, "path" | "sessionId" | "timestamp">[];

export function countRange(views: Views, range: TimeRange, path?: string) {
  const inRange = views.filter((view) => view.timestamp >= range.from && view.timestamp < range.to && (path === undefined || view.path === path));
  return { pageviews: inRange.length, visitors: new Set(inRange.map((view) => view.sessionId)).size };
}

export function countSeries(views: Views, range: TimeRange, interval: Interval, timeZone: string) {
  const starts = buckets(range, interval, timeZone);
  return starts.map((start, i) => ({
    start,
    ...countRange(views, { from: Math.max(start, range.from), to: Math.min(starts[i + 1] ?? range.to, range.to) }),
  }));
}

/** Every page with a view in the range, ranked as `breakdown` ranks them. */
export function rankPages(views: Views, range: TimeRange) {
  const paths = new Set(views.filter((view) => view.timestamp >= range.from && view.timestamp < range.to).map((view) => view.path));
  return [...paths]
    .map((path) => ({ value: path, ...countRange(views, range, path) }))
    .sort((a, b) => b.pageviews - a.pageviews || b.visitors - a.visitors || (a.value < b.value ? -1 : 1));
}

/**
 * Inserts the rows and folds them as the worker would, in the order given (so
 * a shuffled order exercises views reaching the fold out of time order).
 */
export async function insertAndFoldViews(t: TestConvex, rows: ViewRow[], batch = DERIVED_ROWS_BATCH): Promise<void> {
  await insertRows(t, "pageViews", rows);
  for (let i = 0; i < rows.length; i += batch) {
    await t.run(async (ctx) => {
      const fold = startPageViewFold();
      for (const row of rows.slice(i, i + batch)) await foldPageView(ctx, fold, row);
      await finishPageViewFold(ctx, fold);
    });
  }
}

/** Every view row, read a page per transaction (the raw truth a recount starts from). */
export async function readViews(t: TestConvex): Promise<Views> {
  const views: Views[number][] = [];
  let cursor: string | null = null;
  for (;;) {
    const page = await t.run(async (ctx) => await ctx.db.query("pageViews").paginate({ cursor, numItems: 8000 }));
    views.push(...page.page.map(({ path, sessionId, timestamp }) => ({ path, sessionId, timestamp })));
    if (page.isDone) return views;
    cursor = page.continueCursor;
  }
}

/**
 * Asserts the Stats API agrees with a recount of the view rows: the summary of
 * `ranges` (whole minutes), the daily series and the top pages of their span.
 */
export async function expectExactTimeFigures(t: TestConvex, ranges: TimeRange[]): Promise<void> {
  const views = await readViews(t);
  for (const range of ranges) {
    expect(await t.query(api.stats.summary, range), JSON.stringify(range)).toEqual({ ...range, ...countRange(views, range) });
  }
  const span = { from: Math.min(...ranges.map((r) => r.from)), to: Math.max(...ranges.map((r) => r.to)) };
  const day = 24 * 60 * 60_000;
  const days = { from: span.from - (span.from % day), to: span.to - (span.to % day) + day };
  expect(await t.query(api.stats.timeseries, { ...days, interval: "day", timeZone: "UTC" })).toEqual(countSeries(views, days, "day", "UTC"));
  const top = await t.query(api.stats.breakdown, { property: "page", ...span, limit: 20 });
  expect(top.map(({ title: _title, ...row }) => row)).toEqual(rankPages(views, span).slice(0, 20));
}
