// The dashboard's date range as the URL names it (`?period=7d`, `?period=custom&from=…&to=…`,
// `&interval=hour`), and what it resolves to at an instant in the site's zone. The time math is
// shared/timeRanges.ts's, shared with the server; this module only reads and writes the URL
// and picks among what that math gives.
import { ConvexError } from "convex/values";
import {
  assertValidRange,
  bucketStart,
  INTERVALS,
  localDate,
  PERIOD_NAMES,
  previousPeriod,
  shiftPeriod,
  resolvePeriod,
  type Interval,
  type PeriodName,
  type PeriodSpec,
  type TimeRange,
} from "../../shared/timeRanges.js";
import { FULL_DETAIL, isOnPropertyGrid, isSeriesKept, seriesSpans, type DetailHorizons } from "../../shared/detail.js";
import { HISTORY_SPLIT_LAG_MS, type BreakdownProperty } from "../../shared/config.js";
import { formatNumber } from "./format.js";
import { rangeLabel } from "./timeBuckets.js";

const MINUTE_MS = 60_000;

/** A period the picker offers by name. */
export type NamedPeriod = PeriodName | "all";

/** What the URL asks for: a named period or local dates from–to (both included), and the chart's interval when the user switched it. */
export type Selection = ({ period: NamedPeriod } | { period: "custom"; from: string; to: string }) & { interval?: Interval };

/** Plausible's default for years (it now opens on 28 days, which we do not offer). */
export const DEFAULT_SELECTION: Selection = { period: "30d" };

/** The picker's choices, in its order, with Plausible's keyboard shortcuts. */
export const PERIOD_OPTIONS: readonly { period: NamedPeriod | "custom"; label: string; shortcut: string }[] = [
  { period: "realtime", label: "Realtime", shortcut: "R" },
  { period: "today", label: "Today", shortcut: "D" },
  { period: "yesterday", label: "Yesterday", shortcut: "E" },
  { period: "7d", label: "Last 7 days", shortcut: "W" },
  { period: "30d", label: "Last 30 days", shortcut: "T" },
  { period: "month", label: "This month", shortcut: "M" },
  { period: "lastMonth", label: "Last month", shortcut: "P" },
  { period: "12mo", label: "Last 12 months", shortcut: "L" },
  { period: "all", label: "All time", shortcut: "A" },
  { period: "custom", label: "Custom range", shortcut: "C" },
];

const NAMED_PERIODS: readonly string[] = [...PERIOD_NAMES, "all"];

/** Reads the URL's range; anything it cannot read is the default (dates are checked when resolved). */
export function parseSelection(params: URLSearchParams): Selection {
  const period = params.get("period");
  const from = params.get("from");
  const to = params.get("to");
  const interval = params.get("interval");
  let selection: Selection;
  if ((period === "custom" || period === null) && from !== null && to !== null) selection = { period: "custom", from, to };
  else if (period !== null && NAMED_PERIODS.includes(period)) selection = { period: period as NamedPeriod };
  else return DEFAULT_SELECTION;
  return (INTERVALS as readonly string[]).includes(interval ?? "") ? { ...selection, interval: interval as Interval } : selection;
}

/** The URL's query for a selection: what `parseSelection` reads back. */
export function selectionSearch(selection: Selection): URLSearchParams {
  const params = new URLSearchParams({ period: selection.period });
  if (selection.period === "custom") {
    params.set("from", selection.from);
    params.set("to", selection.to);
  }
  if (selection.interval !== undefined) params.set("interval", selection.interval);
  return params;
}

/** A selection resolved at an instant: the range to query, its comparison, its chart's interval, and how to name it. */
export type ResolvedSelection = {
  /** What is shown: the URL's selection, or the default when the URL's cannot be resolved. */
  selection: Selection;
  timeZone: string;
  range: TimeRange;
  /** The period before, of equal length; null for all time (nothing is counted before it) or before 2000. */
  previous: TimeRange | null;
  /** The period before as the chart draws it: null too when the site no longer keeps its detail at the chart's interval. */
  chartPrevious: TimeRange | null;
  interval: Interval;
  /** The interval the range starts with when the URL names none. */
  defaultInterval: Interval;
  intervals: Interval[];
  /** The start of the chart's bucket holding `now`, when the range holds it. */
  liveBucketStart: number | undefined;
  /** The local midnight an hour ago, when it is inside the range: the days before it no longer change (dashboardHistory). */
  historyBefore: number | null;
  /** "Nov 1 – 15, 2026 (UTC)". */
  label: string;
  /** The local date of `now`: the latest a custom range may pick. */
  today: string;
};

