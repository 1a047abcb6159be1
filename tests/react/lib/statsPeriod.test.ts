import { describe, expect, test } from "vitest";
import { previousPeriod, resolvePeriod } from "../../../src/shared/timeRanges";
import {
  DEFAULT_SELECTION,
  canShift,
  customSelection,
  describeChange,
  parseComparison,
  parseSelection,
  rangeDates,
  resolveSelection,
  selectionSearch,
  shiftedSelection,
  withComparison,
  type Selection,
} from "../../../src/react/lib/statsPeriod";

const params = (query: string) => new URLSearchParams(query);
// Sunday, November 15, 2026, 14:37 UTC.
const NOW = Date.UTC(2026, 10, 15, 14, 37);
/** When the site's first view was: long before every range these tests compare. */
const SINCE = Date.UTC(2025, 0, 1);
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
    const shown = resolveSelection({ period: "7d" }, NOW, "UTC", { since: SINCE });
    expect(shown.range).toEqual({ from: Date.UTC(2026, 10, 9), to: Date.UTC(2026, 10, 16) });
    // Six days and 14 h 38 min in (the minute in progress counted): the week before as far.
    expect(shown.compared?.range).toEqual({ from: Date.UTC(2026, 10, 2), to: Date.UTC(2026, 10, 8, 14, 38) });
    expect(plain(shown.compared!.label)).toBe("Nov 2, 12:00 AM – Nov 8, 2:37 PM");
    expect(shown.chartCompared).toEqual({ from: Date.UTC(2026, 10, 2), to: Date.UTC(2026, 10, 9) });
    expect(shown.interval).toBe("day");
    expect(shown.liveBucketStart).toBe(Date.UTC(2026, 10, 15));
    expect(plain(shown.label)).toBe("Nov 9 – 15, 2026 (UTC)");
    expect(shown.today).toBe("2026-11-15");
  });

  test("in the site's zone: days start at its midnight, and the label says which zone", () => {
    const shown = resolveSelection({ period: "today" }, NOW, "America/New_York", { since: SINCE });
    expect(shown.range).toEqual({ from: Date.UTC(2026, 10, 15, 5), to: Date.UTC(2026, 10, 16, 5) });
    expect(plain(shown.label)).toBe("Nov 15, 2026 (America/New_York)");
  });

  test("realtime: the last 30 minutes by minute, the live bucket the current minute", () => {
    const shown = resolveSelection({ period: "realtime" }, NOW, "UTC", { since: SINCE });
    expect(shown.range).toEqual({ from: NOW - 29 * 60_000, to: NOW + 60_000 });
    expect(shown.interval).toBe("minute");
    expect(shown.liveBucketStart).toBe(NOW);
    expect(plain(shown.label)).toBe("Nov 15, 2:08 – 2:37 PM (UTC)");
  });

  test("keeps a chosen interval only when the range allows it", () => {
    expect(resolveSelection({ period: "7d", interval: "hour" }, NOW, "UTC", { since: SINCE }).interval).toBe("hour");
    expect(resolveSelection({ period: "7d", interval: "minute" }, NOW, "UTC", { since: SINCE }).interval).toBe("day");
  });

  test("offers only the intervals the site's detail still answers, and compares and draws the previous period only where it does", () => {
    // Minutes kept from Nov 13, hours from Nov 10 (the rollup's horizons, from `settings`).
    const detail = { minutesSince: Date.UTC(2026, 10, 13), hoursSince: Date.UTC(2026, 10, 10) };
    const week = resolveSelection({ period: "7d", interval: "hour" }, NOW, "UTC", { since: SINCE, detail });
    // Nov 9–15 by hour needs Nov 9's hours: gone, so the week is drawn by day.
    expect(week.intervals).toEqual(["day", "week"]);
    expect(week.interval).toBe("day");
    // Nov 8 at 2:38 PM has neither minutes nor hours left: the week before is compared to its nearest midnight, Nov 9.
    expect(week.compared?.range).toEqual({ from: Date.UTC(2026, 10, 2), to: Date.UTC(2026, 10, 9) });
    expect(week.chartCompared).toEqual(week.compared?.range);
    const today = resolveSelection({ period: "today" }, NOW, "UTC", { since: SINCE, detail });
    expect(today.interval).toBe("hour");
    expect(today.compared?.range).toEqual({ from: Date.UTC(2026, 10, 14), to: Date.UTC(2026, 10, 14, 14, 38) });
    expect(today.chartCompared).toEqual({ from: Date.UTC(2026, 10, 14), to: Date.UTC(2026, 10, 15) });
    // An old day: its hours are gone, so days only, and its previous day by day.
    const oldDay = resolveSelection({ period: "custom", from: "2026-11-02", to: "2026-11-02" }, NOW, "UTC", { since: SINCE, detail });
    expect(oldDay.intervals).toEqual(["day"]);
    expect(oldDay.interval).toBe("day");
    // Yesterday by hour, before it the day whose hours are still kept; three days ago its previous day's hours are not.
    const threeDaysAgo = resolveSelection({ period: "custom", from: "2026-11-10", to: "2026-11-10", interval: "hour" }, NOW, "UTC", { since: SINCE, detail });
    expect(threeDaysAgo.interval).toBe("hour");
    expect(threeDaysAgo.chartCompared).toBeNull();
    expect(threeDaysAgo.compared?.range).toEqual({ from: Date.UTC(2026, 10, 9), to: Date.UTC(2026, 10, 10) });
  });

  test("under a filter on a visit property: whole hours and days, and realtime from the visits in progress without the period before it", () => {
    const today = resolveSelection({ period: "today", interval: "minute" }, NOW, "UTC", { since: SINCE, filteredBy: ["source"] });
    expect(today.intervals).toEqual(["hour", "day"]);
    expect(today.interval).toBe("hour");
    // Yesterday until 2:38 PM is off the hours' grid: until the nearest whole hour.
    expect(today.compared?.range).toEqual({ from: Date.UTC(2026, 10, 14), to: Date.UTC(2026, 10, 14, 15) });
    const realtime = resolveSelection({ period: "realtime" }, NOW, "UTC", { since: SINCE, filteredBy: ["page", "country"] });
    expect(realtime.intervals).toEqual(["minute"]);
    expect(realtime.compared).toBeNull();
    expect(realtime.chartCompared).toBeNull();
    // A page keeps minutes; so does a site in a zone off the UTC hour, which then charts its local hours only by day.
    expect(resolveSelection({ period: "realtime" }, NOW, "UTC", { since: SINCE, filteredBy: ["page"] }).compared).not.toBeNull();
    expect(resolveSelection({ period: "7d" }, NOW, "Asia/Kolkata", { since: null, filteredBy: ["source"] }).intervals).toEqual(["day", "week"]);
  });

  test("all time starts on the day of the first view and has nothing to compare with", () => {
    const shown = resolveSelection({ period: "all" }, NOW, "UTC", { since: Date.UTC(2026, 2, 3, 17, 5) });
    expect(shown.range).toEqual({ from: Date.UTC(2026, 2, 3), to: Date.UTC(2026, 10, 16) });
    expect(shown.compared).toBeNull();
    expect(shown.chartCompared).toBeNull();
    // Before the first view, all time is today.
    expect(resolveSelection({ period: "all" }, NOW, "UTC", { since: null }).range).toEqual({ from: Date.UTC(2026, 10, 15), to: Date.UTC(2026, 10, 16) });
  });

  test("custom dates the time math refuses fall back to the default, without the chosen interval", () => {
    for (const [from, to] of [["2026-11-15", "2026-11-01"], ["2026-02-30", "2026-03-01"], ["1999-12-01", "1999-12-31"], ["someday", "2026-11-01"]]) {
      const shown = resolveSelection({ period: "custom", from, to, interval: "hour" }, NOW, "UTC", { since: SINCE });
      expect(shown.selection).toEqual(DEFAULT_SELECTION);
      expect(shown.range).toEqual({ from: Date.UTC(2026, 9, 17), to: Date.UTC(2026, 10, 16) });
      expect(shown.interval).toBe("day");
    }
  });

  test("a range starting on 2000-01-01 has no previous period to compare with", () => {
    expect(resolveSelection({ period: "custom", from: "2000-01-01", to: "2000-01-31" }, NOW, "UTC", { since: Date.UTC(1999, 0, 1) }).compared).toBeNull();
  });

  test("custom dates from the form: the selection, or resolvePeriod's reason", () => {
    expect(customSelection("2026-11-01", "2026-11-10", NOW, "UTC")).toEqual({ selection: { period: "custom", from: "2026-11-01", to: "2026-11-10" } });
    expect(customSelection("2026-11-10", "2026-11-01", NOW, "UTC")).toEqual({ error: expect.stringContaining("must not be before") });
    expect(customSelection("", "2026-11-01", NOW, "UTC")).toEqual({ error: expect.stringContaining("YYYY-MM-DD") });
  });
});

