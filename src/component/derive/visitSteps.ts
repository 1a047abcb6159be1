import type { Doc } from "../_generated/dataModel.js";
import type { QueryCtx } from "../_generated/server.js";
import { VISIT_EVENTS_READ_MAX } from "../../shared/config.js";
import { PackedReader } from "./packedInts.js";
import { propPairs, type PropPair } from "../record/eventFields.js";

/**
 * What a visit did, in time order: each view and each custom event (prds/events.md). Goals and funnels test them in a
 * scan of visit blocks (read/filteredVisits.ts): a page goal matches a view, an event goal an event with its
 * properties, and a funnel's steps must come in this order within one visit.
 */

export type EventStep = { event: string; props: PropPair[]; revenue: number };
export type Step = { page: string } | EventStep;

/** The custom events a visit's session sent during the visit, in time order (at most VISIT_EVENTS_READ_MAX: the session's rate limit bounds them). */
export async function eventsOfVisit(ctx: QueryCtx, sessionId: string, start: number, lastActivity: number): Promise<Doc<"customEvents">[]> {
  return await ctx.db
    .query("customEvents")
    .withIndex("by_session_timestamp", (q) => q.eq("sessionId", sessionId).gte("timestamp", start).lte("timestamp", lastActivity))
    .take(VISIT_EVENTS_READ_MAX);
}

/** A view at its time: a visit's folded `sequence` decoded (pages by index, times after `start`), or its views as read. */
export type TimedView = { path: string; at: number };

export function viewsOfSequence(start: number, pages: { path: string }[], sequence: string): TimedView[] {
  const reader = new PackedReader(sequence);
  const views: TimedView[] = [];
  while (!reader.done) {
    const page = pages[reader.next()];
    views.push({ path: page.path, at: start + reader.next() });
  }
  return views;
}

/** Views and events merged in time order (an event at a view's millisecond follows it: it happened on that page). */
export function stepsOf(views: TimedView[], events: Pick<Doc<"customEvents">, "name" | "timestamp" | "props" | "revenue">[]): Step[] {
  const steps: Step[] = [];
  let next = 0;
  for (const view of views) {
    while (next < events.length && events[next].timestamp < view.at) steps.push(eventStep(events[next++]));
    steps.push({ page: view.path });
  }
  while (next < events.length) steps.push(eventStep(events[next++]));
  return steps;
}

const eventStep = ({ name, props, revenue }: Pick<Doc<"customEvents">, "name" | "props" | "revenue">): EventStep => ({
  event: name,
  props: propPairs(props),
  revenue: revenue?.minorUnits ?? 0,
});
