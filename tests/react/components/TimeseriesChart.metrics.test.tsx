import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, test } from "vitest";
import { TimeseriesChart, type ChartBucket } from "../../../src/react/components/TimeseriesChart";

afterEach(cleanup);

const DAY = 86_400_000;
const JUN_1 = Date.UTC(2025, 5, 1);

// Three days: visits on the first and last, none on the second (a mean over no visits is no figure).
const series: ChartBucket[] = [
  { start: JUN_1, visitors: 4, pageviews: 6, visits: 5, viewsPerVisit: 1.2, bounceRate: 0.4, visitDurationMs: 185_000 },
  { start: JUN_1 + DAY, visitors: 0, pageviews: 0, visits: 0, viewsPerVisit: 0, bounceRate: 0, visitDurationMs: 0 },
  { start: JUN_1 + 2 * DAY, visitors: 2, pageviews: 2, visits: 2, viewsPerVisit: 1, bounceRate: 1, visitDurationMs: 0 },
];
const previous: ChartBucket[] = series.map((bucket) => ({ ...bucket, start: bucket.start - 3 * DAY, bounceRate: 0.5, visitDurationMs: 60_000 }));

function tableRows() {
  return within(screen.getByTestId("timeseries-table"))
    .getAllByRole("row", { hidden: true })
    .map((row) => Array.from(row.querySelectorAll("th, td"), (cell) => cell.textContent));
}

describe("a visit metric drawn alone", () => {
  test("names the chart, and the table gives its figures after visitors and page views, a dash where there were no visits", () => {
    render(<TimeseriesChart series={series} interval="day" timeZone="UTC" metric="bounceRate" />);
    const [header, ...rows] = tableRows();
    expect(header).toEqual(["Day", "Visitors", "Page views", "Bounce rate"]);
    expect(rows.map((row) => row.slice(1))).toEqual([
      ["4", "6", "40%"],
      ["0", "0", "–"],
      ["2", "2", "100%"],
    ]);
    expect(screen.getByTestId("timeseries-table").querySelector("caption")?.textContent).toMatch(/^Bounce rate per day, Jun 1/);
    expect(screen.getByRole("img").getAttribute("aria-label")).toContain("Bounce rate was highest at 100%");
  });

  test("durations as Plausible writes them, beside the previous period's", () => {
    render(<TimeseriesChart series={series} previous={previous} interval="day" timeZone="UTC" metric="visitDurationMs" />);
    const [header, first] = tableRows();
    expect(header.slice(-2)).toEqual(["Visit duration", "Previous visit duration"]);
    expect(first.slice(-2)).toEqual(["3m 05s", "1m 00s"]);
  });

  test("visitors and page views together keep their two columns", () => {
    render(<TimeseriesChart series={series} interval="day" timeZone="UTC" />);
    expect(tableRows()[0]).toEqual(["Day", "Visitors", "Page views"]);
  });
});
