import type { JSONValue } from "convex/values";
import { HEARTBEAT_INTERVAL_MS, type PageType } from "../../convex/model/config";
import { backendClock } from "../local-convex/clock";
import type { LocalDeployment } from "../local-convex/deployment";

// Synthetic visitors for the demo and the screenshots. Everything goes through the
// app's public functions, exactly as the tracking hook calls them.

export type SitePage = { path: string; pageType: PageType; weight: number };
export type Random = () => number;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A small seeded generator (mulberry32), so a seed always gives the same traffic. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const between = (random: Random, low: number, high: number) => low + random() * (high - low);

async function call(deployment: LocalDeployment, kind: "query" | "mutation", udfPath: string, args: JSONValue): Promise<JSONValue> {
  const outcome = kind === "query" ? await deployment.query(udfPath, args) : await deployment.mutation(udfPath, args);
  if (!outcome.success) throw new Error(`${udfPath} failed: ${outcome.errorMessage}`);
  return outcome.value;
}

/** The site's real pages, from its own queries; newer posts draw more readers, as on a real blog. */
export async function sitePages(deployment: LocalDeployment): Promise<SitePage[]> {
  const posts = (await call(deployment, "query", "content:listPosts", {})) as { slug: string }[];
  const pages = (await call(deployment, "query", "content:listPages", {})) as { slug: string }[];
  return [
    { path: "/", pageType: "home", weight: 4 },
    ...posts.map(({ slug }, rank): SitePage => ({ path: `/${slug}`, pageType: "post", weight: 4 / (rank + 1) })),
    ...pages.map(({ slug }): SitePage => ({ path: `/${slug}`, pageType: "page", weight: 1 })),
    { path: "/stats", pageType: "stats", weight: 0.5 },
  ];
}

function pick(random: Random, pages: SitePage[]): SitePage {
  let left = random() * pages.reduce((sum, page) => sum + page.weight, 0);
  return pages.find((page) => (left -= page.weight) < 0) ?? pages[pages.length - 1];
}

/** The pages one visit opens, in order: 1 to 5 of them, sometimes coming back to one. */
function journey(random: Random, pages: SitePage[]): SitePage[] {
  const length = 1 + Math.floor(random() ** 2 * 5);
  return Array.from({ length }, () => pick(random, pages));
}

const recordView = (deployment: LocalDeployment, sessionId: string, page: SitePage) =>
  call(deployment, "mutation", "stats:recordPageView", { path: page.path, pageType: page.pageType, sessionId });

const heartbeat = (deployment: LocalDeployment, sessionId: string, page: SitePage) =>
  call(deployment, "mutation", "stats:heartbeat", { sessionId, currentPath: page.path });

// ---- History ----------------------------------------------------------------------------------

/** How busy each local hour of the day is, relative to the busiest (a blog read at work and in the evening). */
const HOURLY = [0.12, 0.08, 0.06, 0.05, 0.06, 0.1, 0.2, 0.38, 0.6, 0.82, 0.95, 1, 0.98, 0.95, 0.97, 0.95, 0.88, 0.78, 0.7, 0.72, 0.7, 0.55, 0.36, 0.2];
/** And each day of the week, Monday first: weekdays busy, the weekend about half. */
const WEEKLY = [1, 1.05, 1.05, 1, 0.9, 0.5, 0.55];
/** Traffic at the start of the history relative to now: it grows slowly. */
const TREND_START = 0.65;
/** The share of visits by someone who came before (the same id in the browser's storage). */
const RETURNING_SHARE = 0.3;

export type PlannedView = { at: number; sessionId: string; page: SitePage };
export type HistoryPlan = { views: PlannedView[]; visits: number; visitors: number; returningVisits: number };

function localClock(timeZone: string): (at: number) => { hour: number; weekday: number; day: string } {
  const format = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", hour: "numeric", weekday: "short", year: "numeric", month: "numeric", day: "numeric" });
  const weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  return (at) => {
    const parts = Object.fromEntries(format.formatToParts(at).map(({ type, value }) => [type, value]));
    return { hour: Number(parts.hour), weekday: weekdays.indexOf(parts.weekday), day: `${parts.year}-${parts.month}-${parts.day}` };
  };
}

/**
 * The visits of the last `days` days, as a site's would be: more on weekdays
 * than at weekends, more in the daytime than at night (in `timeZone`, the
 * dashboard's), slowly growing, each day a little above or below the trend.
 * `sessions` people (session ids, which the tracker keeps in the browser) come;
 * 30% of all visits are by one of them coming back an hour or days later,
 * recent visitors more often than long-gone ones.
 * Each visit views 1 to 5 pages, a few minutes apart. Pure apart from the ids:
 * the same `random` gives the same plan.
 */
