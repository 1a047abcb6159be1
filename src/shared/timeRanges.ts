/**
 * Time math for date ranges and charts over time, shared by the server (convex/) and the
 * browser (src/). Pure: nothing here reads the database or the clock ("now" is a parameter).
 *
 * - Instants are epoch milliseconds. A range is half-open, `[from, to)`, on whole minutes,
 *   inside 2000–2099, at most 10 years long.
 * - Time zones are IANA names, resolved with the platform's own `Intl.DateTimeFormat` (full ICU
 *   in Convex's runtime, Node and every current browser); no date library (see
 *   prds/dependencies.md for why).
 * - Buckets follow the calendar of a zone:
 *   - `minute`: every UTC minute (every zone's offset is whole minutes in 2000–2099);
 *   - `hour`: starts at each local hh:00 **and at each change of the zone's UTC offset**. So in
 *     Asia/Kolkata (+5:30) hours start at :30 UTC, in Asia/Kathmandu (+5:45) at :15 UTC; the
 *     hour repeated by a fall-back is a bucket of its own (25 hour buckets on a 25-hour day);
 *     no hour bucket is longer than 60 minutes (Australia/Lord_Howe's 30-minute shift makes one
 *     of 30);
 *   - `day`: starts at the first instant of its local date, local midnight (01:00 where a DST
 *     change skips midnight, the first of two midnights where one repeats), so DST days last 23
 *     or 25 hours;
 *   - `week`: starts at the start of its Monday; `month`: at the start of its 1st.
 * - A range need not start or end on a bucket boundary. The first bucket is the one containing
 *   `from` (its start may be before `from`), the last the one containing `to - 1`. Each bucket
 *   counts only what lies in the range: its effective span is
 *   `[max(start, from), min(nextStart, to))`, so the first and last buckets are clipped.
 */
import { ConvexError } from "convex/values";
import {
  DEFAULT_STATS_TIME_ZONE,
  EARLIEST_RANGE_MS,
  LATEST_RANGE_MS,
  MAX_BUCKETS,
  MAX_RANGE_DAYS,
  REALTIME_MINUTES,
} from "./config.js";
import type { InvalidArgument } from "./validation.js";

const MINUTE = 60_000;
const QUARTER_HOUR = 15 * MINUTE;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MAX_RANGE_MS = MAX_RANGE_DAYS * DAY;

/** A half-open span of time `[from, to)` in epoch milliseconds. */
export type TimeRange = { from: number; to: number };

/** The bucket sizes of a time series, finest first. */
export const INTERVALS = ["minute", "hour", "day", "week", "month"] as const;
/** One bucket size of a time series. */
export type Interval = (typeof INTERVALS)[number];

/** The error when the STATS_TIME_ZONE environment variable is not a time zone (a ConvexError, so the site owner sees the message). */
export type InvalidConfiguration = { code: "INVALID_CONFIGURATION"; field: string; message: string };

/** Same shape as validation.ts's rejections: `ConvexError({ code: "INVALID_ARGUMENT", field, message })`. */
function invalid(field: string, message: string): never {
  throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field, message });
}

const mod = (a: number, b: number) => ((a % b) + b) % b;
const plural = (n: number, unit: string) => `${n.toLocaleString("en-US")} ${unit}${n === 1 ? "" : "s"}`;
/** An instant for a message: ISO 8601, or the number itself past where a Date exists (±8.64e15 ms), which toISOString refuses with a RangeError. */
const iso = (t: number) => {
  const date = new Date(t);
  return Number.isNaN(date.getTime()) ? `${t} ms` : date.toISOString();
};

// ---------------------------------------------------------------------------------------------
// Ranges