describe("what the figures are compared with", () => {
  const at = (now: number, selection: Selection, options: Partial<Parameters<typeof resolveSelection>[3]> = {}, zone = "UTC") =>
    resolveSelection(selection, now, zone, { since: SINCE, ...options });

  test("a period under way meets as much of the one before as it has run: this month on the 7th, today at 2:15 AM", () => {
    const month = at(Date.UTC(2026, 11, 7, 14, 15), { period: "month" });
    expect(month.compared?.range).toEqual({ from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 10, 7, 14, 16) });
    expect(month.chartCompared).toEqual({ from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1) });
    const today = at(Date.UTC(2026, 11, 7, 2, 15), { period: "today" });
    expect(today.compared?.range).toEqual({ from: Date.UTC(2026, 11, 6), to: Date.UTC(2026, 11, 6, 2, 16) });
    // No further than the period before goes: March 31 meets all of February.
    expect(at(Date.UTC(2026, 2, 31, 9), { period: "month" }).compared?.range).toEqual({ from: Date.UTC(2026, 1, 1), to: Date.UTC(2026, 2, 1) });
    // A period that has ended meets the whole one before.
    expect(at(Date.UTC(2026, 11, 7, 2, 15), { period: "lastMonth" }).compared?.range).toEqual({ from: Date.UTC(2026, 9, 1), to: Date.UTC(2026, 10, 1) });
  });

  test("in the site's zone: whole local days, then the time since its midnight", () => {
    // 2:15 AM in New York on Dec 7 (EST, UTC-5).
    const shown = at(Date.UTC(2026, 11, 7, 7, 15), { period: "month" }, {}, "America/New_York");
    expect(shown.compared?.range).toEqual({ from: Date.UTC(2026, 10, 1, 4), to: Date.UTC(2026, 10, 7, 7, 16) });
    expect(plain(shown.compared!.label)).toBe("Nov 1, 12:00 AM – Nov 7, 2:15 AM");
  });

  test("year over year: the same dates a year earlier, as far as the range has run; off: nothing", () => {
    const week = at(NOW, { period: "7d" }, { comparison: "year" });
    expect(week.comparison).toBe("year");
    expect(week.compared?.range).toEqual({ from: Date.UTC(2025, 10, 9), to: Date.UTC(2025, 10, 15, 14, 38) });
    expect(week.chartCompared).toEqual({ from: Date.UTC(2025, 10, 9), to: Date.UTC(2025, 10, 16) });
    // February 29 has no date a year earlier: February 28.
    const leapDay = at(NOW, { period: "custom", from: "2024-02-29", to: "2024-03-01" }, { comparison: "year", since: Date.UTC(2020, 0, 1) });
    expect(leapDay.compared?.range).toEqual({ from: Date.UTC(2023, 1, 28), to: Date.UTC(2023, 2, 2) });
    const off = at(NOW, { period: "7d" }, { comparison: "off" });
    expect(off.compared).toBeNull();
    expect(off.chartCompared).toBeNull();
  });

  test("nothing before tracking began: a span from before the first view's day has nothing (or only a part of itself) to compare with", () => {
    // The first view on Nov 9 at 10:00: the week before has nothing, the day before today has.
    const since = Date.UTC(2026, 10, 9, 10);
    expect(at(NOW, { period: "7d" }, { since }).compared).toBeNull();
    expect(at(NOW, { period: "7d" }, { since }).chartCompared).toBeNull();
    expect(at(NOW, { period: "today" }, { since }).compared).not.toBeNull();
    // The first view on Nov 5: the week before (from Nov 2) holds only its last days, which would read "▲ 4,850%".
    expect(at(NOW, { period: "7d" }, { since: Date.UTC(2026, 10, 5, 10) }).compared).toBeNull();
    // On the first view's day, from its midnight: compared (the day's first hours had nothing anyway).
    expect(at(NOW, { period: "7d" }, { since: Date.UTC(2026, 10, 2, 10) }).compared?.range.from).toBe(Date.UTC(2026, 10, 2));
    // Today at 9:00 meets yesterday until 9:01, which ends before a first view at 9:30 yesterday.
    expect(at(Date.UTC(2026, 10, 10, 9), { period: "today" }, { since: Date.UTC(2026, 10, 9, 9, 30) }).compared).toBeNull();
    // No view at all yet: nothing to compare.
    expect(at(NOW, { period: "today" }, { since: null }).compared).toBeNull();
  });

  test("the comparison in the URL: the default left out, anything unknown read as the default", () => {
    expect(parseComparison(params(""))).toBe("previous");
    expect(parseComparison(params("compare=year"))).toBe("year");
    expect(parseComparison(params("compare=off"))).toBe("off");
    expect(parseComparison(params("compare=toString"))).toBe("previous");
    expect(withComparison(params("period=7d&compare=off"), "previous").toString()).toBe("period=7d");
    expect(withComparison(params("period=7d"), "year").toString()).toBe("period=7d&compare=year");
  });
});

