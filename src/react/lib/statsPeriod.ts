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
  nextBucketStart,
  PERIOD_NAMES,
  pieceContaining,
  pieceEnd,
  previousPeriod,
  shiftPeriod,
  resolvePeriod,
  type Interval,
  type PeriodName,
  type PeriodSpec,
  type PieceLevel,
  type TimeRange,
} from "../../shared/timeRanges.js";
import { FULL_DETAIL, isOnPropertyGrid, isRangeKept, isSeriesKept, seriesSpans, type DetailHorizons } from "../../shared/detail.js";
import { HISTORY_SPLIT_LAG_MS, type BreakdownProperty } from "../../shared/config.js";
import { formatNumber } from "./format.js";
import { rangeLabel } from "./timeBuckets.js";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

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

/** The parameters `selectionSearch` writes: a new range replaces these and keeps every other one (filters, comparison, token). */
export const RANGE_PARAMS: readonly string[] = ["period", "from", "to", "interval"];

/** What the figures are compared with: the period just before (Plausible's default), the same dates a year earlier, or nothing. */
export type Comparison = "previous" | "year" | "off";

export const COMPARE_PARAM = "compare";

export const DEFAULT_COMPARISON: Comparison = "previous";

/**
 * Each comparison, in the picker's order: its `label` there, its `heading` where the chart lists what it
 * draws faint, and its `name` in a sentence ("up 12% from the previous period").
 */
export const COMPARISONS: Record<Comparison, { label: string; heading: string; name: string }> = {
  previous: { label: "Previous period", heading: "Previous period", name: "the previous period" },
  year: { label: "Year over year", heading: "A year earlier", name: "a year earlier" },
  off: { label: "Off", heading: "No comparison", name: "nothing" },
};

/** The URL's comparison (`?compare=year`); the default when it names none or one it does not know. */
export function parseComparison(params: URLSearchParams): Comparison {
  const named = params.get(COMPARE_PARAM);
  return named !== null && Object.hasOwn(COMPARISONS, named) ? (named as Comparison) : DEFAULT_COMPARISON;
}

/** `params` with `comparison` (the default left out, so a link names only what the user chose). */
export function withComparison(params: URLSearchParams, comparison: Comparison): URLSearchParams {
  const next = new URLSearchParams(params);
  if (comparison === DEFAULT_COMPARISON) next.delete(COMPARE_PARAM);
  else next.set(COMPARE_PARAM, comparison);
  return next;
}