/** Rejects (INVALID_ARGUMENT) a range whose ends are not finite whole minutes in 2000–2099, or that is empty, reversed or longer than 10 years. */
export function assertValidRange(range: TimeRange): void {
  const { from, to } = range;
  for (const [field, t] of [["from", from], ["to", to]] as const) {
    if (typeof t !== "number" || !Number.isFinite(t)) invalid(field, `${field} must be a finite number of milliseconds since 1970`);
    if (t < EARLIEST_RANGE_MS || t > LATEST_RANGE_MS) {
      invalid(field, `${field} must be between ${iso(EARLIEST_RANGE_MS)} and ${iso(LATEST_RANGE_MS)}; got ${iso(t)}`);
    }
    if (t % MINUTE !== 0) invalid(field, `${field} must be on a whole minute (a multiple of 60,000 ms); got ${iso(t)}`);
  }
  if (from >= to) invalid("to", `to must be after from (the range is [from, to)); got from ${iso(from)}, to ${iso(to)}`);
  if (to - from > MAX_RANGE_MS) {
    invalid("to", `a range may be at most 10 years (${plural(MAX_RANGE_DAYS, "day")}); this one is ${plural(Math.ceil((to - from) / DAY), "day")}`);
  }
}

/** Rejects (INVALID_ARGUMENT on `field`) anything but one of INTERVALS. */
export function assertValidInterval(interval: unknown, field = "interval"): asserts interval is Interval {
  if (!(INTERVALS as readonly unknown[]).includes(interval)) invalid(field, `${field} must be one of ${INTERVALS.join(", ")}`);
}

// ---------------------------------------------------------------------------------------------
// Time zones

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A cached formatter giving the wall clock of `zone`; throws RangeError for a zone the runtime does not know. */
function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    if (formatters.size >= 1_000) formatters.clear(); // only valid names get here, but their spellings vary in case
    formatters.set(zone, format);
  }
  return format;
}

let listedNames: Map<string, string> | undefined;

/** The spelling the runtime lists for `zone` (Intl matches names case-insensitively), or `zone` as given. */
function listedSpelling(zone: string): string {
  if (zone.toUpperCase() === "UTC") return "UTC";
  if (!listedNames) {
    listedNames = new Map();
    const names = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
    for (const name of names) listedNames.set(name.toLowerCase(), name);
  }
  return listedNames.get(zone.toLowerCase()) ?? zone;
}

// An IANA name: letters first, then letters, digits and _ + - / (so "Etc/GMT+5" passes and "+05:30" does not).
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/** The zone name if the runtime knows it as an IANA zone ("Europe/Berlin", "Asia/Kolkata", "UTC"), in its listed spelling; else INVALID_ARGUMENT on `field`. */
export function parseTimeZone(name: unknown, field = "timeZone"): string {
  const example = `an IANA time zone name such as "Europe/Berlin", "Asia/Kolkata" or "UTC"`;
  if (typeof name !== "string") invalid(field, `${field} must be ${example}`);
  // Newer engines also take UTC offsets ("+05:30") as zones; a site's zone must follow its DST rules, so names only.
  if (!ZONE_NAME.test(name)) invalid(field, `${field} must be ${example}; got ${JSON.stringify(name.slice(0, 80))}`);
  try {
    formatter(name);
  } catch {
    invalid(field, `${field} ${JSON.stringify(name)} is not a time zone this runtime knows; use ${example}`);
  }
  return listedSpelling(name);
}

type Env = Record<string, string | undefined>;

/** The site's time zone from the Convex environment variable STATS_TIME_ZONE ("UTC" when unset or blank); a bad value throws ConvexError INVALID_CONFIGURATION saying how to fix it. */
export function siteTimeZone(env: Env | undefined = (globalThis as { process?: { env?: Env } }).process?.env): string {
  const raw = env?.STATS_TIME_ZONE?.trim();
  if (!raw) return DEFAULT_STATS_TIME_ZONE;
  try {
    return parseTimeZone(raw, "STATS_TIME_ZONE");
  } catch {
    throw new ConvexError<InvalidConfiguration>({
      code: "INVALID_CONFIGURATION",
      field: "STATS_TIME_ZONE",
      message:
        `The environment variable STATS_TIME_ZONE is ${JSON.stringify(raw.slice(0, 80))}, which is not an IANA time zone name. ` +
        `Set it to one, e.g. \`npx convex env set STATS_TIME_ZONE Europe/Berlin\`, or remove it to use UTC.`,
    });
  }
}

