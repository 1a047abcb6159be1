import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, test, vi } from "vitest";
import type uPlot from "uplot";
import { TimeseriesChart, type TimeBucket } from "../../../src/react/components/TimeseriesChart";
import { axisTicks, bucketClock, bucketLabel } from "../../../src/react/lib/timeBuckets";
import { buckets } from "../../../src/shared/timeRanges";

// happy-dom draws no canvas: the component then shows its table and summary without a chart. Where a test
// needs the chart, it gives the canvas a context and records what the component asks of this stand-in for uPlot.
const plots = vi.hoisted(() => [] as FakePlot[]);
type FakePlot = {
  opts: uPlot.Options;
  data: uPlot.AlignedData;
  setDataCalls: uPlot.AlignedData[];
  destroyed: boolean;
  series: uPlot.Series[];
  bbox: { width: number; height: number };
};
vi.mock("uplot", () => {
  class Plot {
    static pxRatio = 1;
    setDataCalls: uPlot.AlignedData[] = [];
    destroyed = false;
    series: uPlot.Series[];
    bbox = { left: 0, top: 0, width: 600, height: 200 };
    over = document.createElement("div");
    cursor = { idx: null, left: -10 };
    width: number;
    constructor(
      public opts: uPlot.Options,
      public data: uPlot.AlignedData,
    ) {
      this.series = opts.series.map((series) => ({ ...series }));
      this.width = opts.width;
      plots.push(this as unknown as FakePlot);
    }
    setData(data: uPlot.AlignedData) {
      this.data = data;
      this.setDataCalls.push(data);
    }
    redraw() {}
    setSize() {}
    setCursor() {}
    valToPos(value: number) {
      return value * 10;
    }
    destroy() {
      this.destroyed = true;
    }
  }
  return { default: Plot };
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  plots.length = 0;
});

// Intl's ranges put thin spaces around the dash: "Jun 1 – 7, 2025".
const DASH = "\u2009–\u2009";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Midnight of Jun 1, 2025 in Asia/Kolkata (UTC+5:30) is 18:30 UTC on May 31.
const KOLKATA_JUN_1 = Date.UTC(2025, 5, 1) - 5.5 * HOUR;

function days(count: number, from: number, figures: (index: number) => [visitors: number, pageviews: number]): TimeBucket[] {
  return Array.from({ length: count }, (_, index) => {
    const [visitors, pageviews] = figures(index);
    return { start: from + index * DAY, visitors, pageviews };
  });
}

const week = days(7, KOLKATA_JUN_1, (index) => [100 + index, 1000 * (index + 1) + 234]);
const weekBefore = days(7, KOLKATA_JUN_1 - 7 * DAY, (index) => [50 + index, 500 + index]);

function tableRows() {
  const table = screen.getByTestId("timeseries-table");
  return within(table)
    .getAllByRole("row", { hidden: true })
    .slice(1)
    .map((row) => Array.from(row.querySelectorAll("th, td"), (cell) => cell.textContent));
}

function giveCanvasAContext() {
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue({} as unknown as RenderingContext);
}

