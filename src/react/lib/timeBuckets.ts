// Time buckets as the Stats API's `timeseries` returns them, read in an IANA time zone:
// the labels a person sees (tooltip, table, axis) and where the axis puts its ticks.
// Pure functions over Intl, so they run the same in the browser and in tests. The buckets
// themselves (where an hour, a day, a week begins in a zone) are shared/timeRanges.ts's.
import { wallClock, type Interval } from "../../shared/timeRanges.js";

export type { Interval };

/** One bucket of `timeseries`: its start (ms since the epoch) and its figures. */
export type TimeBucket = { start: number; pageviews: number; visitors: number };

// A fixed locale, as in format.ts, so every visitor of a public dashboard reads the same labels.
const LOCALE = "en-US";
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Intl.DateTimeFormat is slow to build; one per options set, kept. */
function formatter(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${timeZone}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (found === undefined) {
    found = new Intl.DateTimeFormat(LOCALE, { ...options, timeZone });
    formatters.set(key, found);
  }
  return found;
}

/** The wall-clock fields of an instant in a zone, and counters that cross day, month and year ends. */
export type LocalParts = {
  year: number;
  /** 1 to 12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** Days since 1970-01-01 of the local date (the same number in every zone for the same calendar day). */
  dayOrdinal: number;
  /** year * 12 + month - 1. */
  monthOrdinal: number;
  /** dayOrdinal * 1440 + minutes since local midnight. */
  minuteOrdinal: number;
};

export function localParts(at: number, timeZone: string): LocalParts {
  const { year, month, day, hour, minute } = wallClock(at, timeZone);
  const dayOrdinal = Date.UTC(year, month - 1, day) / DAY_MS;
  return {
    year,
    month,
    day,
    hour,
    minute,
    dayOrdinal,
    monthOrdinal: year * 12 + month - 1,
    minuteOrdinal: dayOrdinal * 1440 + hour * 60 + minute,
  };
}

/** The zone's short name at an instant: "GMT+5:30", "EDT", "UTC". */
export function zoneName(at: number, timeZone: string): string {
  return formatter(timeZone, { timeZoneName: "short" }).formatToParts(at).find((part) => part.type === "timeZoneName")?.value ?? timeZone;
}

