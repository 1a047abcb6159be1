import { describe, expect, test } from "vitest";
import { previousPeriod, resolvePeriod } from "../../../src/shared/timeRanges";
import {
  DEFAULT_SELECTION,
  canShift,
  customSelection,
  describeChange,
  parseSelection,
  rangeDates,
  resolveSelection,
  selectionSearch,
  shiftedSelection,
  type Selection,
} from "../../../src/react/lib/statsPeriod";

const params = (query: string) => new URLSearchParams(query);
// Sunday, November 15, 2026, 14:37 UTC.
const NOW = Date.UTC(2026, 10, 15, 14, 37);
// Intl puts thin and narrow no-break spaces in ranges and times.
const plain = (text: string) => text.replace(/\s/g, " ");

describe("the range in the URL", () => {
  test("reads named periods, custom dates (with or without period=custom) and a chosen interval", () => {
    expect(parseSelection(params(""))).toEqual({ period: "30d" });
    expect(parseSelection(params("period=7d"))).toEqual({ period: "7d" });
    expect(parseSelection(params("period=all"))).toEqual({ period: "all" });
    expect(parseSelection(params("period=realtime&interval=minute"))).toEqual({ period: "realtime", interval: "minute" });
    expect(parseSelection(params("period=custom&from=2026-11-01&to=2026-11-15"))).toEqual({ period: "custom", from: "2026-11-01", to: "2026-11-15" });
    expect(parseSelection(params("from=2026-11-01&to=2026-11-15&interval=hour"))).toEqual({
      period: "custom",
      from: "2026-11-01",
      to: "2026-11-15",
      interval: "hour",
    });
  });

  test("falls back to the default for what it cannot read, and drops an unknown interval", () => {
    expect(parseSelection(params("period=fortnight"))).toEqual(DEFAULT_SELECTION);
    expect(parseSelection(params("period=custom&from=2026-11-01"))).toEqual(DEFAULT_SELECTION);
    expect(parseSelection(params("period=7d&from=2026-11-01&to=2026-11-02"))).toEqual({ period: "7d" });
    expect(parseSelection(params("period=7d&interval=fortnight"))).toEqual({ period: "7d" });
  });

  test("round-trips through the query it writes", () => {
    const selections: Selection[] = [
      { period: "today" },
      { period: "12mo", interval: "week" },
      { period: "custom", from: "2026-11-01", to: "2026-11-15" },
      { period: "custom", from: "2026-11-01", to: "2026-11-15", interval: "hour" },
    ];
    for (const selection of selections) expect(parseSelection(selectionSearch(selection))).toEqual(selection);
    expect(selectionSearch({ period: "custom", from: "2026-11-01", to: "2026-11-15" }).toString()).toBe("period=custom&from=2026-11-01&to=2026-11-15");
  });
});