/** The wall clock of `zone` at instant t (seconds truncated): the fields a person would read there. */
export type WallClock = { year: number; month: number; day: number; hour: number; minute: number; second: number };

/** Reads the wall clock of `zone` at instant t (month 1–12, hour 0–23). */
export function wallClock(t: number, zone: string): WallClock {
  const clock: WallClock = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(zone).formatToParts(t)) {
    if (part.type in clock) clock[part.type as keyof WallClock] = Number(part.value);
  }
  clock.hour %= 24;
  return clock;
}

/** The zone's UTC offset at instant t in ms: local wall time = t + offset. */
function offsetAt(t: number, zone: string): number {
  if (zone === "UTC") return 0;
  const { year, month, day, hour, minute, second } = wallClock(t, zone);
  return Date.UTC(year, month - 1, day, hour, minute, second) - (t - mod(t, 1000));
}

/** Instant t as ISO 8601 in the zone, with its offset, to the second: 2026-03-29T03:00:00+02:00 (the CSV export's and the Stats API v2's dates). */
export function isoInZone(t: number, zone: string): string {
  const offsetMinutes = Math.round(offsetAt(t, zone) / 60_000);
  const wall = new Date(t - mod(t, 1000) + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const hours = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, "0");
  const minutes = String(Math.abs(offsetMinutes) % 60).padStart(2, "0");
  return `${wall}${offsetMinutes < 0 ? "-" : "+"}${hours}:${minutes}`;
}

/** The local date of instant t in `zone`, as days since 1970-01-01. Never decreases as t grows. */
function localDay(t: number, zone: string): number {
  return Math.floor((t + offsetAt(t, zone)) / DAY);
}