export function planHistory(
  pages: SitePage[],
  options: { days: number; sessions: number; random: Random; now: number; timeZone?: string },
): HistoryPlan {
  const { days, sessions, random, now } = options;
  const visits = Math.round(sessions / (1 - RETURNING_SHARE));
  const clock = localClock(options.timeZone ?? "UTC");
  const from = now - days * DAY;
  const to = now - 10 * MINUTE;
  const dayNoise = new Map<string, number>();
  const weight = (at: number) => {
    const { hour, weekday, day } = clock(at);
    if (!dayNoise.has(day)) dayNoise.set(day, between(random, 0.88, 1.12));
    const trend = TREND_START + (1 - TREND_START) * ((at - from) / (to - from));
    return HOURLY[hour] * WEEKLY[weekday] * trend * dayNoise.get(day)!;
  };
  // Visits spread over the hours in proportion to their weight, systematically (each hour gets its
  // expected count, rounded up or down), so the rhythm shows through with a month of a small site's visits.
  const slots: { at: number; length: number; weight: number }[] = [];
  for (let at = from; at < to; at += HOUR) {
    const length = Math.min(HOUR, to - at);
    slots.push({ at, length, weight: weight(at) * (length / HOUR) });
  }
  const perWeight = visits / slots.reduce((sum, slot) => sum + slot.weight, 0);
  const starts: number[] = [];
  let due = random();
  for (const slot of slots) {
    due -= slot.weight * perWeight;
    for (; due < 0; due += 1) starts.push(slot.at + random() * slot.length);
  }
  starts.sort((a, b) => a - b);

  // Who visits, in time order: `sessions` of the visits are by someone new, the others by someone
  // whose last visit ended at least an hour before (recent visitors more likely than long-gone ones).
  let newLeft = sessions;
  const seen: { id: string; last: number }[] = [];
  let returningVisits = 0;
  const views: PlannedView[] = [];
  starts.forEach((start, index) => {
    const visitsLeft = starts.length - index;
    const earlier = seen.filter((visitor) => visitor.last < start - 60 * MINUTE);
    let visitor: { id: string; last: number };
    if (earlier.length > 0 && random() >= newLeft / visitsLeft) {
      visitor = earlier[earlier.length - 1 - Math.floor(random() ** 2 * earlier.length)];
      returningVisits++;
    } else {
      visitor = { id: crypto.randomUUID(), last: start };
      seen.push(visitor);
      newLeft--;
    }
    let at = start;
    for (const page of journey(random, pages)) {
      if (at >= to) break;
      views.push({ at, sessionId: visitor.id, page });
      at += between(random, 0.25 * MINUTE, 4 * MINUTE);
    }
    visitor.last = at;
    seen.sort((a, b) => a.last - b.last);
  });
  views.sort((a, b) => a.at - b.at);
  return { views, visits: starts.length, visitors: seen.length, returningVisits };
}

/**
 * Records planned views through the real mutation, in time order, moving the
 * backend clock to each view's moment so the mutation stamps it then (and the
 * stats worker, whose runs are scheduled on that clock, folds as time passes).
 * Returns the number of views recorded (repeats inside the dedup window are not).
 */
export async function replayHistory(deployment: LocalDeployment, views: readonly PlannedView[]): Promise<number> {
  let recorded = 0;
  try {
    for (const { at, sessionId, page } of views) {
      backendClock.setTime(at);
      if (((await recordView(deployment, sessionId, page)) as { recorded: boolean }).recorded) recorded++;
    }
  } finally {
    backendClock.reset();
  }
  return recorded;
}

/**
 * Replays the visits of `sessions` people over the last `days` days (see
 * planHistory) through the real mutation. Returns the number of views recorded.
 */
export async function seedHistory(
  deployment: LocalDeployment,
  pages: SitePage[],
  options: { days: number; sessions: number; random: Random; timeZone?: string },
): Promise<number> {
  return await replayHistory(deployment, planHistory(pages, { ...options, now: backendClock.now() }).views);
}

export type Trickle = { stop(): void };

/**
 * Keeps visitors arriving now, about one per `meanArrivalMs`: each views a
 * few pages, heartbeats like the tracking hook while there, then leaves.
 */
export function startTrickle(
  deployment: LocalDeployment,
  pages: SitePage[],
  options: { meanArrivalMs: number; meanDwellMs: number; random: Random; onError: (error: unknown) => void },
): Trickle {
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const later = (ms: number, action: () => Promise<unknown> | void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) Promise.resolve(action()).catch(options.onError);
    }, ms);
    timers.add(timer);
  };
  // Exponential gaps: arrivals at random like real ones, not on a beat.
  const gap = (mean: number) => -Math.log(1 - options.random()) * mean;

  async function visit(sessionId: string, remaining: SitePage[]): Promise<void> {
    const [page, ...rest] = remaining;
    await recordView(deployment, sessionId, page);
    await heartbeat(deployment, sessionId, page);
    const dwell = gap(options.meanDwellMs);
    for (let beat = HEARTBEAT_INTERVAL_MS; beat < dwell; beat += HEARTBEAT_INTERVAL_MS) {
      later(beat, () => heartbeat(deployment, sessionId, page));
    }
    // After the last page the visitor simply stops: the session times out, as a closed tab does.
    if (rest.length > 0) later(dwell, () => visit(sessionId, rest));
  }

  function arrive(): void {
    later(gap(options.meanArrivalMs), () => {
      arrive();
      return visit(crypto.randomUUID(), journey(options.random, pages));
    });
  }

  arrive();
  return {
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
