import { ConvexError, v } from "convex/values";
import type { QueryCtx } from "../_generated/server";
import { BREAKDOWN_DEFAULT_LIMIT, BREAKDOWN_MAX_LIMIT } from "./config";
import { countPrevsBefore } from "./prevHistogram";
import { SITE_SCOPE, type BucketLevel, type TimeBucket } from "./timeBuckets";
import {
  PIECE_LEVELS,
  alignedPieces,
  assertValidInterval,
  assertValidRange,
  buckets,
  parseTimeZone,
  pieceContaining,
  pieceEnd,
  siteTimeZone,
  type Piece,
  type TimeRange,
} from "./timeRanges";
import { resolvePage } from "./titles";
import type { InvalidArgument } from "./validation";

/**
 * The Stats API's reads: exact page views and visitors for any whole-minute
 * range, from the worker's time buckets (model/timeBuckets.ts). A range is
 * split into whole buckets (months in the middle, then days, hours,
 * quarter-hours and minutes at its edges: at most ~160 for two years); each
 * adds its views, and its sessions whose previous view is before the range.
 * Runs of adjacent buckets of one level are read with one index range.
 */

export const vSummary = v.object({ from: v.number(), to: v.number(), pageviews: v.number(), visitors: v.number() });
export const vSeriesRow = v.object({ start: v.number(), pageviews: v.number(), visitors: v.number() });
export const vBreakdownRow = v.object({ value: v.string(), title: v.string(), pageviews: v.number(), visitors: v.number() });
type Figures = { pageviews: number; visitors: number };
type BreakdownRow = Figures & { value: string; title: string };
type CoverBucket = { level: BucketLevel; start: number };

const MINUTE = 60_000;
const BREAKDOWN_PROPERTIES = ["page"] as const;

function invalid(field: string, message: string): never {
  throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field, message });
}

/** The range as whole buckets of the site's levels: its week when it is exactly one (weeks do not nest in months), else its aligned pieces. */
function piecesOf(range: TimeRange, zone: string): Piece[] {
  const week: Piece = { level: "week", start: range.from };
  if (pieceContaining(range.from, "week", zone) === range.from && pieceEnd(week, zone) === range.to) return [week];
  return alignedPieces(range, PIECE_LEVELS, zone);
}

/** The stored bucket of each piece (null where nothing was viewed), a run of adjacent same-level pieces per index range. */
async function readBuckets(ctx: QueryCtx, scope: string, pieces: Piece[], zone: string): Promise<(TimeBucket | null)[]> {
  const found: (TimeBucket | null)[] = [];
  for (let first = 0; first < pieces.length; ) {
    const { level } = pieces[first];
    let last = first;
    while (last + 1 < pieces.length && pieces[last + 1].level === level && pieces[last + 1].start === pieceEnd(pieces[last], zone)) last++;
    const rows = await ctx.db
      .query("timeBuckets")
      .withIndex("by_scope_level_start", (q) => q.eq("scope", scope).eq("level", level).gte("start", pieces[first].start).lte("start", pieces[last].start))
      .collect();
    const byStart = new Map(rows.map((row) => [row.start, row]));
    for (let i = first; i <= last; i++) found.push(byStart.get(pieces[i].start) ?? null);
    first = last + 1;
  }
  return found;
}

/** Views and visitors of `[from, …)` from its pieces' buckets: each adds its sessions whose previous view is before `from`. */
async function figuresOf(ctx: QueryCtx, from: number, pieces: Piece[], rows: (TimeBucket | null)[]): Promise<Figures> {
  const figures = { pageviews: 0, visitors: 0 };
  for (const [i, row] of rows.entries()) {
    if (row === null) continue;
    figures.pageviews += row.pageviews;
    // A bucket starting at `from` holds only sessions whose previous view is before it.
    figures.visitors += pieces[i].start === from ? row.visitors : await countPrevsBefore(ctx, row, from / MINUTE);
  }
  return figures;
}

async function rangeFigures(ctx: QueryCtx, scope: string, range: TimeRange, zone: string, pieces = piecesOf(range, zone)): Promise<Figures> {
  return await figuresOf(ctx, range.from, pieces, await readBuckets(ctx, scope, pieces, zone));
}

/** `summary`: the site's page views and distinct visitors in `[from, to)`. */
export async function summary(ctx: QueryCtx, range: TimeRange) {
  assertValidRange(range);
  return { from: range.from, to: range.to, ...(await rangeFigures(ctx, SITE_SCOPE, range, siteTimeZone())) };
}

/** `timeseries`: each `interval` bucket of `timeZone` (the site's by default) with the figures of its part inside the range. */
export async function timeseries(ctx: QueryCtx, args: TimeRange & { interval: string; timeZone?: string }) {
  const range = { from: args.from, to: args.to };
  assertValidRange(range);
  assertValidInterval(args.interval);
  const zone = args.timeZone === undefined ? siteTimeZone() : parseTimeZone(args.timeZone);
  const site = siteTimeZone();
  const starts = buckets(range, args.interval, zone);
  const spans = starts.map((start, i) => ({ from: Math.max(start, range.from), to: Math.min(starts[i + 1] ?? range.to, range.to) }));
  const piecesBySpan = spans.map((span) => piecesOf(span, site));
  const rows = await readBuckets(ctx, SITE_SCOPE, piecesBySpan.flat(), site);
  const series = [];
  let offset = 0;
  for (const [i, pieces] of piecesBySpan.entries()) {
    series.push({ start: starts[i], ...(await figuresOf(ctx, spans[i].from, pieces, rows.slice(offset, offset + pieces.length))) });
    offset += pieces.length;
  }
  return series;
}