describe("resolving a selection", () => {
  test("gives the range, its comparison, interval, live bucket and a label naming the zone", () => {
    const shown = resolveSelection({ period: "7d" }, NOW, "UTC", null);
    expect(shown.range).toEqual({ from: Date.UTC(2026, 10, 9), to: Date.UTC(2026, 10, 16) });
    expect(shown.previous).toEqual({ from: Date.UTC(2026, 10, 2), to: Date.UTC(2026, 10, 9) });
    expect(shown.interval).toBe("day");
    expect(shown.liveBucketStart).toBe(Date.UTC(2026, 10, 15));
    expect(plain(shown.label)).toBe("Nov 9 – 15, 2026 (UTC)");
    expect(shown.today).toBe("2026-11-15");
  });

  test("in the site's zone: days start at its midnight, and the label says which zone", () => {
    const shown = resolveSelection({ period: "today" }, NOW, "America/New_York", null);
    expect(shown.range).toEqual({ from: Date.UTC(2026, 10, 15, 5), to: Date.UTC(2026, 10, 16, 5) });
    expect(plain(shown.label)).toBe("Nov 15, 2026 (America/New_York)");
  });

  test("realtime: the last 30 minutes by minute, the live bucket the current minute", () => {
    const shown = resolveSelection({ period: "realtime" }, NOW, "UTC", null);
    expect(shown.range).toEqual({ from: NOW - 29 * 60_000, to: NOW + 60_000 });
    expect(shown.interval).toBe("minute");
    expect(shown.liveBucketStart).toBe(NOW);
    expect(plain(shown.label)).toBe("Nov 15, 2:08 – 2:37 PM (UTC)");
  });

  test("keeps a chosen interval only when the range allows it", () => {
    expect(resolveSelection({ period: "7d", interval: "hour" }, NOW, "UTC", null).interval).toBe("hour");
    expect(resolveSelection({ period: "7d", interval: "minute" }, NOW, "UTC", null).interval).toBe("day");
  });

  test("offers only the intervals the site's detail still answers, and draws the previous period only where it does", () => {
    // Minutes kept from Nov 13, hours from Nov 10 (the rollup's horizons, from `settings`).
    const detail = { minutesSince: Date.UTC(2026, 10, 13), hoursSince: Date.UTC(2026, 10, 10) };
    const week = resolveSelection({ period: "7d", interval: "hour" }, NOW, "UTC", null, detail);
    // Nov 9–15 by hour needs Nov 9's hours: gone, so the week is drawn by day.
    expect(week.intervals).toEqual(["day", "week"]);
    expect(week.interval).toBe("day");
    expect(week.chartPrevious).toEqual(week.previous);
    const today = resolveSelection({ period: "today" }, NOW, "UTC", null, detail);
    expect(today.interval).toBe("hour");
    expect(today.chartPrevious).toEqual(today.previous);
    // An old day: its hours are gone, so days only, and its previous day by day.
    const oldDay = resolveSelection({ period: "custom", from: "2026-11-02", to: "2026-11-02" }, NOW, "UTC", null, detail);
    expect(oldDay.intervals).toEqual(["day"]);
    expect(oldDay.interval).toBe("day");
    // Yesterday by hour, before it the day whose hours are still kept; three days ago its previous day's hours are not.
    const threeDaysAgo = resolveSelection({ period: "custom", from: "2026-11-10", to: "2026-11-10", interval: "hour" }, NOW, "UTC", null, detail);
    expect(threeDaysAgo.interval).toBe("hour");
    expect(threeDaysAgo.chartPrevious).toBeNull();
    expect(threeDaysAgo.previous).toEqual({ from: Date.UTC(2026, 10, 9), to: Date.UTC(2026, 10, 10) });
  });

  test("under a filter on a visit property: whole hours and days, and realtime from the visits in progress without the period before it", () => {
    const today = resolveSelection({ period: "today", interval: "minute" }, NOW, "UTC", null, undefined, "source");
    expect(today.intervals).toEqual(["hour", "day"]);
    expect(today.interval).toBe("hour");
    expect(today.previous).toEqual(resolveSelection({ period: "today" }, NOW, "UTC", null).previous);
    const realtime = resolveSelection({ period: "realtime" }, NOW, "UTC", null, undefined, "country");
    expect(realtime.intervals).toEqual(["minute"]);
    expect(realtime.previous).toBeNull();
    expect(realtime.chartPrevious).toBeNull();
    // A page keeps minutes; so does a site in a zone off the UTC hour, which then charts its local hours only by day.
    expect(resolveSelection({ period: "realtime" }, NOW, "UTC", null, undefined, "page").previous).not.toBeNull();
    expect(resolveSelection({ period: "7d" }, NOW, "Asia/Kolkata", null, undefined, "source").intervals).toEqual(["day", "week"]);
  });

  test("all time starts on the day of the first view and has nothing to compare with", () => {
    const shown = resolveSelection({ period: "all" }, NOW, "UTC", Date.UTC(2026, 2, 3, 17, 5));
    expect(shown.range).toEqual({ from: Date.UTC(2026, 2, 3), to: Date.UTC(2026, 10, 16) });
    expect(shown.previous).toBeNull();
    // Before the first view, all time is today.
    expect(resolveSelection({ period: "all" }, NOW, "UTC", null).range).toEqual({ from: Date.UTC(2026, 10, 15), to: Date.UTC(2026, 10, 16) });
  });

  test("custom dates the time math refuses fall back to the default, without the chosen interval", () => {
    for (const [from, to] of [["2026-11-15", "2026-11-01"], ["2026-02-30", "2026-03-01"], ["1999-12-01", "1999-12-31"], ["someday", "2026-11-01"]]) {
      const shown = resolveSelection({ period: "custom", from, to, interval: "hour" }, NOW, "UTC", null);
      expect(shown.selection).toEqual(DEFAULT_SELECTION);
      expect(shown.range).toEqual({ from: Date.UTC(2026, 9, 17), to: Date.UTC(2026, 10, 16) });
      expect(shown.interval).toBe("day");
    }
  });

  test("a range starting on 2000-01-01 has no previous period to compare with", () => {
    expect(resolveSelection({ period: "custom", from: "2000-01-01", to: "2000-01-31" }, NOW, "UTC", null).previous).toBeNull();
  });

  test("custom dates from the form: the selection, or resolvePeriod's reason", () => {
    expect(customSelection("2026-11-01", "2026-11-10", NOW, "UTC")).toEqual({ selection: { period: "custom", from: "2026-11-01", to: "2026-11-10" } });
    expect(customSelection("2026-11-10", "2026-11-01", NOW, "UTC")).toEqual({ error: expect.stringContaining("must not be before") });
    expect(customSelection("", "2026-11-01", NOW, "UTC")).toEqual({ error: expect.stringContaining("YYYY-MM-DD") });
  });
});

