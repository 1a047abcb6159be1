import type { Doc } from "../_generated/dataModel.js";
import type { QueryCtx } from "../_generated/server.js";
import { UNSETTLED_VISITS_READ_MAX, type VisitProperty } from "../../shared/config.js";
import { getSettlementCursor, unsettledVisits } from "../derive/settleVisits.js";
import { hasSettledVisitIn } from "../derive/visitScopes.js";
import type { TimeRange } from "../../shared/timeRanges.js";

/**
 * The visits the worker has not settled yet (open ones, and ended ones
 * waiting for the next settling step), added to bucket figures as a query
 * reads them: their duration so far, views so far and current exit page.
 * They are the visits active in about the last half hour, read with one
 * index range.
 */

export type Figures = { pageviews: number; visitors: number; visits: number; bounces: number; visitViews: number; durationMs: number };
export const noFigures = (): Figures => ({ pageviews: 0, visitors: 0, visits: 0, bounces: 0, visitViews: 0, durationMs: 0 });

/** What the figures are of: the site, one page, or one value of a visit property (its scope in time buckets). */
export type Lens = { group: "site" | "page"; scope: string } | { group: VisitProperty; scope: string; value: string };

/** The unsettled visits a query adds, and whether there were more (`cut`: the most recently active ones are left out). */
export type UnsettledVisits = { visits: Doc<"visits">[]; cut: boolean };

export const NO_UNSETTLED_VISITS: UnsettledVisits = { visits: [], cut: false };

/** At most UNSETTLED_VISITS_READ_MAX unsettled visits, in settling order; one more is read only to tell whether any were left out. */
export async function readUnsettledVisits(ctx: QueryCtx): Promise<UnsettledVisits> {
  const read = await unsettledVisits(ctx, await getSettlementCursor(ctx)).take(UNSETTLED_VISITS_READ_MAX + 1);
  return { visits: read.slice(0, UNSETTLED_VISITS_READ_MAX), cut: read.length > UNSETTLED_VISITS_READ_MAX };
}

/** When the visit counts for the lens (its start; for a page, its first view there), or null when it does not match. */
async function countsAt(ctx: QueryCtx, lens: Lens, visit: Doc<"visits">): Promise<number | null> {
  if ("value" in lens) return visit[lens.group] === lens.value ? visit.start : null;
  if (lens.group === "site") return visit.start;
  const first = await ctx.db
    .query("pageViews")
    .withIndex("by_session_path_timestamp", (q) => q.eq("sessionId", visit.sessionId).eq("path", lens.scope).gte("timestamp", visit.start))
    .first();
  return first !== null && first.timestamp <= visit.lastActivity ? first.timestamp : null;
}

/**
 * Adds the unsettled visits that count for the lens to the figures of the
 * span holding their start (spans: sorted, disjoint). For a visit property the
 * visits' views are its page views and their sessions its visitors, counted
 * once per span with the settled ones.
 */
export async function addUnsettledVisits(ctx: QueryCtx, lens: Lens, spans: TimeRange[], { visits }: UnsettledVisits, into: Figures[]): Promise<void> {
  if (spans.length === 0) return;
  const first = spans[0].from;
  const last = spans[spans.length - 1].to;
  const visitorsSeen = new Set<string>();
  for (const visit of visits) {
    if (visit.start >= last || visit.lastActivity < first) continue;
    const at = await countsAt(ctx, lens, visit);
    if (at === null || at < first || at >= last) continue;
    const span = spanHolding(spans, at);
    if (span < 0) continue;
    const figures = into[span];
    addVisit(figures, visit);
    if (lens.group === "site" || lens.group === "page") continue;
    figures.pageviews += visit.views;
    const key = `${span}:${visit.sessionId}`;
    if (visitorsSeen.has(key)) continue;
    visitorsSeen.add(key);
    if (!(await hasSettledVisitIn(ctx, visit.sessionId, lens.scope, spans[span]))) figures.visitors++;
  }
}

export function addVisit(figures: Figures, visit: Pick<Doc<"visits">, "views" | "start" | "lastActivity">): void {
  figures.visits++;
  figures.bounces += visit.views === 1 ? 1 : 0;
  figures.visitViews += visit.views;
  figures.durationMs += visit.lastActivity - visit.start;
}

function spanHolding(spans: TimeRange[], at: number): number {
  let low = 0;
  let high = spans.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (at < spans[mid].from) high = mid - 1;
    else if (at >= spans[mid].to) low = mid + 1;
    else return mid;
  }
  return -1;
}