/** The smallest whole minute x in (lo, hi] with test(x), given !test(lo), test(hi), and test false then true in between. */
function firstMinuteWhere(lo: number, hi: number, test: (x: number) => boolean): number {
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (test(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The first instant whose local date is `day` or later (days since 1970-01-01): local midnight, or the end of a DST gap that skips it. */
function startOfLocalDay(day: number, zone: string): number {
  const isStart = (s: number) => localDay(s, zone) >= day && localDay(s - MINUTE, zone) < day;
  const wall = day * DAY;
  const guess = wall - offsetAt(wall, zone);
  const refined = wall - offsetAt(guess, zone);
  if (isStart(refined)) return refined;
  if (guess !== refined && isStart(guess)) return guess;
  // A midnight that happens twice, or a gap at midnight: search. Offsets are within [-12 h, +14 h], so
  // 16 hours before the wall midnight is still the day before, and 16 hours after is the day or later.
  return firstMinuteWhere(wall - 16 * HOUR, wall + 16 * HOUR, (x) => localDay(x, zone) >= day);
}

/** The local day number of the first day of the day/week/month bucket holding local day `day`, or (next) of the bucket after it. */
function firstDayOfBucket(interval: "day" | "week" | "month", day: number, next: boolean): number {
  if (interval === "day") return next ? day + 1 : day;
  if (interval === "week") return day - mod(day + 3, 7) + (next ? 7 : 0); // 1970-01-01 was a Thursday, three days after a Monday
  const date = new Date(day * DAY);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + (next ? 1 : 0), 1) / DAY;
}

/** Start of the hour bucket holding t: the local hh:00 before it, or the change of offset since then if one came later. */
function startOfHour(t: number, zone: string): number {
  const at = t - mod(t, MINUTE);
  const offset = offsetAt(at, zone);
  const wall = at + offset;
  const start = wall - mod(wall, HOUR) - offset;
  if (offsetAt(start, zone) === offset) return start; // no change of offset within this (at most one) hour
  return firstMinuteWhere(start, at, (x) => offsetAt(x, zone) === offset);
}

/** The next hour boundary after t: the next local hh:00, or a change of offset before it. */
function nextHour(t: number, zone: string): number {
  const at = t - mod(t, MINUTE);
  const offset = offsetAt(at, zone);
  const wall = at + offset;
  const next = wall - mod(wall, HOUR) + HOUR - offset;
  if (offsetAt(next - MINUTE, zone) === offset) return next;
  return firstMinuteWhere(at, next - MINUTE, (x) => offsetAt(x, zone) !== offset);
}

function startOf(t: number, interval: Interval, zone: string): number {
  switch (interval) {
    case "minute": return t - mod(t, MINUTE);
    case "hour": return startOfHour(t, zone);
    default: return startOfLocalDay(firstDayOfBucket(interval, localDay(t, zone), false), zone);
  }
}

function nextStart(t: number, interval: Interval, zone: string): number {
  switch (interval) {
    case "minute": return t - mod(t, MINUTE) + MINUTE;
    case "hour": return nextHour(t, zone);
    default: return startOfLocalDay(firstDayOfBucket(interval, localDay(t, zone), true), zone);
  }
}

function assertInstant(t: unknown, field: string): asserts t is number {
  if (typeof t !== "number" || !Number.isFinite(t) || t < EARLIEST_RANGE_MS - DAY * 366 || t > LATEST_RANGE_MS + DAY * 366) {
    invalid(field, `${field} must be an instant (ms since 1970) between 1999 and 2100`);
  }
}

// ---------------------------------------------------------------------------------------------
// Buckets

/** Start of the `interval` bucket in `timeZone` that contains instant t (at or before t). */
export function bucketStart(t: number, interval: Interval, timeZone: string): number {
  assertInstant(t, "at");
  assertValidInterval(interval);
  return startOf(t, interval, parseTimeZone(timeZone));
}

/** Start of the `interval` bucket in `timeZone` after the one containing t: the first bucket boundary after t. */
export function nextBucketStart(t: number, interval: Interval, timeZone: string): number {
  assertInstant(t, "at");
  assertValidInterval(interval);
  return nextStart(t, interval, parseTimeZone(timeZone));
}

/** How many buckets cover the range, counting no further than `limit + 1`. */
function countBuckets(range: TimeRange, interval: Interval, zone: string, limit: number): number {
  let count = 0;
  for (let s = startOf(range.from, interval, zone); s < range.to && count <= limit; s = nextStart(s, interval, zone)) count++;
  return count;
}

// The shortest and longest an interval's bucket is (DST days: 23–25 hours, Antarctica/Troll's: 22–26).
const SHORTEST: Record<Interval, number> = { minute: MINUTE, hour: HOUR, day: 23 * HOUR, week: 7 * DAY - HOUR, month: 28 * DAY - HOUR };
const LONGEST: Record<Interval, number> = { minute: MINUTE, hour: HOUR, day: 26 * HOUR, week: 7 * DAY + 2 * HOUR, month: 31 * DAY + 2 * HOUR };

/** Intervals a chart of the range may use: at least one bucket long (nominally: a day is 23 h or more, a week 7 days less an hour, a month 28 days less an hour) and at most MAX_BUCKETS buckets. */
export function validIntervals(range: TimeRange, timeZone: string): Interval[] {
  assertValidRange(range);
  const zone = parseTimeZone(timeZone);
  const length = range.to - range.from;
  return INTERVALS.filter(
    (interval) =>
      length >= SHORTEST[interval] &&
      length <= MAX_BUCKETS * LONGEST[interval] &&
      countBuckets(range, interval, zone, MAX_BUCKETS) <= MAX_BUCKETS,
  );
}

/** The interval a chart of the range starts with: minutes up to 2 hours, hours up to 3 days, days up to 93 days (about 3 months), months beyond. */
export function defaultInterval(range: TimeRange): Interval {
  const length = range.to - range.from;
  if (length <= 2 * HOUR) return "minute";
  if (length <= 3 * DAY + 2 * HOUR) return "hour";
  if (length <= 93 * DAY + 2 * HOUR) return "day";
  return "month";
}

/** Starts of the `interval` buckets in `timeZone` covering `[from, to)`, ascending (first and last clipped to the range, see the top of the file); more than MAX_BUCKETS is INVALID_ARGUMENT on "interval". */
export function buckets(range: TimeRange, interval: Interval, timeZone: string): number[] {
  assertValidRange(range);
  assertValidInterval(interval);
  const zone = parseTimeZone(timeZone);
  const starts: number[] = [];
  for (let s = startOf(range.from, interval, zone); s < range.to; s = nextStart(s, interval, zone)) {
    if (starts.length === MAX_BUCKETS) {
      const fit = validIntervals(range, zone);
      invalid(
        "interval",
        `interval "${interval}" splits this range into more than ${plural(MAX_BUCKETS, "bucket")}, the most a chart may have; ` +
          (fit.length > 0 ? `use ${fit.join(" or ")}` : "use a coarser interval"),
      );
    }
    starts.push(s);
  }
  return starts;
}

// ---------------------------------------------------------------------------------------------
// Named periods for the dashboard

/** The dashboard's named periods that need nothing but "now". */
export const PERIOD_NAMES = ["realtime", "today", "yesterday", "7d", "30d", "month", "lastMonth", "12mo"] as const;
/** One of PERIOD_NAMES. */
export type PeriodName = (typeof PERIOD_NAMES)[number];

/** What the dashboard asks for: a named period, all time since the site's first data, or local dates from–to, both inclusive ("2026-11-01"). */
export type PeriodSpec =
  | { period: PeriodName }
  | { period: "all"; since: number }
  | { period: "custom"; from: string; to: string };

/** A resolved period: its range, the interval its chart starts with, and every interval it may use (validIntervals). */
export type Period = TimeRange & { interval: Interval; intervals: Interval[] };

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A local date "YYYY-MM-DD" as days since 1970-01-01; INVALID_ARGUMENT on `field` when malformed or not a real date. */
function parseLocalDate(text: unknown, field: string): number {
  const match = typeof text === "string" ? LOCAL_DATE.exec(text) : null;
  if (!match) invalid(field, `${field} must be a date written YYYY-MM-DD, e.g. "2026-11-01"`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    invalid(field, `${field} ${JSON.stringify(text)} is not a date in the calendar`);
  }
  return ms / DAY;
}

/** The local date ("YYYY-MM-DD") of instant t in `timeZone`: what a custom period's pickers show for it. */
export function localDate(t: number, timeZone: string): string {
  assertInstant(t, "at");
  return new Date(localDay(t, parseTimeZone(timeZone)) * DAY).toISOString().slice(0, 10);
}

/**
 * Resolves a period at instant `now` in `timeZone`. Every period that contains today ends at the
 * END of today (the next local midnight), not at "now": a chart shows the whole day, week, month
 * with its future buckets empty, and its buckets stay fixed as the day goes on. Counts for the
 * future part are simply zero.
 * - realtime: the current minute and the 29 before it (`to` = the next whole minute), by minute;
 * - today, yesterday: that local day; 7d, 30d: the last 7 / 30 local days including today;
 * - month: this local month (to its end); lastMonth: the one before; 12mo: the last 12 months including this one;
 * - all: from the local day of `since` (e.g. the first view) to the end of today, its start
 *   moved later if needed to keep within 10 years (and 2000);
 * - custom: local date `from` 00:00 to the local midnight after date `to` (inclusive end date → exclusive end instant).
 */
export function resolvePeriod(spec: PeriodSpec, now: number, timeZone: string): Period {
  const zone = parseTimeZone(timeZone);
  if (typeof now !== "number" || !Number.isFinite(now) || now < EARLIEST_RANGE_MS || now >= LATEST_RANGE_MS) {
    invalid("now", `now must be an instant between ${iso(EARLIEST_RANGE_MS)} and ${iso(LATEST_RANGE_MS)}`);
  }
  const today = localDay(now, zone);
  const day = (d: number) => startOfLocalDay(d, zone);
  const month = (monthsFromThis: number) => {
    const first = new Date(today * DAY);
    return day(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + monthsFromThis, 1) / DAY);
  };
  let range: TimeRange;
  const period = (spec as { period?: unknown }).period;
  switch (period) {
    case "realtime": {
      const to = now - mod(now, MINUTE) + MINUTE;
      range = { from: to - REALTIME_MINUTES * MINUTE, to };
      break;
    }
    case "today": range = { from: day(today), to: day(today + 1) }; break;
    case "yesterday": range = { from: day(today - 1), to: day(today) }; break;
    case "7d": range = { from: day(today - 6), to: day(today + 1) }; break;
    case "30d": range = { from: day(today - 29), to: day(today + 1) }; break;
    case "month": range = { from: month(0), to: month(1) }; break;
    case "lastMonth": range = { from: month(-1), to: month(0) }; break;
    case "12mo": range = { from: month(-11), to: month(1) }; break;
    case "all": {
      const { since } = spec as { since: unknown };
      assertInstant(since, "since");
      const to = day(today + 1);
      let from = day(localDay(Math.min(since, now), zone));
      const earliest = Math.max(EARLIEST_RANGE_MS, to - MAX_RANGE_MS);
      if (from < earliest) from = day(localDay(earliest, zone));
      if (from < earliest) from = day(localDay(earliest, zone) + 1);
      range = { from, to };
      break;
    }
    case "custom": {
      const { from, to } = spec as { from: unknown; to: unknown };
      const first = parseLocalDate(from, "from");
      const last = parseLocalDate(to, "to");
      if (last < first) invalid("to", `to (${String(to)}) must not be before from (${String(from)}); both dates are included`);
      range = { from: day(first), to: day(last + 1) };
      break;
    }
    default:
      invalid("period", `period must be one of ${[...PERIOD_NAMES, "all", "custom"].join(", ")}`);
  }
  assertValidRange(range);
  return { ...range, interval: defaultInterval(range), intervals: validIntervals(range, zone) };
}

/**
 * The period just before (`direction` -1) or after (+1) `range`, of the same length: the
 * comparison period, and where ← and → go. Length is counted in the zone's calendar when the
 * range is whole local months (this month → last month, 12mo → the 12 months before) or whole
 * local days (today → yesterday even across a 23- or 25-hour day, so its day and hour buckets
 * line up); otherwise in milliseconds (realtime → the 30 minutes before).
 */
export function shiftPeriod(range: TimeRange, direction: -1 | 1, timeZone = "UTC"): TimeRange {
  assertValidRange(range);
  const zone = parseTimeZone(timeZone);
  const { from, to } = range;
  const fromDay = localDay(from, zone);
  const toDay = localDay(to, zone);
  if (startOfLocalDay(fromDay, zone) === from && startOfLocalDay(toDay, zone) === to) {
    const fromDate = new Date(fromDay * DAY);
    const toDate = new Date(toDay * DAY);
    if (fromDate.getUTCDate() === 1 && toDate.getUTCDate() === 1) {
      const by = direction * ((toDate.getUTCFullYear() - fromDate.getUTCFullYear()) * 12 + toDate.getUTCMonth() - fromDate.getUTCMonth());
      const monthStart = (date: Date) => startOfLocalDay(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + by, 1) / DAY, zone);
      return { from: monthStart(fromDate), to: monthStart(toDate) };
    }
    const by = direction * (toDay - fromDay);
    return { from: startOfLocalDay(fromDay + by, zone), to: startOfLocalDay(toDay + by, zone) };
  }
  const by = direction * (to - from);
  return { from: from + by, to: to + by };
}

