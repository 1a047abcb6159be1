import { afterEach, describe, expect, test, vi } from "vitest";
import { ConvexError } from "convex/values";
import { EARLIEST_RANGE_MS, LATEST_RANGE_MS, MAX_BUCKETS, MAX_RANGE_DAYS } from "../../src/shared/config";
import {
  INTERVALS,
  isoInZone,
  PIECE_LEVELS,
  alignedPieces,
  assertValidRange,
  bucketStart,
  buckets,
  defaultInterval,
  localDate,
  nextBucketStart,
  parseTimeZone,
  pieceEnd,
  previousPeriod,
  resolvePeriod,
  shiftPeriod,
  siteTimeZone,
  validIntervals,
  type Interval,
  type Piece,
  type PieceLevel,
  type TimeRange,
} from "../../src/shared/timeRanges";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (text: string) => Date.parse(text);
const iso = (t: number) => new Date(t).toISOString().replace(":00.000Z", "Z");
const isoList = (ts: number[]) => ts.map(iso);
/** Lengths of consecutive buckets, in hours, the last one ending at `end`. */
const hoursBetween = (starts: number[], end: number) => starts.map((s, i) => ((starts[i + 1] ?? end) - s) / HOUR);

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

/** Expects a ConvexError { code, field, message } and returns its message. */
function expectRejected(fn: () => unknown, field: string, code = "INVALID_ARGUMENT"): string {
  const error = caught(fn);
  expect(error).toBeInstanceOf(ConvexError);
  const data = (error as ConvexError<{ code: string; field: string; message: string }>).data;
  expect(data).toMatchObject({ code, field });
  expect(data.message.length).toBeGreaterThan(10);
  return data.message;
}

// ---------------------------------------------------------------------------------------------
// An independent oracle: the wall clock from Intl in another locale, with the offset spelled out
// by Intl itself ("GMT+05:30"), scanned minute by minute. A bucket boundary is where the key changes.

const oracleFormats = new Map<string, Intl.DateTimeFormat>();
function wallClock(t: number, zone: string) {
  let format = oracleFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "longOffset",
    });
    oracleFormats.set(zone, format);
  }
  const p = Object.fromEntries(format.formatToParts(t).map((part) => [part.type, part.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, hour: p.hour, minute: p.minute, offset: p.timeZoneName };
}

function oracleKey(t: number, zone: string, interval: Interval): string {
  const w = wallClock(t, zone);
  switch (interval) {
    case "minute": return `${w.date} ${w.hour}:${w.minute} ${w.offset}`;
    case "hour": return `${w.date} ${w.hour} ${w.offset}`;
    case "day": return w.date;
    case "week": {
      const d = Date.parse(`${w.date}T00:00:00Z`);
      return new Date(d - ((new Date(d).getUTCDay() + 6) % 7) * DAY).toISOString().slice(0, 10);
    }
    case "month": return w.date.slice(0, 7);
  }
}

/** Every minute t in (from, to) where the oracle's key changes. */
function oracleBoundaries(zone: string, interval: Interval, from: number, to: number): number[] {
  const found: number[] = [];
  let previous = oracleKey(from, zone, interval);
  for (let t = from + MINUTE; t < to; t += MINUTE) {
    const key = oracleKey(t, zone, interval);
    if (key !== previous) found.push(t);
    previous = key;
  }
  return found;
}

/**
 * buckets() over [from, to) agree with the oracle: the first holds `from` and starts on a
 * boundary, the rest are exactly the boundaries inside. And bucketStart and nextBucketStart give
 * the bucket around every minute of the range (for days and longer: every quarter-hour, and the
 * minutes next to each boundary; offsets and their changes are on quarter-hours).
 */
function expectOracleBuckets(zone: string, interval: Interval, from: number, to: number, checkInstants = true): number[] {
  const got = buckets({ from, to }, interval, zone);
  const key = (t: number) => oracleKey(t, zone, interval);
  expect(got[0]).toBeLessThanOrEqual(from);
  expect(key(got[0])).toBe(key(from));
  expect(key(got[0] - MINUTE)).not.toBe(key(got[0]));
  expect(isoList(got.slice(1))).toEqual(isoList(oracleBoundaries(zone, interval, from, to)));
  if (!checkInstants) return got;
  const ends = [...got.slice(1), nextBucketStart(got[got.length - 1], interval, zone)];
  const step = interval === "minute" || interval === "hour" ? MINUTE : 15 * MINUTE;
  const near = new Set(got.flatMap((s) => [s - MINUTE, s, s + MINUTE]));
  let i = 0;
  for (let t = from; t < to; t += MINUTE) {
    if (t >= ends[i]) i++;
    if ((t - from) % step !== 0 && !near.has(t)) continue;
    if (bucketStart(t, interval, zone) !== got[i] || nextBucketStart(t, interval, zone) !== ends[i]) {
      expect([iso(t), iso(bucketStart(t, interval, zone)), iso(nextBucketStart(t, interval, zone))]).toEqual([iso(t), iso(got[i]), iso(ends[i])]);
    }
  }
  return got;
}

// ---------------------------------------------------------------------------------------------

describe("range validation", () => {
  const from = at("2026-11-01T00:00:00Z");

  test("a valid range passes; exactly 10 years (3,653 days) is allowed", () => {
    expect(() => assertValidRange({ from, to: from + MINUTE })).not.toThrow();
    expect(() => assertValidRange({ from, to: from + MAX_RANGE_DAYS * DAY })).not.toThrow();
  });

  test("from >= to", () => {
    expect(expectRejected(() => assertValidRange({ from, to: from }), "to")).toMatch(/to must be after from/);
    expectRejected(() => assertValidRange({ from, to: from - MINUTE }), "to");
  });

  test("not finite, or not a number", () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      expect(expectRejected(() => assertValidRange({ from: bad, to: from }), "from")).toMatch(/finite/);
      expectRejected(() => assertValidRange({ from, to: bad }), "to");
    }
    expectRejected(() => assertValidRange({ from: "2026-11-01" as unknown as number, to: from }), "from");
  });

  test("not on a whole minute", () => {
    expect(expectRejected(() => assertValidRange({ from: from + 1, to: from + HOUR }), "from")).toMatch(/whole minute/);
    expectRejected(() => assertValidRange({ from, to: from + HOUR + 30_000 }), "to");
  });

  test("longer than 10 years", () => {
    const message = expectRejected(() => assertValidRange({ from, to: from + (MAX_RANGE_DAYS + 1) * DAY }), "to");
    expect(message).toMatch(/at most 10 years \(3,653 days\).*3,654 days/);
  });

  test("outside 2000–2099", () => {
    expect(expectRejected(() => assertValidRange({ from: EARLIEST_RANGE_MS - MINUTE, to: from }), "from")).toMatch(/2000-01-01/);
    expectRejected(() => assertValidRange({ from: LATEST_RANGE_MS - DAY, to: LATEST_RANGE_MS + MINUTE }), "to");
    expect(() => assertValidRange({ from: EARLIEST_RANGE_MS, to: EARLIEST_RANGE_MS + DAY })).not.toThrow();
  });

  test("beyond the range of a Date (±8.64e15 ms): INVALID_ARGUMENT naming the number, not a RangeError from the message", () => {
    expect(expectRejected(() => assertValidRange({ from: 1e20, to: 2e20 }), "from")).toMatch(/2000-01-01.*got 100000000000000000000 ms/);
    expectRejected(() => assertValidRange({ from: -1e20, to: from }), "from");
    expectRejected(() => assertValidRange({ from, to: 1e308 }), "to");
    expectRejected(() => assertValidRange({ from: -8.64e15 - MINUTE, to: from }), "from");
  });

  test("an unknown interval", () => {
    expectRejected(() => buckets({ from, to: from + DAY }, "year" as Interval, "UTC"), "interval");
  });
});

