import { isDeepStrictEqual } from "node:util";
import type { Page } from "playwright-core";
import type { JSONValue } from "convex/values";
import { expect } from "vitest";
import { VIEWS_TABLE_COLLAPSED_ROWS } from "../../../src/shared/config";
import { describeChange, parseComparison, parseSelection, resolveSelection, type ResolvedSelection } from "../../../src/react/lib/statsPeriod";
import type { DetailHorizons } from "../../../src/shared/detail";
import type { LocalDeployment } from "../../../tools/local-convex/deployment";
import { readChartTable, readRangeCards, readTopPages } from "./dashboard";

type Figures = { pageviews: number; visitors: number };
type SeriesRow = Figures & { start: number };

/** A public query's value, or a thrown error with the function's message. */
export async function queryValue<T>(deployment: LocalDeployment, udfPath: string, args: JSONValue): Promise<T> {
  const outcome = await deployment.query(udfPath, args);
  if (!outcome.success) throw new Error(`${udfPath} failed: ${outcome.errorMessage}`);
  return outcome.value as T;
}

/** The range a dashboard at `search` ("?period=7d") shows at `now`, resolved as the page does: in the site's zone, at the whole minute, with the detail the site keeps. */
export async function resolveRange(deployment: LocalDeployment, search: string, now = Date.now()): Promise<ResolvedSelection> {
  const { timeZone, detail } = await queryValue<{ timeZone: string; detail?: DetailHorizons }>(deployment, "stats:settings", {});
  const { trackingSince } = await queryValue<{ trackingSince: number | null }>(deployment, "stats:getPageViewStats", {});
  const params = new URLSearchParams(search);
  return resolveSelection(parseSelection(params), now - (now % 60_000), timeZone, { since: trackingSince, detail, comparison: parseComparison(params) });
}

/** What the range's panels show, without the words (dates are the unit tests' business): the cards, every chart bucket, the top pages. */
export type RangeFigures = {
  cards: { visitors: { value: number | null; change: string | null }; pageviews: { value: number | null; change: string | null } };
  chart: { start: number; live: boolean; visitors: number; pageviews: number; previous?: { visitors: number | null; pageviews: number | null } }[];
  topPages: { path: string; visitors: number; pageviews: number }[];
};

/**
 * What the dashboard at `search` must show, asked of the deployment itself: `summary` for the range and the
 * part of the period before it that it is compared with (the cards and their ▲/▼), `timeseries` for the range
 * and the whole period before (the chart's table, the live bucket marked), `breakdown` for the top pages.
 */
export async function serverRangeFigures(deployment: LocalDeployment, search: string): Promise<{ shown: ResolvedSelection; figures: RangeFigures }> {
  const shown = await resolveRange(deployment, search);
  const { range, compared, chartCompared, interval } = shown;
  const summary = await queryValue<Figures>(deployment, "stats:summary", range);
  const before = compared === null ? null : await queryValue<Figures>(deployment, "stats:summary", compared.range);
  const series = await queryValue<SeriesRow[]>(deployment, "stats:timeseries", { ...range, interval });
  const seriesBefore = chartCompared === null ? null : await queryValue<SeriesRow[]>(deployment, "stats:timeseries", { ...chartCompared, interval });
  const top = await queryValue<(Figures & { value: string })[]>(deployment, "stats:breakdown", { property: "page", ...range, limit: VIEWS_TABLE_COLLAPSED_ROWS });
  const card = (metric: keyof Figures) => ({
    value: summary[metric],
    change: before === null ? null : (describeChange(summary[metric], before[metric])?.text ?? null),
  });
  return {
    shown,
    figures: {
      cards: { visitors: card("visitors"), pageviews: card("pageviews") },
      chart: series.map(({ start, visitors, pageviews }, index) => ({
        start,
        live: start === shown.liveBucketStart,
        visitors,
        pageviews,
        ...(seriesBefore !== null && {
          previous: { visitors: seriesBefore[index]?.visitors ?? null, pageviews: seriesBefore[index]?.pageviews ?? null },
        }),
      })),
      topPages: top.map(({ value, visitors, pageviews }) => ({ path: value, visitors, pageviews })),
    },
  };
}

/** The range's figures as the page shows them (see RangeFigures). */
export async function shownRangeFigures(page: Page): Promise<RangeFigures> {
  const [{ visitors, pageviews }, chart, topPages] = await Promise.all([readRangeCards(page), readChartTable(page), readTopPages(page)]);
  return {
    cards: { visitors, pageviews },
    chart: chart.map(({ start, live, visitors, pageviews, previous }) => ({
      start,
      live,
      visitors,
      pageviews,
      ...(previous !== undefined && { previous: { visitors: previous.visitors, pageviews: previous.pageviews } }),
    })),
    topPages,
  };
}

/**
 * Waits until the dashboard shows exactly what the deployment's Stats API answers for the range in the
 * page's URL (both read afresh each time, so views still being folded settle), then asserts it once
 * more for a readable diff. Returns the range and its figures.
 */
export async function expectServerRangeFigures(page: Page, deployment: LocalDeployment): Promise<{ shown: ResolvedSelection; figures: RangeFigures }> {
  let last: { expected: Awaited<ReturnType<typeof serverRangeFigures>>; actual: RangeFigures } | undefined;
  const agrees = async () => {
    const expected = await serverRangeFigures(deployment, new URL(page.url()).search);
    const actual = await shownRangeFigures(page);
    last = { expected, actual };
    return expected.figures.chart.length > 0 && isDeepStrictEqual(actual, expected.figures);
  };
  await expect.poll(agrees, { timeout: 10_000 }).toBe(true).catch(() => undefined);
  expect(last!.actual, `the dashboard at ${page.url()} against the Stats API`).toEqual(last!.expected.figures);
  return last!.expected;
}