/** The period just before `range`, of the same length, for comparison (see shiftPeriod). */
export function previousPeriod(range: TimeRange, timeZone = "UTC"): TimeRange {
  return shiftPeriod(range, -1, timeZone);
}

// ---------------------------------------------------------------------------------------------
// Aligned pieces, for counting from stored buckets

/** Levels a range can be split into: hour, quarterHour and minute are UTC; day, week and month follow the zone given to alignedPieces (UTC by default). */
export type PieceLevel = "month" | "week" | "day" | "hour" | "quarterHour" | "minute";
/** One aligned piece of a range: the whole `level` bucket that starts at `start`. */
export type Piece = { level: PieceLevel; start: number };
/** The default levels: UTC months, days, hours, quarter-hours and minutes (each a union of the next, so the split is the fewest pieces). */
export const PIECE_LEVELS: readonly PieceLevel[] = ["month", "day", "hour", "quarterHour", "minute"];

const FIXED_LEVEL_MS: Partial<Record<PieceLevel, number>> = { hour: HOUR, quarterHour: QUARTER_HOUR, minute: MINUTE };
const LEVEL_ORDER: readonly PieceLevel[] = ["month", "week", "day", "hour", "quarterHour", "minute"];

function pieceStartAtOrAfter(t: number, level: PieceLevel, zone: string): number {
  const length = FIXED_LEVEL_MS[level];
  if (length) return t + mod(-t, length);
  const interval = level as "day" | "week" | "month";
  const start = startOf(t, interval, zone);
  return start === t ? t : nextStart(t, interval, zone);
}