function parseLimit(limit: number | undefined): number {
  if (limit === undefined) return BREAKDOWN_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > BREAKDOWN_MAX_LIMIT) {
    invalid("limit", `limit must be a whole number from 1 to ${BREAKDOWN_MAX_LIMIT.toLocaleString("en-US")}; got ${limit}`);
  }
  return limit;
}

/** `breakdown`: the top values of a property in the range, each row's figures exact. */
export async function breakdown(ctx: QueryCtx, args: TimeRange & { property: string; limit?: number }): Promise<BreakdownRow[]> {
  const range = { from: args.from, to: args.to };
  assertValidRange(range);
  if (!(BREAKDOWN_PROPERTIES as readonly string[]).includes(args.property)) {
    invalid("property", `property must be one of ${BREAKDOWN_PROPERTIES.join(", ")}; got ${JSON.stringify(String(args.property).slice(0, 40))}`);
  }
  const limit = parseLimit(args.limit);
  const zone = siteTimeZone();
  const pages = await topPages(ctx, range, limit, zone);
  return await Promise.all(
    pages.map(async (page) => {
      const stat = await ctx.db
        .query("pathStats")
        .withIndex("by_path", (q) => q.eq("path", page.value))
        .unique();
      return { ...page, title: (await resolvePage(ctx, page.value, stat?.pageType ?? "other")).title };
    }),
  );
}

const byRank = (a: Figures & { value: string }, b: Figures & { value: string }) =>
  b.pageviews - a.pageviews || b.visitors - a.visitors || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

/** The few whole buckets (at most 3) of the finest level that covers the range: an upper bound on each page's views in it. */
function coverOf(range: TimeRange, zone: string): CoverBucket[] {
  for (const level of ["hour", "day", "week", "month"] as const) {
    const cover: CoverBucket[] = [];
    for (let start = pieceContaining(range.from, level, zone); start < range.to && cover.length <= 3; start = pieceEnd({ level, start }, zone)) {
      cover.push({ level, start });
    }
    if (cover.length <= 3) return cover;
  }
  return [{ level: "all", start: 0 }];
}

/**
 * The top pages of the range by views, exactly, without reading every page:
 * the few buckets covering the range list their pages by views (an index
 * order), and a page's views in the cover bound its views in the range. Pages
 * are read down those lists and counted exactly in order of that bound
 * (Fagin's threshold algorithm), until no page left unread or uncounted can
 * beat the last row kept.
 */
async function topPages(ctx: QueryCtx, range: TimeRange, limit: number, zone: string): Promise<(Figures & { value: string })[]> {
  const pieces = piecesOf(range, zone);
  const cover = coverOf(range, zone);
  const lists = cover.map(({ level, start }) =>
    ctx.db
      .query("timeBuckets")
      .withIndex("by_level_start_pageviews", (q) => q.eq("level", level).eq("start", start))
      .order("desc")
      [Symbol.asyncIterator](),
  );
  // The views of the last row read from each list (what an unread page has at most there); 0 once a list ends.
  const reached = cover.map(() => Number.POSITIVE_INFINITY);
  const bounds = new Map<string, number>();
  const counted = new Set<string>();
  const top: (Figures & { value: string })[] = [];
  const coverViews = async (scope: string, piece: CoverBucket) =>
    (
      await ctx.db
        .query("timeBuckets")
        .withIndex("by_scope_level_start", (q) => q.eq("scope", scope).eq("level", piece.level).eq("start", piece.start))
        .unique()
    )?.pageviews ?? 0;
  for (;;) {
    const unread = reached.reduce((sum, views) => sum + views, 0);
    let next: [string, number] | undefined;
    for (const entry of bounds) if (!counted.has(entry[0]) && (next === undefined || entry[1] > next[1])) next = entry;
    const kept = top.length >= limit ? top[limit - 1].pageviews : 0;
    if (top.length >= limit && kept > Math.max(unread, next?.[1] ?? 0)) break;
    if (next !== undefined && next[1] >= unread) {
      counted.add(next[0]);
      const figures = await rangeFigures(ctx, next[0], range, zone, pieces);
      if (figures.pageviews > 0) {
        top.push({ value: next[0], ...figures });
        top.sort(byRank);
        top.length = Math.min(top.length, limit);
      }
      continue;
    }
    if (unread === 0) break;
    for (const [i, list] of lists.entries()) {
      if (reached[i] === 0) continue;
      const read = await list.next();
      if (read.done) {
        reached[i] = 0;
        continue;
      }
      const row = read.value;
      reached[i] = row.pageviews;
      if (row.scope === SITE_SCOPE || bounds.has(row.scope)) continue;
      let bound = 0;
      for (const [j, piece] of cover.entries()) bound += j === i ? row.pageviews : await coverViews(row.scope, piece);
      bounds.set(row.scope, bound);
    }
  }
  return top;
}