const BUCKET_FORMATS: Record<Interval, Intl.DateTimeFormatOptions> = {
  minute: { weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" },
  hour: { weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" },
  day: { weekday: "short", month: "short", day: "numeric", year: "numeric" },
  week: { month: "short", day: "numeric", year: "numeric" },
  month: { month: "long", year: "numeric" },
};

/**
 * A bucket's start as a person reads it, in `timeZone`: "Tue, Jun 3, 2:05 PM",
 * "Tue, Jun 3, 2025", "Week of Jun 2, 2025", "June 2025". With `withZone`,
 * a time of day is followed by the zone's short name ("… 2:05 PM GMT+5:30"),
 * which tells apart the two 1:30 AMs of a night when clocks go back.
 */
export function bucketLabel(start: number, interval: Interval, timeZone: string, withZone = false): string {
  const options = withZone && (interval === "minute" || interval === "hour") ? { ...BUCKET_FORMATS[interval], timeZoneName: "short" as const } : BUCKET_FORMATS[interval];
  const text = formatter(timeZone, options).format(start);
  return interval === "week" ? `Week of ${text}` : text;
}

/** Whether the zone's offset changes inside the buckets (a clock change): then times need the zone's name to be unambiguous. */
export function offsetChanges(starts: readonly number[], timeZone: string): boolean {
  if (starts.length < 2) return false;
  const first = zoneName(starts[0], timeZone);
  return starts.some((start) => zoneName(start, timeZone) !== first);
}

const RANGE_FORMATS: Record<Interval, Intl.DateTimeFormatOptions> = {
  minute: { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" },
  hour: { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" },
  day: { month: "short", day: "numeric", year: "numeric" },
  week: { month: "short", day: "numeric", year: "numeric" },
  month: { month: "long", year: "numeric" },
};

/** The span from the first bucket's start to the last one's: "Jun 1 – 30, 2025", "Jun 3, 2:00 – 11:00 PM". */
export function rangeLabel(first: number, last: number, interval: Interval, timeZone: string): string {
  const format = formatter(timeZone, RANGE_FORMATS[interval]);
  return first === last ? format.format(first) : format.formatRange(first, last);
}

export const INTERVAL_NOUN: Record<Interval, string> = { minute: "minute", hour: "hour", day: "day", week: "week", month: "month" };

// ---- Axis ticks --------------------------------------------------------------------------------

type TickKind = "minute" | "hour" | "day" | "month" | "year";

/** A way to place ticks: at each bucket where `key` changes (a new hour, a new Monday...), no finer than the buckets. */
type TickRule = { kind: TickKind; finestInterval: Interval; key: (parts: LocalParts, first: LocalParts) => number; labelWidth: number };

const INTERVAL_RANK: Record<Interval, number> = { minute: 0, hour: 1, day: 2, week: 3, month: 4 };

// Finest first. Label widths are what the axis font (12px) needs for the longest label of the kind, in CSS px.
const TICK_RULES: TickRule[] = [
  ...[1, 2, 5, 10, 15, 30].map((step): TickRule => ({ kind: "minute", finestInterval: "minute", key: (p) => Math.floor(p.minuteOrdinal / step), labelWidth: 56 })),
  ...[1, 2, 3, 6, 12].map((step): TickRule => ({ kind: "hour", finestInterval: "hour", key: (p) => Math.floor(p.minuteOrdinal / (60 * step)), labelWidth: 40 })),
  // Every day, or every other day counted from the first (so a short range's first day has its label).
  ...[1, 2].map((step): TickRule => ({ kind: "day", finestInterval: "day", key: (p, first) => Math.floor((p.dayOrdinal - first.dayOrdinal) / step), labelWidth: 44 })),
  // Mondays (1970-01-01 was a Thursday), then every other Monday.
  ...[1, 2].map((step): TickRule => ({ kind: "day", finestInterval: "week", key: (p) => Math.floor((p.dayOrdinal + 3) / (7 * step)), labelWidth: 44 })),
  ...[1, 2, 3, 6].map((step): TickRule => ({ kind: "month", finestInterval: "month", key: (p) => Math.floor(p.monthOrdinal / step), labelWidth: 32 })),
  ...[1, 2, 5, 10, 20, 50].map((step): TickRule => ({ kind: "year", finestInterval: "month", key: (p) => Math.floor(p.year / step), labelWidth: 36 })),
];

const TICK_GAP_PX = 14;

export type AxisTicks = { indices: number[]; labels: string[] };

/** What the axis needs of each bucket, computed once per data (not per draw). */
export type BucketClock = { parts: LocalParts[]; before: LocalParts | null };

export function bucketClock(starts: readonly number[], timeZone: string): BucketClock {
  return {
    parts: starts.map((start) => localParts(start, timeZone)),
    // The instant just before the first bucket: does the first bucket open a new hour, day, month?
    before: starts.length > 0 ? localParts(starts[0] - 1, timeZone) : null,
  };
}

/**
 * Where the x axis (one bucket every `plotWidth / (n - 1)` px) puts its labels:
 * the finest rule whose labels do not collide (every 5 minutes, every 6 hours,
 * every Monday, every quarter...), at buckets where a local hour, day or month
 * begins in the zone. Labels: "2:05 PM", "6 AM", "Jun 3", "Mar", "2026"; the
 * date (or year) goes on a second line where it changes, so every label can be
 * read without the one before.
 */
export function axisTicks(clock: BucketClock, interval: Interval, plotWidth: number): AxisTicks {
  const n = clock.parts.length;
  if (n === 0) return { indices: [], labels: [] };
  const pxPerBucket = n > 1 ? plotWidth / (n - 1) : plotWidth;
  const rules = TICK_RULES.filter((rule) => INTERVAL_RANK[rule.finestInterval] >= INTERVAL_RANK[interval]);

  let chosen: { rule: TickRule; indices: number[] } | null = null;
  for (const rule of rules) {
    const indices = ticksFor(clock, rule);
    const fits = indices.every((index, k) => k === 0 || (index - indices[k - 1]) * pxPerBucket >= rule.labelWidth + TICK_GAP_PX);
    if (fits && indices.length > 0) {
      chosen = { rule, indices };
      break;
    }
  }
  if (chosen === null) {
    // Nothing aligned fits (very narrow): the first bucket and evenly spaced ones after it, labelled as the buckets are.
    const rule = rules[0];
    const every = Math.max(1, Math.ceil((rule.labelWidth + TICK_GAP_PX) / pxPerBucket));
    chosen = { rule, indices: Array.from({ length: Math.ceil(n / every) }, (_, k) => k * every) };
  }
  const { rule, indices } = chosen;
  const spansYears = clock.parts[0].year !== clock.parts[n - 1].year;
  return {
    indices,
    labels: indices.map((index, k) => tickLabel(clock.parts[index], k === 0 ? null : clock.parts[indices[k - 1]], rule.kind, spansYears)),
  };
}

function ticksFor(clock: BucketClock, rule: TickRule): number[] {
  const indices: number[] = [];
  const first = clock.parts[0];
  let previousKey = clock.before === null ? NaN : rule.key(clock.before, first);
  clock.parts.forEach((parts, index) => {
    const key = rule.key(parts, first);
    if (key !== previousKey) indices.push(index);
    previousKey = key;
  });
  return indices;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function clockTime(parts: LocalParts, withMinutes: boolean): string {
  const hour12 = parts.hour % 12 === 0 ? 12 : parts.hour % 12;
  const suffix = parts.hour < 12 ? "AM" : "PM";
  return withMinutes ? `${hour12}:${String(parts.minute).padStart(2, "0")} ${suffix}` : `${hour12} ${suffix}`;
}

function tickLabel(parts: LocalParts, previous: LocalParts | null, kind: TickKind, spansYears: boolean): string {
  const date = `${MONTHS[parts.month - 1]} ${parts.day}`;
  switch (kind) {
    case "minute":
    case "hour": {
      // "6 AM", but "6:30 AM" where a zone's hours do not start on the hour.
      const time = clockTime(parts, kind === "minute" || parts.minute !== 0);
      return previous === null || previous.dayOrdinal !== parts.dayOrdinal ? `${time}\n${date}` : time;
    }
    case "day":
      // The year under the first date of a range that crosses New Year, and under the first date of each new year.
      return (previous === null && spansYears) || (previous !== null && previous.year !== parts.year) ? `${date}\n${parts.year}` : date;
    case "month":
      return previous === null || previous.year !== parts.year ? `${MONTHS[parts.month - 1]}\n${parts.year}` : MONTHS[parts.month - 1];
    case "year":
      return String(parts.year);
  }
}
