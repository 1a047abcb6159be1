import { api } from "../../convex/_generated/api";
import { HEARTBEAT_INTERVAL_MS, VISIT_TIMEOUT_MS } from "../../src/shared/config";
import type { VisitContext } from "../../src/component/record/visitAttributes";
import { planHistory, seededRandom, type PlannedCall, type PlannedHeartbeat, type PlannedView, type SiteEvent, type SitePage } from "../../tools/demo/traffic";
import type { TestConvex } from "./convex";

/**
 * A site's traffic as its visitors' trackers send it, for cost benches: the
 * demo's model of visits (tools/demo/traffic.ts: a day's rhythm, returning
 * visitors, referrers and UTM campaigns, browsers, places and screens, pages
 * read for seconds to minutes), with every heartbeat the tracker sends
 * (src/tracker/heartbeatStream.ts, heartbeatOffsets in the demo: one with each
 * view, one every HEARTBEAT_INTERVAL_MS while the page stays open, and on a
 * visit's last page one as the reader leaves and the tab hides, unless within
 * HEARTBEAT_DEBOUNCE_MS of the one before), where the demo keeps only a page's
 * last one. Modelled: a single-page app (the blog), whose navigation to the
 * next page hides nothing; every reader's tab visible while read, and left by
 * hiding it. Not modelled: a reader who looks away and comes back (a beat as
 * the tab hides and one as it shows again), two tabs, lost calls, and a
 * multi-page site's script tag, which also beats as each page unloads.
 */

/** One call of a visitor's tracker: `api.stats.recordPageView` (with the browser's context), `api.stats.heartbeat`, or `api.stats.trackEvent`. */
export type TrackerCall =
  | { at: number; kind: "view"; sessionId: string; page: SitePage; visit?: VisitContext }
  | { at: number; kind: "heartbeat"; sessionId: string; page: SitePage }
  | { at: number; kind: "event"; sessionId: string; page: SitePage; event: SiteEvent };

/** A blog's pages: the home page, `posts` posts (the newest read most) and a few pages. */
export function blogPages(posts: number): SitePage[] {
  return [
    { path: "/", pageType: "home", weight: 4 },
    ...Array.from({ length: posts }, (_, rank): SitePage => ({ path: `/post-${posts - rank}`, pageType: "post", weight: 4 / (rank + 1) })),
    ...["/about", "/now", "/uses"].map((path): SitePage => ({ path, pageType: "page", weight: 1 })),
  ];
}

/**
 * The tracker's calls for the demo's planned views: each view, its heartbeat at once, then one per interval until the
 * page's last (the last page's as its reader leaves); with `events`, the custom events the demo plans too (a second after their page's view).
 */
function withEveryHeartbeat(planned: PlannedCall[], events: boolean): TrackerCall[] {
  const calls: TrackerCall[] = [];
  const bySession = new Map<string, (PlannedView | PlannedHeartbeat)[]>();
  for (const call of planned) {
    if ("event" in call) {
      if (events) calls.push({ at: Math.round(call.at) + 1_000, kind: "event", sessionId: call.sessionId, page: call.page, event: call.event });
      continue;
    }
    const own = bySession.get(call.sessionId);
    if (own === undefined) bySession.set(call.sessionId, [call]);
    else own.push(call);
  }
  for (const own of bySession.values()) {
    own.forEach((call, i) => {
      if (call.heartbeat) return;
      // Whole milliseconds, as a deployment's clock has them.
      const at = Math.round(call.at);
      calls.push({ at, kind: "view", sessionId: call.sessionId, page: call.page, ...(call.visit ? { visit: call.visit } : {}) });
      // The demo plans a page's last heartbeat only (an interval's, or the one as the reader leaves); the tracker sends the ones before it too.
      const last = own[i + 1]?.heartbeat ? at + Math.round(own[i + 1].at - call.at) : at;
      const beat = (beatAt: number) => calls.push({ at: beatAt, kind: "heartbeat", sessionId: call.sessionId, page: call.page });
      for (let interval = at; interval < last; interval += HEARTBEAT_INTERVAL_MS) beat(interval);
      beat(last);
    });
  }
  // Stable: a view comes before the heartbeat sent with it.
  return calls.sort((a, b) => a.at - b.at);
}

const DAY = 24 * 60 * 60 * 1000;
/** The demo's plan runs this long past the window: a visit it plans near the window's end is not cut short (its calls past the window are dropped all the same). */
const PLAN_PAST_WINDOW_MS = 60 * 60 * 1000;