/** A selection resolved at an instant: the range to query, what it is compared with, its chart's interval, and how to name them. */
export type ResolvedSelection = {
  /** What is shown: the URL's selection, or the default when the URL's cannot be resolved. */
  selection: Selection;
  timeZone: string;
  range: TimeRange;
  comparison: Comparison;
  /**
   * What the cards' figures are compared with: the comparison period, cut to the time the range has run
   * when it holds now (this month's first 6 days and 14 hours against last month's); null when there is
   * nothing to compare with: no comparison chosen, all time, before 2000, from before the day tracking began, or a
   * period the site no longer keeps at that detail. `label` says it for a person: "Nov 1, 12:00 AM – Nov 7, 2:15 PM".
   */
  compared: { range: TimeRange; label: string } | null;
  /** The whole comparison period, drawn faint behind the chart; null too when its detail at the chart's interval is no longer kept. */
  chartCompared: TimeRange | null;
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

export type ResolveOptions = {
  /** The site's first view (`settings.trackingSince`): where all time starts, and before whose day nothing is compared; null before there is one. */
  since: number | null;
  /** What the site still keeps (old hours and minutes roll up); everything by default. */
  detail?: DetailHorizons;
  /** The properties whose buckets answer the dashboard's filters (bucketedProperty): a visit property's keep whole hours and days only. */
  filteredBy?: readonly BreakdownProperty[];
  comparison?: Comparison;
};

/**
 * Resolves `requested` at `now` (a whole minute) in `timeZone`. A selection resolvePeriod refuses (a
 * date that is not in the calendar, reversed dates, a range beyond 2000–2099) falls back to the
 * default. The chart offers only the intervals the site's `detail` still answers (old hours and
 * minutes roll up), and under one `is` filter on a visit property only those its buckets answer (whole
 * hours and days; off them only the visits in progress do: realtime's range, but not the period
 * before it). A range that holds now is compared with as much of the comparison period as it has
 * run (see comparedPart).
 */
export function resolveSelection(requested: Selection, now: number, timeZone: string, options: ResolveOptions): ResolvedSelection {
  const { since, detail = FULL_DETAIL, filteredBy = [], comparison = DEFAULT_COMPARISON } = options;
  let selection = requested;
  let period = tryResolve(specOf(requested, since ?? now), now, timeZone);
  if (period === null) {
    selection = DEFAULT_SELECTION;
    period = resolvePeriod(specOf(selection, now), now, timeZone);
  }
  const range = { from: period.from, to: period.to };
  const byProperty = filteredBy.some((property) => property !== "page");
  const onGrid = (shown: TimeRange, interval?: Interval) =>
    !byProperty || (interval === undefined ? [shown] : seriesSpans(shown, interval, timeZone)).every((span) => isOnPropertyGrid(span, timeZone));
  const answerable = (shown: TimeRange, interval: Interval) =>
    isSeriesKept(shown, interval, timeZone, detail, timeZone) && (onGrid(shown, interval) || (shown === range && selection.period === "realtime"));
  const kept = period.intervals.filter((interval) => answerable(range, interval));
  // Days are always kept; a default finer than the detail kept gives way to the finest interval that is.
  const defaultInterval = kept.includes(period.interval) ? period.interval : (kept.find((interval) => interval !== "minute" && interval !== "hour") ?? period.interval);
  const interval = selection.interval !== undefined && kept.includes(selection.interval) ? selection.interval : defaultInterval;
  const whole = selection.period === "all" || since === null ? null : comparisonPeriod(range, comparison, timeZone);
  const summable = (part: TimeRange) => isRangeKept(part, detail, timeZone) && onGrid(part);
  const part = whole === null || !onGrid(whole) ? null : comparedPart(range, whole, now, timeZone, summable);
  // Nothing was counted before the first view: a span from before its day would compare with a part of itself ("▲ 4,850%").
  const compared = part !== null && since !== null && part.from >= bucketStart(since, "day", timeZone) && part.to > since ? part : null;
  return {
    selection,
    timeZone,
    range,
    comparison,
    compared: compared === null ? null : { range: compared, label: spanLabel(compared, timeZone) },
    chartCompared: compared !== null && whole !== null && answerable(whole, interval) ? whole : null,
    interval,
    defaultInterval,
    intervals: kept,
    liveBucketStart: range.from <= now && now < range.to ? bucketStart(now, interval, timeZone) : undefined,
    historyBefore: historySplit(range, now, timeZone),
    label: `${spanLabel(range, timeZone)} (${timeZone})`,
    today: localDate(now, timeZone),
  };
}

/** A range for a person: its local dates when it is whole days ("Nov 1 – 15, 2026"), else to the minute, its last minute included. */
function spanLabel(range: TimeRange, timeZone: string): string {
  const wholeDays = [range.from, range.to].every((t) => bucketStart(t, "day", timeZone) === t);
  return rangeLabel(range.from, range.to - MINUTE_MS, wholeDays ? "day" : "minute", timeZone);
}

function historySplit(range: TimeRange, now: number, timeZone: string): number | null {
  const before = bucketStart(now - HISTORY_SPLIT_LAG_MS, "day", timeZone);
  return range.from < before && before < range.to ? before : null;
}

/** The whole period `range` is compared with, or null: none chosen, or it would leave 2000–2099. */
function comparisonPeriod(range: TimeRange, comparison: Comparison, timeZone: string): TimeRange | null {
  if (comparison === "off") return null;
  try {
    const period = comparison === "year" ? { from: yearEarlier(range.from, timeZone), to: yearEarlier(range.to, timeZone) } : previousPeriod(range, timeZone);
    assertValidRange(period);
    return period;
  } catch {
    return null;
  }
}

/** The same local date and time a year earlier (February 29 → February 28). */
function yearEarlier(t: number, timeZone: string): number {
  const day = bucketStart(t, "day", timeZone);
  const [year, month, date] = localDate(t, timeZone).split("-").map(Number);
  const earlier = Math.min(date, new Date(Date.UTC(year - 1, month, 0)).getUTCDate());
  const daysBack = (Date.UTC(year, month - 1, date) - Date.UTC(year - 1, month - 1, earlier)) / DAY_MS;
  return localDayStart(day, -daysBack, timeZone) + (t - day);
}

/** The local midnight `days` days after the local midnight `day` (days are 23 to 25 hours long: noon lands in the right one). */
function localDayStart(day: number, days: number, timeZone: string): number {
  return bucketStart(day + days * DAY_MS + 12 * HOUR_MS, "day", timeZone);
}

/**
 * What of the comparison period `whole` to compare `range` with: all of it once `range` has ended; while
 * it runs, as much as it has run (its whole days and the time since midnight when both are whole days, so
 * "today" at 02:15 meets yesterday until 02:16, the minute in progress counted in both), no more than
 * `whole`. The cut falls on the finest grid `summable` answers there (minutes, else whole hours, else
 * whole days: old detail rolls up), at least one step in.
 */
function comparedPart(range: TimeRange, whole: TimeRange, now: number, timeZone: string, summable: (part: TimeRange) => boolean): TimeRange | null {
  if (!(range.from <= now && now < range.to)) return summable(whole) ? whole : null;
  const end = now - (now % MINUTE_MS) + MINUTE_MS;
  const isMidnight = (t: number) => bucketStart(t, "day", timeZone) === t;
  let cut: number;
  if (isMidnight(range.from) && isMidnight(whole.from)) {
    const endDay = bucketStart(end, "day", timeZone);
    cut = localDayStart(whole.from, Math.round((endDay - range.from) / DAY_MS), timeZone) + (end - endDay);
  } else {
    cut = whole.from + (end - range.from);
  }
  if (cut >= whole.to) return summable(whole) ? whole : null;
  for (const level of CUT_LEVELS) {
    const part = { from: whole.from, to: nearestBoundary(cut, level, whole, timeZone) };
    if (summable(part)) return part;
  }
  return null;
}

/** The grids a cut may fall on, finest first: what the rollup keeps longer at each step (prds/rollup.md). */
const CUT_LEVELS: readonly PieceLevel[] = ["minute", "hour", "day"];

/** The `level` boundary nearest `t`, after `whole.from` and no later than `whole.to`. */
function nearestBoundary(t: number, level: PieceLevel, whole: TimeRange, timeZone: string): number {
  const below = pieceContaining(t, level, timeZone);
  const above = below === t ? t : pieceEnd({ level, start: below }, timeZone);
  const nearest = t - below < above - t && below > whole.from ? below : above;
  return Math.min(nearest, whole.to);
}

/**
 * The shown range from `availableFrom` on (a refused filter's earliest exact start), as custom dates: from the first
 * local midnight at or after it to the range's last day; null when that leaves no whole day of the range.
 */
export function datesFrom(shown: ResolvedSelection, availableFrom: number): { from: string; to: string; start: number } | null {
  const start = bucketStart(availableFrom, "day", shown.timeZone) === availableFrom ? availableFrom : nextBucketStart(availableFrom, "day", shown.timeZone);
  if (start <= shown.range.from || start >= shown.range.to) return null;
  return { from: localDate(start, shown.timeZone), to: rangeDates(shown.range, shown.timeZone).to, start };
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

/** How a figure compares with an earlier one: a trend for colour, a short text with an arrow, and a sentence for screen readers. */
export type Change = { trend: "up" | "down" | "flat"; text: string; label: string };

/**
 * 112 after 100 → "▲ 12%" ("up 12% from the previous period", `against` naming what it is compared
 * with); the same → "no change". Nothing before (0) → null: a percentage of nothing says nothing
 * (Plausible shows none either).
 */
export function describeChange(current: number, previous: number, against = "the previous period"): Change | null {
  if (previous === 0) return null;
  if (current === previous) return { trend: "flat", text: "no change", label: `no change from ${against}` };
  const percent = Math.round((Math.abs(current - previous) / previous) * 100);
  const up = current > previous;
  const [shown, spoken] = percent === 0 ? ["<1%", "less than 1%"] : [`${formatNumber(percent)}%`, `${formatNumber(percent)}%`];
  return {
    trend: up ? "up" : "down",
    text: `${up ? "▲" : "▼"} ${shown}`,
    label: `${up ? "up" : "down"} ${spoken} from ${against}`,
  };
}