describe("the previous and next period", () => {
  const shown = (selection: Selection, zone = "UTC") => resolveSelection(selection, NOW, zone, { since: SINCE });

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

test("a change against an earlier figure: an arrow, a rounded percentage, and words for screen readers", () => {
  expect(describeChange(112, 100)).toEqual({ trend: "up", text: "▲ 12%", label: "up 12% from the previous period" });
  expect(describeChange(97, 100)).toEqual({ trend: "down", text: "▼ 3%", label: "down 3% from the previous period" });
  expect(describeChange(0, 40)).toEqual({ trend: "down", text: "▼ 100%", label: "down 100% from the previous period" });
  expect(describeChange(25_000, 100)).toEqual({ trend: "up", text: "▲ 24,900%", label: "up 24,900% from the previous period" });
  expect(describeChange(1001, 1000)).toEqual({ trend: "up", text: "▲ <1%", label: "up less than 1% from the previous period" });
  expect(describeChange(7, 7)).toEqual({ trend: "flat", text: "no change", label: "no change from the previous period" });
  expect(describeChange(120, 100, "a year earlier")?.label).toBe("up 20% from a year earlier");
  // Nothing before: no percentage at all (a percentage of nothing says nothing), never a division by zero.
  expect(describeChange(5, 0)).toBeNull();
  expect(describeChange(0, 0)).toBeNull();
});