function pieceEndOf(start: number, level: PieceLevel, zone: string): number {
  const length = FIXED_LEVEL_MS[level];
  return length ? start + length : nextStart(start, level as "day" | "week" | "month", zone);
}

/** Start of the `level` bucket containing instant t (`timeZone` as given to alignedPieces). */
export function pieceContaining(t: number, level: PieceLevel, timeZone = "UTC"): number {
  const length = FIXED_LEVEL_MS[level];
  return length ? t - mod(t, length) : startOf(t, level as "day" | "week" | "month", timeZone);
}

/** End of a piece (the start of the next bucket of its level); `timeZone` as given to alignedPieces. */
export function pieceEnd(piece: Piece, timeZone = "UTC"): number {
  if (!LEVEL_ORDER.includes(piece.level)) throw new Error(`unknown piece level ${JSON.stringify(piece.level)}`);
  assertInstant(piece.start, "start");
  return pieceEndOf(piece.start, piece.level, parseTimeZone(timeZone));
}

/**
 * Splits `[from, to)` (whole minutes) into whole buckets of the given levels, in order, tiling it
 * exactly: the coarsest level's whole buckets in the middle, each finer level's at the two edges
 * that are left (e.g. months in the middle, then days, hours, quarter-hours, minutes outwards).
 * With levels that nest (each a union of the next finer, as PIECE_LEVELS in UTC) that is the
 * fewest pieces: at most 14 minutes, 3 quarter-hours, 23 hours and 30 days at each edge, plus
 * the whole months. Without "minute" (the only level every whole-minute range tiles with), the range
 * must fall on the levels' grid (a visit property's buckets: whole hours and days); a range that does not throws.
 */
