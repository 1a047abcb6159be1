import { ConvexError } from "convex/values";
import { PIECE_LEVELS, alignedPieces, buckets, localDate, tiles, type Interval, type Piece, type TimeRange } from "./timeRanges.js";
import type { InvalidArgument } from "./validation.js";

/**
 * How much detail the stats keep for old data (prds/rollup.md). Minute and
 * quarter-hour buckets are kept from `minutesSince` on, hour buckets from
 * `hoursSince` on (local midnights of the site's zone), days, weeks and months
 * forever. A range is answered exactly from the buckets it splits into, so a
 * range is answerable when each of its pieces is kept: before `minutesSince`
 * its edges fall on whole hours, before `hoursSince` on whole days. The server
 * refuses any other range; the dashboard offers only the intervals that fit.
 */
export type DetailHorizons = { minutesSince: number; hoursSince: number };

/** The levels a visit property's buckets keep below all time: whole UTC hours, and days and months of the site's zone. */
export const PROPERTY_PIECE_LEVELS = ["month", "day", "hour"] as const satisfies readonly Piece["level"][];

/** Whether a visit property's buckets answer `[from, to)`; off their grid, only the visits in progress do (component/read/openVisits.ts). */
export const isOnPropertyGrid = (range: TimeRange, siteZone: string) => tiles(range, PROPERTY_PIECE_LEVELS, siteZone);

/** Nothing rolled up: every level kept for all time. */
export const FULL_DETAIL: DetailHorizons = { minutesSince: 0, hoursSince: 0 };

/** Whether the bucket a piece stands for (a time bucket of any level, "all" included) is still kept. */
export function isPieceKept(piece: { level: string; start: number }, detail: DetailHorizons): boolean {
  if (piece.level === "minute" || piece.level === "quarterHour") return piece.start >= detail.minutesSince;
  if (piece.level === "hour") return piece.start >= detail.hoursSince;
  return true;
}

const LEVEL_NAMES: Record<Piece["level"], string> = { minute: "minute", quarterHour: "quarter-hour", hour: "hour", day: "day", week: "week", month: "month" };

/** Why `range` cannot be answered (a piece it needs was rolled up), or null when it can. */
function rolledUpPiece(range: TimeRange, detail: DetailHorizons, siteZone: string): Piece | null {
  if (range.from >= detail.minutesSince) return null;
  return alignedPieces(range, PIECE_LEVELS, siteZone).find((piece) => !isPieceKept(piece, detail)) ?? null;
}

/** Whether `[from, to)` splits into kept buckets. */
export function isRangeKept(range: TimeRange, detail: DetailHorizons, siteZone: string): boolean {
  return rolledUpPiece(range, detail, siteZone) === null;
}

/** Whether every bucket of a time series of `range` by `interval` (in `seriesZone`) can be answered. */
export function isSeriesKept(range: TimeRange, interval: Interval, seriesZone: string, detail: DetailHorizons, siteZone: string): boolean {
  if (range.from >= detail.minutesSince) return true;
  return seriesSpans(range, interval, seriesZone).every((span) => isRangeKept(span, detail, siteZone));
}

/** The part of the range inside each bucket of a time series: the spans a series answers. */
export function seriesSpans(range: TimeRange, interval: Interval, seriesZone: string): TimeRange[] {
  const starts = buckets(range, interval, seriesZone);
  return starts.map((start, i) => ({ from: Math.max(start, range.from), to: Math.min(starts[i + 1] ?? range.to, range.to) }));
}

/**
 * Refuses (INVALID_ARGUMENT) a range that needs buckets already rolled up,
 * naming the grid that holds there. `field` names the argument at fault
 * (default: `from` or `to`, whichever edge needs the dropped bucket).
 */
export function assertRangeKept(range: TimeRange, detail: DetailHorizons, siteZone: string, field?: string): void {
  const piece = rolledUpPiece(range, detail, siteZone);
  if (piece === null) return;
  const atFault = field ?? (piece.start - range.from <= range.to - (piece.start + 1) ? "from" : "to");
  const grid = piece.start < detail.hoursSince ? `whole days of the site's time zone (${siteZone})` : "whole hours (UTC)";
  const day = (t: number) => localDate(t, siteZone);
  throw new ConvexError<InvalidArgument>({
    code: "INVALID_ARGUMENT",
    field: atFault,
    message:
      `Older data is rolled up: minute detail is kept from ${day(detail.minutesSince)} and hour detail from ${day(detail.hoursSince)} (${siteZone}). ` +
      `Before then a range must fall on ${grid}; this one needs the ${LEVEL_NAMES[piece.level]} starting ${new Date(piece.start).toISOString()}.`,
  });
}