function specOf(selection: Selection, since: number): PeriodSpec {
  if (selection.period === "custom") return { period: "custom", from: selection.from, to: selection.to };
  if (selection.period === "all") return { period: "all", since };
  return { period: selection.period };
}

/** resolvePeriod's answer, or null when it refuses the arguments (INVALID_ARGUMENT); anything else still throws. */
function tryResolve(spec: PeriodSpec, now: number, timeZone: string) {
  try {
    return resolvePeriod(spec, now, timeZone);
  } catch (error) {
    if (error instanceof ConvexError) return null;
    throw error;
  }
}

/**
 * Resolves `requested` at `now` (a whole minute) in `timeZone`; `since` is where all time starts
 * (the first view, or null before there is one). A selection resolvePeriod refuses (a date that is
 * not in the calendar, reversed dates, a range beyond 2000–2099) falls back to the default. The
 * chart offers only the intervals the site's `detail` still answers (old hours and minutes roll up),
 * and under a filter on a visit property (`filtered`) only those its buckets answer (whole hours and days;
 * off them only the visits in progress do: realtime's range, but not the period before it).
 */
export function resolveSelection(
  requested: Selection,
  now: number,
  timeZone: string,
  since: number | null,
  detail: DetailHorizons = FULL_DETAIL,
  filtered?: BreakdownProperty,
): ResolvedSelection {
  let selection = requested;
  let period = tryResolve(specOf(requested, since ?? now), now, timeZone);
  if (period === null) {
    selection = DEFAULT_SELECTION;
    period = resolvePeriod(specOf(selection, now), now, timeZone);
  }
  const range = { from: period.from, to: period.to };
  const byProperty = filtered !== undefined && filtered !== "page";
  const onGrid = (shown: TimeRange, interval?: Interval) =>
    !byProperty || (interval === undefined ? [shown] : seriesSpans(shown, interval, timeZone)).every((span) => isOnPropertyGrid(span, timeZone));
  const answerable = (shown: TimeRange, interval: Interval) =>
    isSeriesKept(shown, interval, timeZone, detail, timeZone) && (onGrid(shown, interval) || (shown === range && selection.period === "realtime"));
  const kept = period.intervals.filter((interval) => answerable(range, interval));
  // Days are always kept; a default finer than the detail kept gives way to the finest interval that is.
  const defaultInterval = kept.includes(period.interval) ? period.interval : (kept.find((interval) => interval !== "minute" && interval !== "hour") ?? period.interval);
  const interval = selection.interval !== undefined && kept.includes(selection.interval) ? selection.interval : defaultInterval;
  const before = selection.period === "all" ? null : comparisonRange(range, timeZone);
  const previous = before !== null && onGrid(before) ? before : null;
  return {
    selection,
    timeZone,
    range,
    previous,
    chartPrevious: previous !== null && answerable(previous, interval) ? previous : null,
    interval,
    defaultInterval,
    intervals: kept,
    liveBucketStart: range.from <= now && now < range.to ? bucketStart(now, interval, timeZone) : undefined,
    historyBefore: historySplit(range, now, timeZone),
    label: `${rangeLabel(range.from, range.to - MINUTE_MS, selection.period === "realtime" ? "minute" : "day", timeZone)} (${timeZone})`,
    today: localDate(now, timeZone),
  };
}

function historySplit(range: TimeRange, now: number, timeZone: string): number | null {
  const before = bucketStart(now - HISTORY_SPLIT_LAG_MS, "day", timeZone);
  return range.from < before && before < range.to ? before : null;
}