describe("the table equivalent", () => {
  test("has one row per bucket with the exact figures and the bucket's start in the given zone", () => {
    render(<TimeseriesChart series={week} interval="day" timeZone="Asia/Kolkata" />);
    const table = screen.getByTestId("timeseries-table");
    expect(within(table).getByText(/Visitors and page views per day, Jun 1 – 7, 2025 \(times in Asia\/Kolkata, GMT\+5:30\)/)).toBeTruthy();
    expect(within(table).getAllByRole("columnheader", { hidden: true }).map((th) => th.textContent)).toEqual(["Day", "Visitors", "Page views"]);
    expect(tableRows()).toEqual([
      ["Sun, Jun 1, 2025", "100", "1,234"],
      ["Mon, Jun 2, 2025", "101", "2,234"],
      ["Tue, Jun 3, 2025", "102", "3,234"],
      ["Wed, Jun 4, 2025", "103", "4,234"],
      ["Thu, Jun 5, 2025", "104", "5,234"],
      ["Fri, Jun 6, 2025", "105", "6,234"],
      ["Sat, Jun 7, 2025", "106", "7,234"],
    ]);
    // A row header per bucket, so a screen reader names each figure by its day.
    expect(within(table).getAllByRole("rowheader", { hidden: true })).toHaveLength(7);
  });

  test("hourly buckets read in the zone's wall-clock time, half-hour offsets included", () => {
    const start = Date.UTC(2025, 5, 1, 0); // 5:30 AM in Kolkata
    const hours = Array.from({ length: 3 }, (_, index) => ({ start: start + index * HOUR, visitors: index, pageviews: 2 * index }));
    render(<TimeseriesChart series={hours} interval="hour" timeZone="Asia/Kolkata" />);
    expect(tableRows().map((row) => row[0])).toEqual(["Sun, Jun 1, 5:30 AM", "Sun, Jun 1, 6:30 AM", "Sun, Jun 1, 7:30 AM"]);
  });

  test("names the zone in every time when the clocks change inside the range (two 1 AMs)", () => {
    // Nov 2, 2025: New York goes from EDT back to EST at 2 AM, so 1 AM comes twice.
    const start = Date.UTC(2025, 10, 2, 4); // 12 AM EDT
    const hours = Array.from({ length: 4 }, (_, index) => ({ start: start + index * HOUR, visitors: index, pageviews: index }));
    render(<TimeseriesChart series={hours} interval="hour" timeZone="America/New_York" />);
    expect(tableRows().map((row) => row[0])).toEqual([
      "Sun, Nov 2, 12:00 AM EDT",
      "Sun, Nov 2, 1:00 AM EDT",
      "Sun, Nov 2, 1:00 AM EST",
      "Sun, Nov 2, 2:00 AM EST",
    ]);
  });

  test("the shared bucket math's 25 hours of a fall-back day give 25 rows, each read once", () => {
    const starts = buckets({ from: Date.UTC(2025, 10, 2, 4), to: Date.UTC(2025, 10, 3, 5) }, "hour", "America/New_York");
    render(<TimeseriesChart series={starts.map((start) => ({ start, visitors: 1, pageviews: 1 }))} interval="hour" timeZone="America/New_York" />);
    const labels = tableRows().map((row) => row[0]);
    expect(labels).toHaveLength(25);
    expect(new Set(labels).size).toBe(25);
    expect(labels.slice(1, 3)).toEqual(["Sun, Nov 2, 1:00 AM EDT", "Sun, Nov 2, 1:00 AM EST"]);
  });

  test("lists the previous period beside each bucket when given", () => {
    render(<TimeseriesChart series={week} previous={weekBefore} interval="day" timeZone="Asia/Kolkata" />);
    const table = screen.getByTestId("timeseries-table");
    expect(within(table).getAllByRole("columnheader", { hidden: true }).map((th) => th.textContent)).toEqual([
      "Day",
      "Visitors",
      "Page views",
      "Previous period",
      "Previous visitors",
      "Previous page views",
    ]);
    expect(tableRows()[0]).toEqual(["Sun, Jun 1, 2025", "100", "1,234", "Sun, May 25, 2025", "50", "500"]);
    expect(tableRows()[6]).toEqual(["Sat, Jun 7, 2025", "106", "7,234", "Sat, May 31, 2025", "56", "506"]);
  });

  test("a previous period shorter than the range leaves dashes, not wrong figures", () => {
    render(<TimeseriesChart series={week} previous={weekBefore.slice(0, 5)} interval="day" timeZone="Asia/Kolkata" />);
    expect(tableRows()[6]).toEqual(["Sat, Jun 7, 2025", "106", "7,234", "–", "–", "–"]);
  });

  test("marks the live bucket as counted so far", () => {
    render(<TimeseriesChart series={week} liveBucketStart={week[6].start} interval="day" timeZone="Asia/Kolkata" />);
    expect(tableRows()[6][0]).toBe("Sat, Jun 7, 2025 (so far)");
    expect(tableRows()[5][0]).toBe("Fri, Jun 6, 2025");
  });

  test("re-rendering with new data updates the table", () => {
    const { rerender } = render(<TimeseriesChart series={week} interval="day" timeZone="Asia/Kolkata" />);
    const grown = week.map((bucket, index) => (index === 6 ? { ...bucket, visitors: 1_999, pageviews: 12_345 } : bucket));
    rerender(<TimeseriesChart series={grown} interval="day" timeZone="Asia/Kolkata" />);
    expect(tableRows()[6]).toEqual(["Sat, Jun 7, 2025", "1,999", "12,345"]);

    // Another granularity and zone: new rows, new labels.
    const hours = [{ start: Date.UTC(2025, 5, 1, 12), visitors: 3, pageviews: 4 }];
    rerender(<TimeseriesChart series={hours} interval="hour" timeZone="UTC" />);
    expect(tableRows()).toEqual([["Sun, Jun 1, 12:00 PM", "3", "4"]]);
    expect(within(screen.getByTestId("timeseries-table")).getAllByRole("columnheader", { hidden: true })[0].textContent).toBe("Hour");
  });
});