export function alignedPieces(range: TimeRange, levels: readonly PieceLevel[] = PIECE_LEVELS, timeZone = "UTC"): Piece[] {
  const pieces = tilePieces(range, levels, timeZone);
  if (pieces === null) throw new Error(`[${range.from}, ${range.to}) is not on the grid of the levels ${levels.join(", ")}`);
  return pieces;
}

/** Whether `[from, to)` splits into whole buckets of the given levels (always, when they include "minute"). */
export const tiles = (range: TimeRange, levels: readonly PieceLevel[], timeZone = "UTC") => tilePieces(range, levels, timeZone) !== null;

/** alignedPieces' split, or null when the range is off the levels' grid. */
function tilePieces(range: TimeRange, levels: readonly PieceLevel[], timeZone: string): Piece[] | null {
  assertValidRange(range);
  const zone = parseTimeZone(timeZone);
  for (const level of levels) if (!LEVEL_ORDER.includes(level)) throw new Error(`unknown piece level ${JSON.stringify(level)}`);
  const order = LEVEL_ORDER.filter((level) => levels.includes(level));
  const pieces: Piece[] = [];
  const split = (from: number, to: number, depth: number): boolean => {
    if (from >= to) return true;
    const level = order[depth];
    if (level === undefined) return false;
    const first = pieceStartAtOrAfter(from, level, zone);
    const middle: Piece[] = [];
    let end = first;
    for (let next = pieceEndOf(end, level, zone); end < to && next <= to; next = pieceEndOf(end, level, zone)) {
      middle.push({ level, start: end });
      end = next;
    }
    if (middle.length === 0) return split(from, to, depth + 1);
    if (!split(from, first, depth + 1)) return false;
    pieces.push(...middle);
    return split(end, to, depth + 1);
  };
  return split(range.from, range.to, 0) ? pieces : null;
}
