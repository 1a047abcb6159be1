import type { Doc } from "../_generated/dataModel.js";
import type { VisitProperty } from "../../shared/config.js";
import { VISIT_FIGURE_KEYS, visitFiguresOf, type ScrollFigures } from "../derive/timeBuckets.js";

/**
 * A range's figures as queries add them up: views (an event's scope: its events), visitors, visits with their bounces,
 * views and duration, an event's revenue in minor units of the site's currency, and a page's scroll depth figures
 * (derive/timeBuckets.ts: present only when some visit reported a scroll depth there).
 */
export type Figures = { pageviews: number; visitors: number; visits: number; bounces: number; visitViews: number; durationMs: number; revenue: number } & Partial<ScrollFigures>;
export const noFigures = (): Figures => ({ pageviews: 0, visitors: 0, visits: 0, bounces: 0, visitViews: 0, durationMs: 0, revenue: 0 });

/** What the figures are of: the site, one page, an event, a goal, or one value of a visit property (its scope in time buckets). */
export type Lens = { group: "site" | "page" | "event" | "goal"; scope: string } | { group: VisitProperty; scope: string; value: string };

/** Adds one visit, as its row stands, to the figures (what the worker adds to its buckets: derive/timeBuckets.ts). */
export function addVisit(figures: Figures, visit: Pick<Doc<"visits">, "views" | "start" | "lastActivity">): void {
  const added = visitFiguresOf(visit);
  for (const key of VISIT_FIGURE_KEYS) figures[key] += added[key];
}

/** The figures of two disjoint parts of one range (visitors counted in each against the same range start). */
export const addFigures = (a: Figures, b: Figures): Figures => ({
  pageviews: a.pageviews + b.pageviews,
  visitors: a.visitors + b.visitors,
  visits: a.visits + b.visits,
  bounces: a.bounces + b.bounces,
  visitViews: a.visitViews + b.visitViews,
  durationMs: a.durationMs + b.durationMs,
  revenue: a.revenue + b.revenue,
  ...addScroll(a, b),
});

/** Scroll depth figures added up; none when neither part has any. */
export function addScroll(a: Partial<ScrollFigures>, b: Partial<ScrollFigures>): Partial<ScrollFigures> {
  const scrollDepthVisits = (a.scrollDepthVisits ?? 0) + (b.scrollDepthVisits ?? 0);
  return scrollDepthVisits === 0 ? {} : { scrollDepthVisits, scrollDepthSum: (a.scrollDepthSum ?? 0) + (b.scrollDepthSum ?? 0) };
}

/** The mean deepest scroll (0–100) of the visits that reported one, when any did. */
export const scrollDepthOf = ({ scrollDepthVisits, scrollDepthSum }: Partial<ScrollFigures>) =>
  scrollDepthVisits ? { scrollDepth: (scrollDepthSum ?? 0) / scrollDepthVisits } : {};
