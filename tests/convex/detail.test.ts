import { describe, expect, test } from "vitest";
import { ConvexError } from "convex/values";
import { FULL_DETAIL, assertRangeKept, isRangeKept, isSeriesKept } from "../../src/shared/detail";

/** shared/detail.ts: which ranges the kept detail answers, and the refusal that names the grid. */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;
// Minutes kept from Nov 13, hours from Nov 6 (UTC midnights).
const DETAIL = { minutesSince: Date.UTC(2026, 10, 13), hoursSince: Date.UTC(2026, 10, 6) };

function refusal(range: { from: number; to: number }, detail = DETAIL, zone = "UTC", field?: string) {
  try {
    assertRangeKept(range, detail, zone, field);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(ConvexError);
    return (error as ConvexError<{ code: string; field: string; message: string }>).data;
  }
}

describe("the grid that holds", () => {
  test("any whole minute since minutesSince, whole hours since hoursSince, whole days before", () => {
    expect(isRangeKept({ from: DETAIL.minutesSince + 7 * MINUTE, to: DETAIL.minutesSince + DAY + 13 * MINUTE }, DETAIL, "UTC")).toBe(true);
    expect(isRangeKept({ from: DETAIL.hoursSince + 5 * HOUR, to: DETAIL.minutesSince + 7 * MINUTE }, DETAIL, "UTC")).toBe(true);
    expect(isRangeKept({ from: DETAIL.hoursSince - 3 * DAY, to: DETAIL.minutesSince + 7 * MINUTE }, DETAIL, "UTC")).toBe(true);
    expect(isRangeKept({ from: DETAIL.hoursSince - 3 * DAY + HOUR, to: DETAIL.hoursSince }, DETAIL, "UTC")).toBe(false);
    expect(isRangeKept({ from: DETAIL.hoursSince + HOUR + MINUTE, to: DETAIL.minutesSince }, DETAIL, "UTC")).toBe(false);
    // Nothing rolled up: every whole-minute range.
    expect(isRangeKept({ from: Date.UTC(2001, 0, 1, 0, 7), to: Date.UTC(2001, 0, 1, 0, 8) }, FULL_DETAIL, "UTC")).toBe(true);
  });

  test("a refusal names the edge at fault and the grid there, in the site's zone", () => {
    expect(refusal({ from: DETAIL.hoursSince - 2 * DAY + 7 * MINUTE, to: DETAIL.minutesSince })).toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "from",
      message: expect.stringContaining("whole days of the site's time zone (UTC)"),
    });
    const toAtFault = refusal({ from: DETAIL.hoursSince - 5 * DAY, to: DETAIL.hoursSince - DAY + 30 * MINUTE });
    expect(toAtFault).toMatchObject({ field: "to" });
    expect(toAtFault!.message).toContain("minute detail is kept from 2026-11-13 and hour detail from 2026-11-06 (UTC)");
    expect(refusal({ from: DETAIL.hoursSince + 30 * MINUTE, to: DETAIL.minutesSince })).toMatchObject({
      field: "from",
      message: expect.stringContaining("whole hours (UTC)"),
    });
    expect(refusal({ from: DETAIL.hoursSince, to: DETAIL.minutesSince }, DETAIL, "UTC", "interval")).toBeNull();
  });

  test("in a zone whose days start on the half hour, a day there is kept though its edges are no UTC hours", () => {
    // Kolkata (UTC+5:30): its midnights are at 18:30 UTC, and hour buckets are UTC hours.
    const midnight = Date.UTC(2026, 10, 5, 18, 30);
    const detail = { minutesSince: midnight + 7 * DAY, hoursSince: midnight };
    expect(isRangeKept({ from: midnight - 2 * DAY, to: midnight }, detail, "Asia/Kolkata")).toBe(true);
    // From a whole UTC hour before its hours are kept to its midnight takes two quarter-hours, rolled up.
    expect(isRangeKept({ from: midnight - 30 * MINUTE - 5 * HOUR, to: midnight }, detail, "Asia/Kolkata")).toBe(false);
  });

  test("a series is kept when each of its buckets is", () => {
    // Nov 5 to 12: its first day is before hours are kept.
    const week = { from: DETAIL.hoursSince - DAY, to: DETAIL.hoursSince + 6 * DAY };
    expect(isSeriesKept(week, "day", "UTC", DETAIL, "UTC")).toBe(true);
    expect(isSeriesKept(week, "hour", "UTC", DETAIL, "UTC")).toBe(false);
    expect(isSeriesKept({ from: DETAIL.hoursSince, to: DETAIL.minutesSince }, "hour", "UTC", DETAIL, "UTC")).toBe(true);
    // By the hours of a zone 30 minutes off UTC, each bucket needs quarter-hours: only where minutes are kept.
    expect(isSeriesKept({ from: DETAIL.hoursSince, to: DETAIL.minutesSince }, "hour", "Asia/Kolkata", DETAIL, "UTC")).toBe(false);
    expect(isSeriesKept({ from: DETAIL.minutesSince, to: DETAIL.minutesSince + DAY }, "hour", "Asia/Kolkata", DETAIL, "UTC")).toBe(true);
  });
});