describe("time zones", () => {
  afterEach(() => vi.unstubAllEnvs());

  test("IANA names are accepted, in the spelling the runtime lists", () => {
    for (const zone of ["Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "America/New_York", "Australia/Adelaide", "UTC", "Etc/GMT+5"]) {
      expect(parseTimeZone(zone)).toBe(zone);
    }
    expect(parseTimeZone("utc")).toBe("UTC");
    expect(parseTimeZone("europe/berlin")).toBe("Europe/Berlin");
  });

  test("anything else is rejected on field timeZone (or the field given)", () => {
    for (const bad of ["Mars/Olympus_Mons", "", " Europe/Berlin", "Europe/Berlin ", "+05:30", "-08:00", "GMT+5:30", "Europe/", "x".repeat(200), 42, null, undefined]) {
      expectRejected(() => parseTimeZone(bad), "timeZone");
    }
    expect(expectRejected(() => parseTimeZone("Europe/Berlinn", "tz"), "tz")).toMatch(/"Europe\/Berlinn" is not a time zone/);
    expectRejected(() => buckets({ from: at("2026-01-01T00:00Z"), to: at("2026-01-02T00:00Z") }, "day", "Mars/Base"), "timeZone");
  });

  test("siteTimeZone reads STATS_TIME_ZONE: UTC when unset or blank, the zone when valid", () => {
    expect(siteTimeZone({})).toBe("UTC");
    expect(siteTimeZone(undefined)).toBe("UTC");
    expect(siteTimeZone({ STATS_TIME_ZONE: "  " })).toBe("UTC");
    expect(siteTimeZone({ STATS_TIME_ZONE: "Asia/Kathmandu" })).toBe("Asia/Kathmandu");
    expect(siteTimeZone({ STATS_TIME_ZONE: " Europe/Berlin\n" })).toBe("Europe/Berlin");
    vi.stubEnv("STATS_TIME_ZONE", "Australia/Adelaide");
    expect(siteTimeZone()).toBe("Australia/Adelaide");
    vi.stubEnv("STATS_TIME_ZONE", "");
    expect(siteTimeZone()).toBe("UTC");
  });

  test("a bad STATS_TIME_ZONE is a clear configuration error", () => {
    vi.stubEnv("STATS_TIME_ZONE", "Europe/Berlim");
    const message = expectRejected(() => siteTimeZone(), "STATS_TIME_ZONE", "INVALID_CONFIGURATION");
    expect(message).toMatch(/STATS_TIME_ZONE is "Europe\/Berlim".*npx convex env set STATS_TIME_ZONE/);
    expectRejected(() => siteTimeZone({ STATS_TIME_ZONE: "+01:00" }), "STATS_TIME_ZONE", "INVALID_CONFIGURATION");
  });
});

describe("day buckets follow local midnight", () => {
  test("America/New_York, March 2026: Sunday the 8th is 23 hours", () => {
    const from = at("2026-03-07T05:00Z");
    const to = at("2026-03-10T04:00Z");
    const days = expectOracleBuckets("America/New_York", "day", from, to);
    expect(isoList(days)).toEqual(["2026-03-07T05:00Z", "2026-03-08T05:00Z", "2026-03-09T04:00Z"]);
    expect(hoursBetween(days, to)).toEqual([24, 23, 24]);
  });

  test("America/New_York, November 2026: Sunday the 1st is 25 hours", () => {
    const from = at("2026-10-31T04:00Z");
    const to = at("2026-11-03T05:00Z");
    const days = expectOracleBuckets("America/New_York", "day", from, to);
    expect(isoList(days)).toEqual(["2026-10-31T04:00Z", "2026-11-01T04:00Z", "2026-11-02T05:00Z"]);
    expect(hoursBetween(days, to)).toEqual([24, 25, 24]);
  });

  test("Europe/Berlin, 2026: March 29 is 23 hours, October 25 is 25", () => {
    const march = expectOracleBuckets("Europe/Berlin", "day", at("2026-03-28T12:00Z"), at("2026-03-30T12:00Z"));
    expect(isoList(march)).toEqual(["2026-03-27T23:00Z", "2026-03-28T23:00Z", "2026-03-29T22:00Z"]);
    expect(march[2] - march[1]).toBe(23 * HOUR);
    const october = expectOracleBuckets("Europe/Berlin", "day", at("2026-10-24T12:00Z"), at("2026-10-26T12:00Z"));
    expect(isoList(october)).toEqual(["2026-10-23T22:00Z", "2026-10-24T22:00Z", "2026-10-25T23:00Z"]);
    expect(october[2] - october[1]).toBe(25 * HOUR);
  });

  test("a range that does not start on a boundary: the first bucket starts before it (and is clipped by the caller)", () => {
    const from = at("2026-11-01T15:37Z");
    const to = at("2026-11-02T05:01Z");
    expect(isoList(buckets({ from, to }, "day", "America/New_York"))).toEqual(["2026-11-01T04:00Z", "2026-11-02T05:00Z"]);
    expect(isoList(buckets({ from, to }, "day", "UTC"))).toEqual(["2026-11-01T00:00Z", "2026-11-02T00:00Z"]);
  });

  test("midnight skipped by DST (America/Santiago) and midnight repeated (America/Havana)", () => {
    // Santiago, 2026-09-06: 00:00 -04 becomes 01:00 -03, so the day starts at 01:00 local.
    const santiago = expectOracleBuckets("America/Santiago", "day", at("2026-09-05T12:00Z"), at("2026-09-07T12:00Z"));
    expect(isoList(santiago)).toEqual(["2026-09-05T04:00Z", "2026-09-06T04:00Z", "2026-09-07T03:00Z"]);
    // Havana, 2026-11-01: 01:00 CDT goes back to 00:00 CST, so midnight happens twice; the day starts at the first.
    const havana = expectOracleBuckets("America/Havana", "day", at("2026-10-31T12:00Z"), at("2026-11-02T12:00Z"));
    expect(isoList(havana)).toEqual(["2026-10-31T04:00Z", "2026-11-01T04:00Z", "2026-11-02T05:00Z"]);
    expect(bucketStart(at("2026-11-01T05:30Z"), "day", "America/Havana")).toBe(at("2026-11-01T04:00Z"));
  });
});

describe("hour buckets are local hours", () => {
  test("Asia/Kolkata (+5:30) hours start at :30 UTC, Asia/Kathmandu (+5:45) at :15 (local 06:00 is 00:15 UTC)", () => {
    const day = { from: at("2026-11-01T18:30Z"), to: at("2026-11-02T18:30Z") }; // Nov 2 in Kolkata
    const kolkata = expectOracleBuckets("Asia/Kolkata", "hour", day.from, day.to);
    expect(kolkata).toHaveLength(24);
    expect(kolkata.every((s) => new Date(s).getUTCMinutes() === 30)).toBe(true);
    const kathmandu = expectOracleBuckets("Asia/Kathmandu", "hour", day.from, day.to);
    expect(kathmandu).toHaveLength(25); // 18:30Z is inside the hour that starts at 18:15Z (local midnight)
    expect(kathmandu.every((s) => new Date(s).getUTCMinutes() === 15)).toBe(true);
    expect(iso(kathmandu[0])).toBe("2026-11-01T18:15Z");
    expect(bucketStart(at("2026-11-02T04:14Z"), "hour", "Asia/Kathmandu")).toBe(at("2026-11-02T03:15Z"));
    expect(nextBucketStart(at("2026-11-02T04:14Z"), "hour", "Asia/Kathmandu")).toBe(at("2026-11-02T04:15Z"));
  });

  test("Australia/Adelaide across its DST changes (+10:30 ↔ +9:30): still :30 UTC, 25 hours on April 5, 23 on October 4", () => {
    const april = buckets({ from: at("2026-04-04T13:30Z"), to: at("2026-04-05T14:30Z") }, "day", "Australia/Adelaide");
    expect(isoList(april)).toEqual(["2026-04-04T13:30Z"]);
    const aprilHours = expectOracleBuckets("Australia/Adelaide", "hour", at("2026-04-04T13:30Z"), at("2026-04-05T14:30Z"));
    expect(aprilHours).toHaveLength(25);
    expect(aprilHours.every((s) => new Date(s).getUTCMinutes() === 30)).toBe(true);
    // 02:xx local happens twice; each is its own hour.
    expect(bucketStart(at("2026-04-04T15:45Z"), "hour", "Australia/Adelaide")).toBe(at("2026-04-04T15:30Z"));
    expect(bucketStart(at("2026-04-04T16:45Z"), "hour", "Australia/Adelaide")).toBe(at("2026-04-04T16:30Z"));
    const octoberHours = expectOracleBuckets("Australia/Adelaide", "hour", at("2026-10-03T14:30Z"), at("2026-10-04T13:30Z"));
    expect(octoberHours).toHaveLength(23);
    expect(octoberHours.every((s) => new Date(s).getUTCMinutes() === 30)).toBe(true);
  });

  test("America/New_York: 25 hours on November 1 (01:00 twice), 23 on March 8", () => {
    const november = expectOracleBuckets("America/New_York", "hour", at("2026-11-01T04:00Z"), at("2026-11-02T05:00Z"));
    expect(november).toHaveLength(25);
    expect(hoursBetween(november, at("2026-11-02T05:00Z")).every((h) => h === 1)).toBe(true);
    expect(bucketStart(at("2026-11-01T06:30Z"), "hour", "America/New_York")).toBe(at("2026-11-01T06:00Z")); // 01:30 EST
    expect(bucketStart(at("2026-11-01T05:30Z"), "hour", "America/New_York")).toBe(at("2026-11-01T05:00Z")); // 01:30 EDT
    expect(expectOracleBuckets("America/New_York", "hour", at("2026-03-08T05:00Z"), at("2026-03-09T04:00Z"))).toHaveLength(23);
  });

  test("Australia/Lord_Howe's 30-minute DST change makes a 30-minute hour bucket", () => {
    // 2026-04-05 02:00 +11 (15:00Z) goes back to 01:30 +10:30: the hour 01:00 +11, then 01:30–02:00 +10:30.
    const hours = expectOracleBuckets("Australia/Lord_Howe", "hour", at("2026-04-04T13:00Z"), at("2026-04-04T17:30Z"));
    expect(hoursBetween(hours, at("2026-04-04T17:30Z"))).toEqual([1, 1, 0.5, 1, 1]);
    expect(bucketStart(at("2026-04-04T15:10Z"), "hour", "Australia/Lord_Howe")).toBe(at("2026-04-04T15:00Z"));
    // 2026-10-04 02:00 +10:30 (15:30Z) jumps to 02:30 +11: 02:30–03:00 is a half hour.
    const spring = expectOracleBuckets("Australia/Lord_Howe", "hour", at("2026-10-03T13:30Z"), at("2026-10-03T18:00Z"));
    expect(hoursBetween(spring, at("2026-10-03T18:00Z"))).toEqual([1, 1, 0.5, 1, 1]);
  });

  test("America/Caracas changed at half past (2007: 03:00 -4 → 02:30 -4:30; 2016: 02:30 -4:30 → 03:00 -4): the change starts a bucket", () => {
    const y2007 = expectOracleBuckets("America/Caracas", "hour", at("2007-12-09T05:00Z"), at("2007-12-09T09:30Z"));
    expect(isoList(y2007)).toEqual(["2007-12-09T05:00Z", "2007-12-09T06:00Z", "2007-12-09T07:00Z", "2007-12-09T07:30Z", "2007-12-09T08:30Z"]);
    const y2016 = expectOracleBuckets("America/Caracas", "hour", at("2016-05-01T05:30Z"), at("2016-05-01T09:00Z"));
    expect(isoList(y2016)).toEqual(["2016-05-01T05:30Z", "2016-05-01T06:30Z", "2016-05-01T07:00Z", "2016-05-01T08:00Z"]);
    expect(nextBucketStart(at("2016-05-01T06:45Z"), "hour", "America/Caracas")).toBe(at("2016-05-01T07:00Z"));
  });

  test("minute buckets are UTC minutes", () => {
    const minutes = expectOracleBuckets("Asia/Kathmandu", "minute", at("2026-11-01T10:00Z"), at("2026-11-01T10:30Z"));
    expect(minutes).toHaveLength(30);
    expect(bucketStart(at("2026-11-01T10:07:59.999Z"), "minute", "Asia/Kathmandu")).toBe(at("2026-11-01T10:07Z"));
  });
});

describe("weeks and months", () => {
  test("weeks start on Monday at local midnight (Europe/Berlin, across the October change)", () => {
    const weeks = expectOracleBuckets("Europe/Berlin", "week", at("2026-10-14T12:00Z"), at("2026-11-03T12:00Z"));
    expect(isoList(weeks)).toEqual(["2026-10-11T22:00Z", "2026-10-18T22:00Z", "2026-10-25T23:00Z", "2026-11-01T23:00Z"]);
    for (const s of weeks) expect(new Date(s + 2 * HOUR).getUTCDay()).toBe(1);
    expect(hoursBetween(weeks, at("2026-11-08T23:00Z"))).toEqual([168, 169, 168, 168]);
    // Sunday 23:59 local is still the week before; Monday 00:00 starts the next.
    expect(bucketStart(at("2026-11-01T22:59Z"), "week", "Europe/Berlin")).toBe(at("2026-10-25T23:00Z"));
    expect(bucketStart(at("2026-11-01T23:00Z"), "week", "Europe/Berlin")).toBe(at("2026-11-01T23:00Z"));
  });

  test("months start on the 1st at local midnight: 2026 in Europe/Berlin", () => {
    const from = at("2025-12-31T23:00Z");
    const to = at("2026-12-31T23:00Z");
    const months = buckets({ from, to }, "month", "Europe/Berlin");
    expect(months.map((s) => localDate(s, "Europe/Berlin"))).toEqual(
      Array.from({ length: 12 }, (_, m) => `2026-${String(m + 1).padStart(2, "0")}-01`),
    );
    expect(hoursBetween(months, to).map((h) => h / 24)).toEqual(
      [31, 28, 31 - 1 / 24, 30, 31, 30, 31, 31, 30, 31 + 1 / 24, 30, 31],
    );
    // The oracle agrees around the two changes.
    expectOracleBuckets("Europe/Berlin", "month", at("2026-03-30T12:00Z"), at("2026-04-02T12:00Z"));
    expectOracleBuckets("Europe/Berlin", "month", at("2026-10-30T12:00Z"), at("2026-11-02T12:00Z"));
  });

  test("bucketStart and nextBucketStart agree with the oracle at random instants in many zones", () => {
    const random = mulberry32(7);
    const zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Adelaide", "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham", "America/St_Johns"];
    for (let i = 0; i < 400; i++) {
      const zone = zones[i % zones.length];
      const interval = INTERVALS[Math.floor(random() * INTERVALS.length)];
      const t = at("2026-01-01T00:00Z") + Math.floor(random() * 365 * DAY);
      const key = (x: number) => oracleKey(x, zone, interval);
      const start = bucketStart(t, interval, zone);
      const next = nextBucketStart(t, interval, zone);
      expect(start).toBeLessThanOrEqual(t);
      expect(next).toBeGreaterThan(t);
      expect(key(start)).toBe(key(t));
      expect(key(start - MINUTE)).not.toBe(key(start));
      expect(key(next - MINUTE)).toBe(key(t));
      expect(key(next)).not.toBe(key(t));
    }
  });
});

describe("every zone the runtime lists", () => {
  test("a year of day buckets starts at each change of local date (every 9th zone, and those named above), and hour buckets match the oracle on its DST days", () => {
    const named = ["America/New_York", "Europe/Berlin", "Australia/Adelaide", "Australia/Lord_Howe", "America/Santiago", "America/Havana", "Antarctica/Troll"];
    const zones = [...new Set([...named, ...Intl.supportedValuesOf("timeZone").filter((_, i) => i % 9 === 0)])];
    expect(zones.length).toBeGreaterThan(50);
    const from = at("2026-01-01T00:00Z");
    const to = at("2027-01-01T00:00Z");
    let dstDays = 0;
    for (const zone of zones) {
      const days = buckets({ from, to }, "day", zone);
      expect(days.length).toBeGreaterThanOrEqual(365);
      for (let i = 0; i < days.length; i++) {
        const s = days[i];
        const next = days[i + 1] ?? nextBucketStart(s, "day", zone);
        expect(oracleKey(s - MINUTE, zone, "day") < oracleKey(s, zone, "day")).toBe(true);
        expect(oracleKey(next - MINUTE, zone, "day")).toBe(oracleKey(s, zone, "day"));
        if (next - s !== DAY && next - s !== 0) {
          dstDays++;
          expectOracleBuckets(zone, "hour", s, next, false);
        }
      }
    }
    expect(dstDays).toBeGreaterThan(10);
  }, 30_000);
});

describe("the bucket limit", () => {
  const from = at("2026-11-01T00:00Z");

  test(`${MAX_BUCKETS} buckets are allowed, one more is refused on field "interval"`, () => {
    expect(buckets({ from, to: from + MAX_BUCKETS * MINUTE }, "minute", "UTC")).toHaveLength(MAX_BUCKETS);
    const message = expectRejected(() => buckets({ from, to: from + (MAX_BUCKETS + 1) * MINUTE }, "minute", "UTC"), "interval");
    expect(message).toMatch(/more than 1,000 buckets.*use hour/);
    // Kolkata's hours start at :30 UTC, so 1,000 UTC hours from a UTC hour touch 1,001 of them (both ends clipped).
    expectRejected(() => buckets({ from, to: from + MAX_BUCKETS * HOUR }, "hour", "Asia/Kolkata"), "interval");
    expect(buckets({ from, to: from + (MAX_BUCKETS - 1) * HOUR }, "hour", "Asia/Kolkata")).toHaveLength(MAX_BUCKETS);
    expect(buckets({ from: from - 30 * MINUTE, to: from + (MAX_BUCKETS - 0.5) * HOUR }, "hour", "Asia/Kolkata")).toHaveLength(MAX_BUCKETS);
  });

  test("a 10-year range refuses minutes, hours and days quickly, and gives weeks and months", () => {
    const range = { from: at("2016-01-01T00:00Z"), to: at("2026-01-01T00:00Z") };
    const started = Date.now();
    for (const interval of ["minute", "hour", "day"] as const) {
      expect(expectRejected(() => buckets(range, interval, "Europe/Berlin"), "interval")).toMatch(/use week or month/);
    }
    expect(buckets(range, "week", "Europe/Berlin")).toHaveLength(523);
    expect(buckets(range, "month", "Europe/Berlin")).toHaveLength(121); // the first starts Dec 31 23:00Z, local Jan 1
    expect(validIntervals(range, "Europe/Berlin")).toEqual(["week", "month"]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("named periods", () => {
  // Sunday 2026-11-01 15:07:30.5 in New York (EST, a 25-hour day); already Monday 2026-11-02 01:37 in Kolkata.
  const now = at("2026-11-01T20:07:30.500Z");

  const cases: Record<string, Record<string, [string, string, Interval, Interval[]]>> = {
    "America/New_York": {
      realtime: ["2026-11-01T19:38Z", "2026-11-01T20:08Z", "minute", ["minute"]],
      today: ["2026-11-01T04:00Z", "2026-11-02T05:00Z", "hour", ["hour", "day"]],
      yesterday: ["2026-10-31T04:00Z", "2026-11-01T04:00Z", "hour", ["hour", "day"]],
      "7d": ["2026-10-26T04:00Z", "2026-11-02T05:00Z", "day", ["hour", "day", "week"]],
      "30d": ["2026-10-03T04:00Z", "2026-11-02T05:00Z", "day", ["hour", "day", "week", "month"]],
      month: ["2026-11-01T04:00Z", "2026-12-01T05:00Z", "day", ["hour", "day", "week", "month"]],
      lastMonth: ["2026-10-01T04:00Z", "2026-11-01T04:00Z", "day", ["hour", "day", "week", "month"]],
      "12mo": ["2025-12-01T05:00Z", "2026-12-01T05:00Z", "month", ["day", "week", "month"]],
    },
    "Asia/Kolkata": {
      realtime: ["2026-11-01T19:38Z", "2026-11-01T20:08Z", "minute", ["minute"]],
      today: ["2026-11-01T18:30Z", "2026-11-02T18:30Z", "hour", ["hour", "day"]],
      yesterday: ["2026-10-31T18:30Z", "2026-11-01T18:30Z", "hour", ["hour", "day"]],
      "7d": ["2026-10-26T18:30Z", "2026-11-02T18:30Z", "day", ["hour", "day", "week"]],
      "30d": ["2026-10-03T18:30Z", "2026-11-02T18:30Z", "day", ["hour", "day", "week", "month"]],
      month: ["2026-10-31T18:30Z", "2026-11-30T18:30Z", "day", ["hour", "day", "week", "month"]],
      lastMonth: ["2026-09-30T18:30Z", "2026-10-31T18:30Z", "day", ["hour", "day", "week", "month"]],
      "12mo": ["2025-11-30T18:30Z", "2026-11-30T18:30Z", "month", ["day", "week", "month"]],
    },
  };

  for (const [zone, periods] of Object.entries(cases)) {
    for (const [name, [from, to, interval, intervals]] of Object.entries(periods)) {
      test(`${name} in ${zone}`, () => {
        const period = resolvePeriod({ period: name as "today" }, now, zone);
        expect({ ...period, from: iso(period.from), to: iso(period.to) }).toEqual({ from, to, interval, intervals });
        expect(intervals).toContain(interval);
        // The default interval's buckets fit, and every listed interval gives 1 to 1,000 buckets.
        for (const each of period.intervals) {
          const count = buckets(period, each, zone).length;
          expect(count).toBeGreaterThanOrEqual(1);
          expect(count).toBeLessThanOrEqual(MAX_BUCKETS);
        }
      });
    }
  }

  test("today ends at the end of today: its future hours are buckets too (25 of them on New York's long day)", () => {
    const today = resolvePeriod({ period: "today" }, now, "America/New_York");
    expect(today.to).toBeGreaterThan(now);
    expect(buckets(today, "hour", "America/New_York")).toHaveLength(25);
  });

  test("all: from the local day of `since` to the end of today; at most 10 years", () => {
    const all = resolvePeriod({ period: "all", since: at("2026-06-15T02:00Z") }, now, "America/New_York");
    expect([iso(all.from), iso(all.to), all.interval, all.intervals]).toEqual(["2026-06-14T04:00Z", "2026-11-02T05:00Z", "month", ["day", "week", "month"]]);
    const young = resolvePeriod({ period: "all", since: at("2026-11-01T19:00Z") }, now, "Asia/Kolkata");
    expect([iso(young.from), iso(young.to), young.interval, young.intervals]).toEqual(["2026-11-01T18:30Z", "2026-11-02T18:30Z", "hour", ["hour", "day"]]);
    const old = resolvePeriod({ period: "all", since: at("2005-03-01T00:00Z") }, now, "America/New_York");
    expect(old.to - old.from).toBeLessThanOrEqual(MAX_RANGE_DAYS * DAY);
    expect(old.to - old.from).toBeGreaterThan((MAX_RANGE_DAYS - 2) * DAY);
    expect(bucketStart(old.from, "day", "America/New_York")).toBe(old.from);
    expect([old.interval, old.intervals]).toEqual(["month", ["week", "month"]]);
    // since in the future (a clock ahead): just today.
    const future = resolvePeriod({ period: "all", since: now + DAY }, now, "UTC");
    expect([iso(future.from), iso(future.to)]).toEqual(["2026-11-01T00:00Z", "2026-11-02T00:00Z"]);
    expectRejected(() => resolvePeriod({ period: "all", since: NaN }, now, "UTC"), "since");
  });

  test("custom: local dates, both included", () => {
    const nov = resolvePeriod({ period: "custom", from: "2026-11-01", to: "2026-11-15" }, now, "America/New_York");
    expect([iso(nov.from), iso(nov.to), nov.interval, nov.intervals]).toEqual(["2026-11-01T04:00Z", "2026-11-16T05:00Z", "day", ["hour", "day", "week"]]);
    const one = resolvePeriod({ period: "custom", from: "2026-11-02", to: "2026-11-02" }, now, "Asia/Kathmandu");
    expect([iso(one.from), iso(one.to), one.interval]).toEqual(["2026-11-01T18:15Z", "2026-11-02T18:15Z", "hour"]);
    const year = resolvePeriod({ period: "custom", from: "2025-01-01", to: "2025-12-31" }, now, "UTC");
    expect([year.interval, year.intervals]).toEqual(["month", ["day", "week", "month"]]);
  });

  test("custom: bad dates", () => {
    const custom = (from: string, to: string) => () => resolvePeriod({ period: "custom", from, to }, now, "UTC");
    expect(expectRejected(custom("2026-11-1", "2026-11-15"), "from")).toMatch(/YYYY-MM-DD/);
    expect(expectRejected(custom("2026-11-01", "2026-02-30"), "to")).toMatch(/not a date in the calendar/);
    expect(expectRejected(custom("2026-11-15", "2026-11-01"), "to")).toMatch(/must not be before/);
    expect(expectRejected(custom("2010-01-01", "2026-01-01"), "to")).toMatch(/10 years/);
    expectRejected(custom("1999-12-31", "2000-01-05"), "from");
  });

  test("a bad period, zone or now", () => {
    expectRejected(() => resolvePeriod({ period: "fortnight" } as unknown as { period: "today" }, now, "UTC"), "period");
    expectRejected(() => resolvePeriod({ period: "today" }, now, "Nowhere/Land"), "timeZone");
    expectRejected(() => resolvePeriod({ period: "today" }, NaN, "UTC"), "now");
  });

  test("defaultInterval follows the length: minutes to 2 hours, hours to 3 days, days to 93 days, then months", () => {
    const from = at("2026-01-01T00:00Z");
    const of = (length: number) => defaultInterval({ from, to: from + length });
    expect([of(30 * MINUTE), of(2 * HOUR), of(2 * HOUR + MINUTE), of(3 * DAY), of(4 * DAY), of(93 * DAY), of(94 * DAY)]).toEqual(
      ["minute", "minute", "hour", "hour", "day", "day", "month"],
    );
  });
});

describe("previousPeriod", () => {
  const now = at("2026-11-01T20:07:30.500Z");
  const ny = "America/New_York";
  const previous = (name: "today" | "7d" | "month" | "12mo" | "realtime", zone: string) => {
    const p = previousPeriod(resolvePeriod({ period: name }, now, zone), zone);
    return [iso(p.from), iso(p.to)];
  };

  test("whole local days shift by days: today (25 hours) → yesterday (24 hours); 7d → the 7 days before", () => {
    expect(previous("today", ny)).toEqual(["2026-10-31T04:00Z", "2026-11-01T04:00Z"]);
    expect(previous("7d", ny)).toEqual(["2026-10-19T04:00Z", "2026-10-26T04:00Z"]);
    expect(previous("today", "Asia/Kolkata")).toEqual(["2026-10-31T18:30Z", "2026-11-01T18:30Z"]);
  });

  test("whole local months shift by months: this month → last month, 12mo → the 12 before", () => {
    expect(previous("month", ny)).toEqual(["2026-10-01T04:00Z", "2026-11-01T04:00Z"]);
    expect(previous("12mo", ny)).toEqual(["2024-12-01T05:00Z", "2025-12-01T05:00Z"]);
    expect(previous("month", "Asia/Kolkata")).toEqual(["2026-09-30T18:30Z", "2026-10-31T18:30Z"]);
  });

  test("anything else shifts by its length: realtime → the 30 minutes before; a 90-minute range → the 90 before", () => {
    expect(previous("realtime", ny)).toEqual(["2026-11-01T19:08Z", "2026-11-01T19:38Z"]);
    const range = { from: at("2026-11-01T10:30Z"), to: at("2026-11-01T12:00Z") };
    expect(previousPeriod(range)).toEqual({ from: at("2026-11-01T09:00Z"), to: range.from });
    // A day boundary in UTC is not one in New York.
    const utcDay = { from: at("2026-11-01T00:00Z"), to: at("2026-11-02T00:00Z") };
    expect(previousPeriod(utcDay)).toEqual({ from: at("2026-10-31T00:00Z"), to: utcDay.from });
    expect(previousPeriod(utcDay, ny)).toEqual({ from: at("2026-10-31T00:00Z"), to: utcDay.from });
  });

  test("the result is adjacent and valid", () => {
    for (const name of ["today", "7d", "month", "12mo", "realtime"] as const) {
      const range = resolvePeriod({ period: name }, now, ny);
      const before = previousPeriod(range, ny);
      expect(before.to).toBe(range.from);
      expect(() => assertValidRange(before)).not.toThrow();
    }
  });
});

// ---------------------------------------------------------------------------------------------

/** A small seeded random generator, so the random cases are the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random whole-minute range in 2000–2099, its length log-uniform from 1 minute to 10 years. */
function randomRange(random: () => number): TimeRange {
  const span = (LATEST_RANGE_MS - EARLIEST_RANGE_MS) / MINUTE;
  const from = EARLIEST_RANGE_MS + Math.floor(random() * span) * MINUTE;
  const minutes = Math.max(1, Math.floor(Math.exp(random() * Math.log((MAX_RANGE_DAYS * DAY) / MINUTE))));
  return { from, to: Math.min(from + minutes * MINUTE, LATEST_RANGE_MS) };
}

const FIXED: Partial<Record<PieceLevel, number>> = { hour: HOUR, quarterHour: 15 * MINUTE, minute: MINUTE };

/** The pieces tile [from, to) exactly, in order, each a whole bucket of its level. */
function expectTiles(range: TimeRange, pieces: Piece[], timeZone = "UTC") {
  expect(pieces.length).toBeGreaterThan(0);
  let position = range.from;
  for (const piece of pieces) {
    expect(piece.start).toBe(position);
    const fixed = FIXED[piece.level];
    if (fixed) expect(piece.start % fixed).toBe(0);
    else expect(bucketStart(piece.start, piece.level as Interval, timeZone)).toBe(piece.start);
    position = pieceEnd(piece, timeZone);
    expect(position).toBeGreaterThan(piece.start);
  }
  expect(position).toBe(range.to);
}

/** The fewest pieces that tile a (short) range from the given fixed-length UTC levels, by dynamic programming over its minutes. */
function fewestPieces(range: TimeRange, lengths: number[]): number {
  const n = (range.to - range.from) / MINUTE;
  const best = new Array<number>(n + 1).fill(Infinity);
  best[0] = 0;
  for (let i = 0; i < n; i++) {
    const t = range.from + i * MINUTE;
    for (const length of lengths) {
      const j = i + length / MINUTE;
      if (t % length === 0 && j <= n) best[j] = Math.min(best[j], best[i] + 1);
    }
  }
  return best[n];
}

describe("aligned pieces for counting", () => {
  test("an example: minutes, quarter-hours, hours, days, then months, and back", () => {
    const range = { from: at("2026-01-03T05:07Z"), to: at("2026-05-20T17:44Z") };
    const pieces = alignedPieces(range);
    expectTiles(range, pieces);
    const counts = (list: Piece[]) => Object.fromEntries(PIECE_LEVELS.map((level) => [level, list.filter((p) => p.level === level).length]));
    const months = pieces.filter((p) => p.level === "month");
    expect(isoList(months.map((p) => p.start))).toEqual(["2026-02-01T00:00Z", "2026-03-01T00:00Z", "2026-04-01T00:00Z"]);
    const left = pieces.slice(0, pieces.indexOf(months[0]));
    const right = pieces.slice(pieces.indexOf(months[2]) + 1);
    expect(counts(left)).toEqual({ month: 0, day: 28, hour: 18, quarterHour: 3, minute: 8 });
    expect(counts(right)).toEqual({ month: 0, day: 19, hour: 17, quarterHour: 2, minute: 14 });
  });

  test("small cases", () => {
    const t = at("2026-07-01T00:00Z");
    expect(alignedPieces({ from: t, to: t + MINUTE })).toEqual([{ level: "minute", start: t }]);
    expect(alignedPieces({ from: t, to: at("2026-08-01T00:00Z") })).toEqual([{ level: "month", start: t }]);
    expect(alignedPieces({ from: t + 14 * MINUTE, to: t + 16 * MINUTE })).toEqual([
      { level: "minute", start: t + 14 * MINUTE },
      { level: "minute", start: t + 15 * MINUTE },
    ]);
    expect(alignedPieces({ from: t, to: t + 2 * HOUR }, ["hour", "minute"])).toEqual([
      { level: "hour", start: t },
      { level: "hour", start: t + HOUR },
    ]);
    // Without minutes (a visit property's levels) a range on the finest level's grid tiles; one off it throws.
    expect(alignedPieces({ from: t, to: t + 2 * HOUR }, ["day", "hour"])).toEqual([
      { level: "hour", start: t },
      { level: "hour", start: t + HOUR },
    ]);
    expect(() => alignedPieces({ from: t, to: t + HOUR + MINUTE }, ["hour"])).toThrow(/not on the grid of the levels hour/);
    expectRejected(() => alignedPieces({ from: t + 1, to: t + HOUR }), "from");
  });

  test("300 seeded random ranges (1 minute to 10 years) tile exactly, in few pieces", () => {
    const random = mulberry32(20261101);
    for (let i = 0; i < 300; i++) {
      const range = randomRange(random);
      const pieces = alignedPieces(range);
      expectTiles(range, pieces);
      const months = pieces.filter((p) => p.level === "month").length;
      expect(pieces.length).toBeLessThanOrEqual(2 * (14 + 3 + 23 + 30) + months);
    }
  });

  test("the split is the fewest pieces (checked by exhaustive search on 60 seeded ranges up to 3 days)", () => {
    const random = mulberry32(42);
    const lengths = [DAY, HOUR, 15 * MINUTE, MINUTE];
    for (let i = 0; i < 60; i++) {
      const from = at("2026-03-10T00:00Z") + Math.floor(random() * 20 * 24 * 60) * MINUTE;
      const range = { from, to: from + (1 + Math.floor(random() * 3 * 24 * 60)) * MINUTE };
      expect(alignedPieces(range).length).toBe(fewestPieces(range, lengths));
    }
  });

  test("local days, weeks and months (Asia/Kathmandu, +5:45) with UTC hours: 100 seeded random ranges tile exactly", () => {
    const random = mulberry32(545);
    const zone = "Asia/Kathmandu";
    const levels: PieceLevel[] = ["month", "week", "day", "hour", "quarterHour", "minute"];
    for (let i = 0; i < 100; i++) {
      const range = randomRange(random);
      const pieces = alignedPieces(range, levels, zone);
      expectTiles(range, pieces, zone);
      const coarse = pieces.filter((p) => p.level === "month" || p.level === "week").length;
      expect(pieces.length).toBeLessThanOrEqual(2 * (14 + 3 + 3 + 23 + 30) + coarse);
    }
    // A local day starts at 18:15 UTC, so the hours stop at 18:00 and a quarter-hour reaches it.
    const day = alignedPieces({ from: at("2026-11-01T16:00Z"), to: at("2026-11-02T18:15Z") }, levels, zone);
    expect(day.map((p) => `${p.level} ${iso(p.start)}`)).toEqual([
      "hour 2026-11-01T16:00Z",
      "hour 2026-11-01T17:00Z",
      "quarterHour 2026-11-01T18:00Z",
      "day 2026-11-01T18:15Z",
    ]);
  });
});

describe("shiftPeriod", () => {
  // Local dates, first and last included, in Europe/Berlin (CET/CEST), shifted back (-1) or forward (+1).
  const zone = "Europe/Berlin";
  const local = (date: string) => resolvePeriod({ period: "custom", from: date, to: date }, at("2026-11-23T12:00Z"), zone).from;
  const dates = (range: TimeRange) => ({ from: localDate(range.from, zone), to: localDate(range.to - MINUTE, zone) });

  test("moves whole months by months and other whole days by days, across DST", () => {
    expect(dates(shiftPeriod({ from: local("2026-11-01"), to: local("2026-12-01") }, -1, zone))).toEqual({ from: "2026-10-01", to: "2026-10-31" });
    expect(dates(shiftPeriod({ from: local("2026-03-01"), to: local("2026-04-01") }, -1, zone))).toEqual({ from: "2026-02-01", to: "2026-02-28" });
    expect(dates(shiftPeriod({ from: local("2025-12-01"), to: local("2026-12-01") }, 1, zone))).toEqual({ from: "2026-12-01", to: "2027-11-30" });
    expect(dates(shiftPeriod({ from: local("2026-11-09"), to: local("2026-11-16") }, -1, zone))).toEqual({ from: "2026-11-02", to: "2026-11-08" });
    expect(dates(shiftPeriod({ from: local("2026-03-27"), to: local("2026-03-31") }, 1, zone))).toEqual({ from: "2026-03-31", to: "2026-04-03" });
  });

  test("moves anything else by its length in milliseconds; previousPeriod is a step back", () => {
    const range = { from: at("2026-11-23T10:07Z"), to: at("2026-11-23T10:37Z") };
    expect(shiftPeriod(range, 1)).toEqual({ from: at("2026-11-23T10:37Z"), to: at("2026-11-23T11:07Z") });
    expect(previousPeriod(range)).toEqual(shiftPeriod(range, -1));
  });
});

test("isoInZone writes the zone's offset, across daylight saving", () => {
  expect(isoInZone(Date.UTC(2024, 0, 1), "UTC")).toBe("2024-01-01T00:00:00+00:00");
  expect(isoInZone(Date.UTC(2024, 2, 31, 1), "Europe/Berlin")).toBe("2024-03-31T03:00:00+02:00");
  expect(isoInZone(Date.UTC(2024, 2, 31, 0, 59), "Europe/Berlin")).toBe("2024-03-31T01:59:00+01:00");
  expect(isoInZone(Date.UTC(2024, 0, 1, 5, 30), "America/St_Johns")).toBe("2024-01-01T02:00:00-03:30");
  expect(isoInZone(Date.UTC(2024, 0, 1) + 13 * MINUTE, "Asia/Kathmandu")).toBe("2024-01-01T05:58:00+05:45");
});