function comparisonRange(range: TimeRange, timeZone: string): TimeRange | null {
  const previous = previousPeriod(range, timeZone);
  try {
    assertValidRange(previous);
    return previous;
  } catch {
    return null;
  }
}

/** The local dates (first and last included) a day-aligned range covers. */
export function rangeDates(range: TimeRange, timeZone: string): { from: string; to: string } {
  return { from: localDate(range.from, timeZone), to: localDate(range.to - MINUTE_MS, timeZone) };
}

/** Whether ← (-1) or → (+1) has somewhere to go: realtime and all time do not move, and → stops before a period that starts after `now`. */
export function canShift(shown: ResolvedSelection, direction: -1 | 1, now: number): boolean {
  if (shown.selection.period === "realtime" || shown.selection.period === "all") return false;
  return direction === -1 || shown.range.to <= now;
}

/**
 * The period just before (-1) or after (+1) the shown one, of the same length, by its name when
 * it is a named period now (← from Today is Yesterday), else as custom dates; null when there is
 * none (see canShift) or it would leave 2000–2099.
 */
export function shiftedSelection(shown: ResolvedSelection, direction: -1 | 1, now: number): Selection | null {
  if (!canShift(shown, direction, now)) return null;
  const dates = rangeDates(shiftPeriod(shown.range, direction, shown.timeZone), shown.timeZone);
  const target = tryResolve({ period: "custom", ...dates }, now, shown.timeZone);
  if (target === null) return null;
  const named = namedRanges(now, shown.timeZone).find(({ range }) => range.from === target.from && range.to === target.to);
  const selection: Selection = named !== undefined ? { period: named.period } : { period: "custom", ...dates };
  // Same length, so the same intervals fit: a switched granularity stays.
  return shown.selection.interval === undefined ? selection : { ...selection, interval: shown.selection.interval };
}

// The day-aligned named periods at the last instant and zone asked: resolvePeriod also counts each one's
// buckets for its intervals (tens of ms in a zone with DST), so ← and → pay for it once a minute, not per press.
let named: { key: string; ranges: { period: PeriodName; range: TimeRange }[] } | null = null;

function namedRanges(now: number, timeZone: string) {
  const key = `${now} ${timeZone}`;
  if (named?.key !== key) {
    const periods = PERIOD_NAMES.filter((period) => period !== "realtime");
    named = { key, ranges: periods.map((period) => ({ period, range: resolvePeriod({ period }, now, timeZone) })) };
  }
  return named.ranges;
}

/**
 * Custom dates as the picker's form sends them: the selection, or why they cannot be one
 * (resolvePeriod's message: a reversed range, a date out of 2000–2099, more than 10 years).
 */
export function customSelection(from: string, to: string, now: number, timeZone: string): { selection: Selection } | { error: string } {
  try {
    resolvePeriod({ period: "custom", from, to }, now, timeZone);
    return { selection: { period: "custom", from, to } };
  } catch (error) {
    if (error instanceof ConvexError) return { error: (error.data as { message: string }).message };
    throw error;
  }
}

// Here, not in format.ts, which every visitor's bundle holds: only /stats compares periods.

/** How a figure compares with the previous period's: a trend for colour, a short text with an arrow, and a sentence for screen readers. */
export type Change = { trend: "up" | "down" | "flat"; text: string; label: string };

/** 112 after 100 → "▲ 12%" ("up 12% from the previous period"); nothing before → "▲ new"; the same → "no change". */
export function describeChange(current: number, previous: number): Change {
  if (current === previous) return { trend: "flat", text: "no change", label: "no change from the previous period" };
  if (previous === 0) return { trend: "up", text: "▲ new", label: "new: none in the previous period" };
  const percent = Math.round((Math.abs(current - previous) / previous) * 100);
  const up = current > previous;
  const [shown, spoken] = percent === 0 ? ["<1%", "less than 1%"] : [`${formatNumber(percent)}%`, `${formatNumber(percent)}%`];
  return {
    trend: up ? "up" : "down",
    text: `${up ? "▲" : "▼"} ${shown}`,
    label: `${up ? "up" : "down"} ${spoken} from the previous period`,
  };
}