/** A visit's calls: a session's calls with no gap over the visit timeout (the demo plans a session's next visit an hour or more later). */
function visitsOf(calls: PlannedCall[]): PlannedCall[][] {
  const open = new Map<string, PlannedCall[]>();
  const visits: PlannedCall[][] = [];
  for (const call of calls) {
    const visit = open.get(call.sessionId);
    if (visit !== undefined && call.at - visit[visit.length - 1].at <= VISIT_TIMEOUT_MS) visit.push(call);
    else {
      const started = [call];
      open.set(call.sessionId, started);
      visits.push(started);
    }
  }
  return visits;
}

/** The same visits, each moved as a whole so that they start evenly spread over [from, to): a steady stream, without the day's rhythm. */
function steadily(visits: PlannedCall[][], from: number, to: number): PlannedCall[] {
  const spacing = (to - from) / visits.length;
  return visits.flatMap((visit, rank) => {
    const shift = from + (rank + 0.5) * spacing - visit[0].at;
    return visit.map((call) => ({ ...call, at: call.at + shift }));
  });
}

/**
 * The tracker's calls in [from, to), about `viewsPerDay` views a day there,
 * with every heartbeat, in time order. The demo's model plans the visits from
 * `historyDays` before `from` (so that its slow growth and returning visitors
 * are in their stride by then; the calls before `from` are dropped) and is
 * given a number of visitors, scaled once to give the views asked for.
 * `steady` spreads the visits evenly instead of by the day's rhythm.
 * `withHistory` keeps the calls planned before `from` too (to tell which
 * visitors the model has met before, and replay some of their visits). Seeded:
 * the same seed gives the same visits (session ids are random UUIDs, as
 * browsers make them).
 */
export function trackerTraffic(options: {
  from: number;
  to: number;
  viewsPerDay: number;
  pages: SitePage[];
  seed: number;
  historyDays?: number;
  steady?: boolean;
  timeZone?: string;
  events?: boolean;
  withHistory?: boolean;
}): TrackerCall[] {
  const { from, to, viewsPerDay, pages, seed, historyDays = 0, steady = false, timeZone, events = false, withHistory = false } = options;
  // planHistory ends its visits ten minutes before its `now`; past the window, so that a visit started in it is whole.
  const now = to + PLAN_PAST_WINDOW_MS + 10 * 60 * 1000;
  const days = (now - from) / DAY + historyDays;
  const plan = (sessions: number) => planHistory(pages, { days, sessions, random: seededRandom(seed), now, timeZone }).calls;
  const inWindow = (calls: PlannedCall[]) => calls.filter((call) => call.at >= from && call.at < to);
  const wanted = (viewsPerDay * (to - from)) / DAY;
  const guess = Math.max(1, Math.round((wanted * days * DAY) / (to - from) / 3));
  const views = (calls: PlannedCall[]) => calls.filter((call) => !call.heartbeat && !("event" in call)).length;
  const sessions = Math.max(1, Math.round((guess * wanted) / Math.max(1, views(inWindow(plan(guess))))));
  const planned = plan(sessions);
  // A page opened before `from` sends its heartbeats into the window; a steady stream starts with the window's first visit.
  const calls = steady
    ? withEveryHeartbeat(steadily(visitsOf(planned).filter((visit) => visit[0].at >= from && visit[0].at < to), from, to), events)
    : withEveryHeartbeat(planned, events);
  return calls.filter((call) => (withHistory || call.at >= from) && call.at < to);
}

/** Sends one call as the blog's tracker does (usePageTracking: the app's re-exported mutations); true if it was a view that counted. */
export async function sendTrackerCall(t: TestConvex, call: TrackerCall): Promise<boolean> {
  if (call.kind === "heartbeat") {
    await t.mutation(api.stats.heartbeat, { sessionId: call.sessionId, currentPath: call.page.path });
    return false;
  }
  if (call.kind === "event") {
    // As useTrackEvent sends them: properties as pairs.
    const props = call.event.props === undefined ? undefined : Object.entries(call.event.props).map(([key, value]) => ({ key, value }));
    await t.mutation(api.stats.trackEvent, { sessionId: call.sessionId, name: call.event.name, path: call.page.path, props, revenue: call.event.revenue });
    return false;
  }
  const { path, pageType } = call.page;
  const { recorded } = await t.mutation(api.stats.recordPageView, { path, pageType, sessionId: call.sessionId, ...(call.visit ? { visit: call.visit } : {}) });
  return recorded;
}