describe("the previous and next period", () => {
  const shown = (selection: Selection, zone = "UTC") => resolveSelection(selection, NOW, zone, null);

  test("← lands on exactly the period the figures are compared with, in any zone", () => {
    for (const zone of ["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata"]) {
      for (const period of ["today", "yesterday", "7d", "30d", "month", "lastMonth", "12mo"] as const) {
        const current = shown({ period }, zone);
        const back = shiftedSelection(current, -1, NOW) as Selection;
        const spec = back.period === "custom" ? back : { period: back.period as typeof period };
        const landed = resolvePeriod(spec, NOW, zone);
        expect({ from: landed.from, to: landed.to }, `${period} in ${zone}`).toEqual(previousPeriod(current.range, zone));
      }
    }
    // Each resolvePeriod counts buckets with Intl (tens of ms in a zone with DST): give a busy machine time.
  }, 30_000);

  test("names the period it lands on when it is a named one, and keeps a chosen interval", () => {
    expect(shiftedSelection(shown({ period: "today" }), -1, NOW)).toEqual({ period: "yesterday" });
    expect(shiftedSelection(shown({ period: "yesterday" }), 1, NOW)).toEqual({ period: "today" });
    expect(shiftedSelection(shown({ period: "month" }), -1, NOW)).toEqual({ period: "lastMonth" });
    expect(shiftedSelection(shown({ period: "yesterday" }), -1, NOW)).toEqual({ period: "custom", from: "2026-11-13", to: "2026-11-13" });
    expect(shiftedSelection(shown({ period: "7d", interval: "hour" }), -1, NOW)).toEqual({ period: "custom", from: "2026-11-02", to: "2026-11-08", interval: "hour" });
    const back = shown(shiftedSelection(shown({ period: "30d" }), -1, NOW) as Selection);
    expect(rangeDates(back.range, "UTC")).toEqual({ from: "2026-09-17", to: "2026-10-16" });
    expect(shiftedSelection(back, 1, NOW)).toEqual({ period: "30d" });
  });

  test("realtime and all time do not move, nothing moves into a period that starts in the future, nor before 2000", () => {
    expect(canShift(shown({ period: "realtime" }), -1, NOW)).toBe(false);
    expect(canShift(shown({ period: "all" }), -1, NOW)).toBe(false);
    expect(canShift(shown({ period: "today" }), 1, NOW)).toBe(false);
    expect(canShift(shown({ period: "7d" }), 1, NOW)).toBe(false);
    expect(canShift(shown({ period: "today" }), -1, NOW)).toBe(true);
    expect(canShift(shown({ period: "lastMonth" }), 1, NOW)).toBe(true);
    expect(shiftedSelection(shown({ period: "today" }), 1, NOW)).toBeNull();
    expect(shiftedSelection(shown({ period: "custom", from: "2000-01-01", to: "2000-01-07" }), -1, NOW)).toBeNull();
  });
});

test("a change against the previous period: an arrow, a rounded percentage, and words for screen readers", () => {
  expect(describeChange(112, 100)).toEqual({ trend: "up", text: "▲ 12%", label: "up 12% from the previous period" });
  expect(describeChange(97, 100)).toEqual({ trend: "down", text: "▼ 3%", label: "down 3% from the previous period" });
  expect(describeChange(0, 40)).toEqual({ trend: "down", text: "▼ 100%", label: "down 100% from the previous period" });
  expect(describeChange(25_000, 100)).toEqual({ trend: "up", text: "▲ 24,900%", label: "up 24,900% from the previous period" });
  expect(describeChange(1001, 1000)).toEqual({ trend: "up", text: "▲ <1%", label: "up less than 1% from the previous period" });
  // Nothing before: "new", never a division by zero.
  expect(describeChange(5, 0)).toEqual({ trend: "up", text: "▲ new", label: "new: none in the previous period" });
  expect(describeChange(0, 0)).toEqual({ trend: "flat", text: "no change", label: "no change from the previous period" });
  expect(describeChange(7, 7).trend).toBe("flat");
});