describe("summary and states", () => {
  test("the chart is an image whose label sums it up", () => {
    render(<TimeseriesChart series={week} previous={weekBefore} interval="day" timeZone="Asia/Kolkata" />);
    const chart = screen.getByRole("img");
    expect(chart.getAttribute("aria-label")).toBe(
      "Visitors and page views per day, Jun 1" + DASH + "7, 2025 (Asia/Kolkata). " +
        "29,638 page views in all; visitors peaked at 106 (Sat, Jun 7, 2025). " +
        "Previous period: 3,521 page views. Every day's figures are in the table below.",
    );
  });

  test("one metric: the label says which", () => {
    render(<TimeseriesChart series={week} metric="pageviews" interval="day" timeZone="Asia/Kolkata" />);
    expect(screen.getByRole("img").getAttribute("aria-label")).toMatch(new RegExp(`^Page views per day, Jun 1${DASH}7, 2025`));
  });

  test("while loading, the figures shown stay, dimmed and marked busy", () => {
    const { rerender } = render(<TimeseriesChart series={week} interval="day" timeZone="Asia/Kolkata" />);
    const figure = screen.getByTestId("timeseries");
    expect(figure.classList.contains("is-stale")).toBe(false);
    expect(figure.getAttribute("aria-busy")).toBeNull();

    rerender(<TimeseriesChart series={week} interval="day" timeZone="Asia/Kolkata" loading />);
    expect(figure.classList.contains("is-stale")).toBe(true);
    expect(figure.getAttribute("aria-busy")).toBe("true");
    expect(tableRows()).toHaveLength(7);
    expect(screen.getByRole("img").getAttribute("aria-label")).toMatch(/^Visitors and page views per day/);
  });

  test("loading with nothing yet for the new question: the last figures stay, in their own interval and zone", () => {
    const { rerender } = render(<TimeseriesChart series={week} interval="day" timeZone="Asia/Kolkata" />);
    rerender(<TimeseriesChart series={[]} interval="hour" timeZone="UTC" loading />);
    expect(screen.getByTestId("timeseries").classList.contains("is-stale")).toBe(true);
    expect(tableRows()).toHaveLength(7);
    expect(tableRows()[0][0]).toBe("Sun, Jun 1, 2025");
    // The answer arrives: the new figures replace them.
    const hours = [{ start: Date.UTC(2025, 5, 1, 12), visitors: 3, pageviews: 4 }];
    rerender(<TimeseriesChart series={hours} interval="hour" timeZone="UTC" />);
    expect(tableRows()).toEqual([["Sun, Jun 1, 12:00 PM", "3", "4"]]);
  });

  test("no data: a skeleton while loading, then a short note", () => {
    const { rerender } = render(<TimeseriesChart series={[]} interval="day" timeZone="UTC" loading />);
    expect(screen.getByRole("img").getAttribute("aria-label")).toBe("Visitors and page views per day: loading");
    rerender(<TimeseriesChart series={[]} interval="day" timeZone="UTC" />);
    expect(screen.getByText("No visits in this range yet.")).toBeTruthy();
    expect(tableRows()).toEqual([]);
  });

  test("offers the granularities it is given, and reports a switch", () => {
    const onIntervalChange = vi.fn();
    render(<TimeseriesChart series={week} interval="day" timeZone="Asia/Kolkata" intervals={["hour", "day", "week"]} onIntervalChange={onIntervalChange} />);
    const group = screen.getByRole("group", { name: "Granularity" });
    expect(within(group).getAllByRole("radio").map((radio) => (radio as HTMLInputElement).value)).toEqual(["hour", "day", "week"]);
    expect((within(group).getByRole("radio", { name: "Day" }) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(within(group).getByRole("radio", { name: "Week" }));
    expect(onIntervalChange).toHaveBeenCalledWith("week");
  });
});

describe("the chart", () => {
  test("is created once; new data, a new interval or zone reach it through setData", () => {
    giveCanvasAContext();
    const { rerender, unmount } = render(<TimeseriesChart series={week} previous={weekBefore} interval="day" timeZone="Asia/Kolkata" />);
    expect(plots).toHaveLength(1);
    const [plot] = plots;
    // x, then the previous period, the counted buckets, the live one; page views under visitors in each.
    expect(plot.opts.series.map((series) => series.label)).toEqual([
      undefined,
      "Page views, previous period",
      "Visitors, previous period",
      "Page views",
      "Visitors",
      "Page views",
      "Visitors",
    ]);
    expect(plot.data[0]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(plot.data[4]).toEqual(week.map((bucket) => bucket.visitors));

    const axis = plot.opts.axes![0];
    const xLabels = () => {
      const splits = (axis.splits as (u: unknown) => number[])(plot);
      return (axis.values as (u: unknown, splits: number[]) => string[])(plot, splits).map((label, k) => `${splits[k]}: ${label}`);
    };
    expect(xLabels().slice(0, 2)).toEqual(["0: Jun 1", "1: Jun 2"]);

    const grown = week.map((bucket, index) => (index === 6 ? { ...bucket, visitors: 500 } : bucket));
    rerender(<TimeseriesChart series={grown} previous={weekBefore} interval="day" timeZone="Asia/Kolkata" />);
    expect(plot.setDataCalls.at(-1)?.[4]).toEqual(grown.map((bucket) => bucket.visitors));
    // Another interval and zone, same chart: read as UTC hours, Kolkata's midnights are 6:30 PM the day before.
    rerender(<TimeseriesChart series={grown} previous={weekBefore} interval="hour" timeZone="UTC" />);
    expect(plots).toHaveLength(1);
    expect(xLabels().slice(0, 2)).toEqual(["1: 6:30 PM\nJun 1", "2: 6:30 PM\nJun 2"]);

    unmount();
    expect(plot.destroyed).toBe(true);
  });

  test("is rebuilt only for another metric; a previous period or a live bucket coming and going is new data", () => {
    giveCanvasAContext();
    const { rerender } = render(<TimeseriesChart series={week} interval="day" timeZone="Asia/Kolkata" />);
    rerender(<TimeseriesChart series={week} interval="day" timeZone="Asia/Kolkata" metric="visitors" />);
    expect(plots).toHaveLength(2);
    expect(plots[0].destroyed).toBe(true);
    const plot = plots[1];
    expect(plot.opts.series.map((series) => series.label)).toEqual([undefined, "Visitors, previous period", "Visitors", "Visitors"]);
    expect(plot.opts.series.map((series) => series.class)).toEqual([undefined, "ts-line-previous", "ts-line-current", "ts-line-live"]);
    // No previous period, no live bucket: those lines are there, empty.
    expect(plot.data[1]).toEqual([null, null, null, null, null, null, null]);
    expect(plot.data[3]).toEqual([null, null, null, null, null, null, null]);

    rerender(<TimeseriesChart series={week} previous={weekBefore} interval="day" timeZone="Asia/Kolkata" metric="visitors" liveBucketStart={week[6].start} />);
    expect(plots).toHaveLength(2);
    const [, previous, current, live] = plot.setDataCalls.at(-1)!;
    expect(previous).toEqual([50, 51, 52, 53, 54, 55, 56]);
    // The solid line stops before the live bucket; a dashed one joins the last full bucket to it.
    expect(current).toEqual([100, 101, 102, 103, 104, 105, null]);
    expect(live).toEqual([null, null, null, null, null, 105, 106]);

    // A live bucket inside the range (today, by hour): the buckets after it have not begun and are not drawn;
    // the previous period, all past, is drawn to the end.
    rerender(<TimeseriesChart series={week} previous={weekBefore} interval="day" timeZone="Asia/Kolkata" metric="visitors" liveBucketStart={week[4].start} />);
    const [, previousAgain, currentSoFar, liveSoFar] = plot.setDataCalls.at(-1)!;
    expect(previousAgain).toEqual([50, 51, 52, 53, 54, 55, 56]);
    expect(currentSoFar).toEqual([100, 101, 102, 103, null, null, null]);
    expect(liveSoFar).toEqual([null, null, null, 103, 104, null, null]);
  });
});

describe("axis ticks", () => {
  const ticks = (starts: number[], interval: Parameters<typeof axisTicks>[1], timeZone: string, width: number) =>
    axisTicks(bucketClock(starts, timeZone), interval, width);

  test("30 days on a phone: every Monday; on a wide screen: every other day from the first", () => {
    const month = days(30, KOLKATA_JUN_1, () => [1, 1]).map((bucket) => bucket.start);
    expect(ticks(month, "day", "Asia/Kolkata", 300).labels).toEqual(["Jun 2", "Jun 9", "Jun 16", "Jun 23", "Jun 30"]);
    expect(ticks(month, "day", "Asia/Kolkata", 1000).labels.slice(0, 3)).toEqual(["Jun 1", "Jun 3", "Jun 5"]);
  });

  test("24 hours: on the zone's round hours, the date under the first and under midnight", () => {
    const start = Date.UTC(2025, 5, 1, 14); // 10 AM in New York (EDT)
    const hours = Array.from({ length: 24 }, (_, index) => start + index * HOUR);
    expect(ticks(hours, "hour", "America/New_York", 300)).toEqual({
      indices: [2, 8, 14, 20],
      labels: ["12 PM\nJun 1", "6 PM", "12 AM\nJun 2", "6 AM"],
    });
  });

  test("labels never collide, whatever the width and the count", () => {
    for (const [count, interval, step] of [
      [1_000, "hour", HOUR],
      [365, "day", DAY],
      [30, "minute", 60_000],
    ] as const) {
      const starts = Array.from({ length: count }, (_, index) => KOLKATA_JUN_1 + index * step);
      for (const width of [200, 320, 800, 1600]) {
        const { indices, labels } = ticks(starts, interval, "Asia/Kolkata", width);
        expect(labels.length).toBe(indices.length);
        expect(indices.length).toBeGreaterThan(0);
        const px = width / (count - 1);
        for (let k = 1; k < indices.length; k++) expect((indices[k] - indices[k - 1]) * px).toBeGreaterThanOrEqual(40);
      }
    }
  });

  test("bucket labels per interval", () => {
    const at = Date.UTC(2025, 5, 3, 8, 35); // 2:05 PM in Kolkata
    expect(bucketLabel(at, "minute", "Asia/Kolkata")).toBe("Tue, Jun 3, 2:05 PM");
    expect(bucketLabel(at, "minute", "Asia/Kolkata", true)).toBe("Tue, Jun 3, 2:05 PM GMT+5:30");
    expect(bucketLabel(at, "day", "Asia/Kolkata")).toBe("Tue, Jun 3, 2025");
    expect(bucketLabel(at, "week", "Asia/Kolkata")).toBe("Week of Jun 3, 2025");
    expect(bucketLabel(at, "month", "Asia/Kolkata")).toBe("June 2025");
  });
});
