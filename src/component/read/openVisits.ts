import { ConvexError } from "convex/values";
import type { Doc } from "../_generated/dataModel.js";
import type { QueryCtx } from "../_generated/server.js";
import { OPEN_VISITS_READ_MAX, type VisitProperty } from "../../shared/config.js";
import type { TimeRange } from "../../shared/timeRanges.js";
import type { InvalidArgument } from "../../shared/validation.js";
import { getSettlementCursor } from "../derive/settleVisits.js";
import { propertyScope } from "../derive/timeBuckets.js";
import { addVisit, noFigures, type Figures } from "./figures.js";

/**
 * A visit property's figures off whole hours. Its buckets keep whole hours,
 * days and months (derive/timeBuckets.ts PROPERTY_BUCKET_LEVELS: a minute row per value
 * was most of what a visit cost to fold). A range that starts after the last
 * settled visit's last activity holds only visits still in progress, and each
 * folded one has a `visitFolds` row saying what the buckets hold of it, so the
 * range is answered from those rows: exactly what minute buckets held. The
 * realtime view (the last 30 minutes) always is such a range: a visit settles
 * VISIT_TIMEOUT_MS and a grace after its last activity. Reads are bounded by
 * OPEN_VISITS_READ_MAX, past which the range is refused, never cut.
 */

export type OpenVisit = Pick<Doc<"visitFolds">, "start" | "lastActivity" | "views" | "scopes">;
export type RangeTooBusy = { code: "RANGE_TOO_BUSY"; field: "from"; message: string };

const MINUTE = 60_000;

/** The visits in progress that started in the range, as the worker last folded them; refuses a range that may hold settled ones. */
export async function readOpenVisits(ctx: QueryCtx, range: TimeRange, property: VisitProperty): Promise<OpenVisit[]> {
  const cursor = await getSettlementCursor(ctx);
  if (cursor !== null && range.from <= cursor.lastActivity) {
    throw new ConvexError<InvalidArgument>({
      code: "INVALID_ARGUMENT",
      field: "from",
      message:
        `Figures by ${property} are kept by whole hours (UTC) and days (the site's zone); off them a range must start after the last visit that has ended ` +
        `(the realtime view's last 30 minutes always does). This one starts ${new Date(range.from).toISOString()}.`,
    });
  }
  const visits = await ctx.db
    .query("visitFolds")
    .withIndex("by_start", (q) => q.gte("start", range.from).lt("start", range.to))
    .take(OPEN_VISITS_READ_MAX + 1);
  if (visits.length > OPEN_VISITS_READ_MAX) {
    throw new ConvexError<RangeTooBusy>({
      code: "RANGE_TOO_BUSY",
      field: "from",
      message: `More than ${OPEN_VISITS_READ_MAX.toLocaleString("en-US")} visits in progress started in this range: ask for whole hours (UTC) to see figures by ${property}`,
    });
  }
  return visits;
}

/** Adds an open visit as its buckets would: its views and visit figures, and its session as a visitor when its previous visit in the value (`prev`, a minute) is before `from`. */
function addOpenVisit(figures: Figures, visit: OpenVisit, prev: number | null, from: number): void {
  figures.pageviews += visit.views;
  if (prev === null || prev < from / MINUTE) figures.visitors++;
  addVisit(figures, visit);
}

/** The figures of one value (its scope) in `[from, …)`, from the open visits of that range. */
export function openVisitFigures(visits: OpenVisit[], scope: string, from: number): Figures {
  const figures = noFigures();
  for (const visit of visits) {
    const link = visit.scopes.find((entry) => entry.scope === scope);
    if (link !== undefined) addOpenVisit(figures, visit, link.prev, from);
  }
  return figures;
}

/** Every value of a property in `[from, …)` with its figures, from the open visits of that range. */
export function openVisitValues(visits: OpenVisit[], property: VisitProperty, from: number): { value: string; figures: Figures }[] {
  const prefix = propertyScope(property, "");
  const byValue = new Map<string, Figures>();
  for (const visit of visits) {
    const link = visit.scopes.find((entry) => entry.scope.startsWith(prefix));
    if (link === undefined) continue;
    const value = link.scope.slice(prefix.length);
    let figures = byValue.get(value);
    if (figures === undefined) byValue.set(value, (figures = noFigures()));
    addOpenVisit(figures, visit, link.prev, from);
  }
  return [...byValue].map(([value, figures]) => ({ value, figures }));
}
