import type { JSONValue } from "convex/values";
import { HEARTBEAT_DEBOUNCE_MS, HEARTBEAT_INTERVAL_MS, type PageType } from "../../src/shared/config";
import type { VisitContext } from "../../src/component/record/visitAttributes";
import { backendClock } from "../local-convex/clock";
import type { LocalDeployment } from "../local-convex/deployment";
import { browserContext, randomArrival, randomVisitor, type ArrivalKind, type Random, type VisitorProfile } from "./visitors";

// Synthetic visitors for the demo and the screenshots. Everything goes through what a
// real site's tracker calls: for the blog, the app's public functions, exactly as the
// tracking hook calls them; for a site with the script tag, its POST /api/event
// (SiteTracker). Each view comes with its browser's context (visitors.ts; referrer or
// UTM on a visit's first view only), and heartbeats while the page is open, so visits
// have real durations.

export type SitePage = { path: string; pageType: PageType; weight: number };
export type { Random };

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

/**
 * The site's real pages, from its own queries; newer posts draw more readers, as on a real blog.
 * Not /stats: the tracker never records the dashboard (prds/visits.md).
 */
export async function sitePages(deployment: LocalDeployment): Promise<SitePage[]> {
  const posts = (await call(deployment, "query", "content:listPosts", {})) as { slug: string }[];
  const pages = (await call(deployment, "query", "content:listPages", {})) as { slug: string }[];
  return [
    { path: "/", pageType: "home", weight: 4 },
    ...posts.map(({ slug }, rank): SitePage => ({ path: `/${slug}`, pageType: "post", weight: 4 / (rank + 1) })),
    ...pages.map(({ slug }): SitePage => ({ path: `/${slug}`, pageType: "page", weight: 1 })),
  ];
}

function pick(random: Random, pages: readonly SitePage[]): SitePage {
  let left = random() * pages.reduce((sum, page) => sum + page.weight, 0);
  return pages.find((page) => (left -= page.weight) < 0) ?? pages[pages.length - 1];
}

/** Where a visit lands: the home page for many who come straight in, a post (the newest most of all) for those sent by a link. */
function landing(random: Random, pages: readonly SitePage[], kind: ArrivalKind): SitePage {
  const posts = pages.filter(({ pageType }) => pageType === "post");
  const home = pages.find(({ pageType }) => pageType === "home");
  if (kind === "direct") return home !== undefined && random() < 0.55 ? home : pick(random, pages);
  if (posts.length === 0) return pick(random, pages);
  // A link shared on a forum, a feed or in the newsletter is mostly to the latest post.
  if (kind !== "search" && random() < 0.35) return posts[0];
  return random() < 0.85 ? pick(random, posts) : pick(random, pages);
}

/** The share of visits that see one page only, by how they arrived: a shared link is read and left. */
const BOUNCE_SHARE: Record<ArrivalKind, number> = { direct: 0.42, search: 0.6, community: 0.7, social: 0.68, newsletter: 0.5, blog: 0.55 };
/** After the second page, the chance of opening one more. */
const ONE_MORE_PAGE = 0.45;
const MAX_PAGES = 6;

/** The pages one visit opens, in order: its landing page, then (unless it bounces) a few more, never the same twice in a row. */
function journey(random: Random, pages: readonly SitePage[], kind: ArrivalKind): SitePage[] {
  const visited = [landing(random, pages, kind)];
  if (pages.length < 2 || random() < BOUNCE_SHARE[kind]) return visited;
  do {
    const current = visited[visited.length - 1];
    visited.push(pick(random, pages.filter((page) => page !== current)));
  } while (visited.length < MAX_PAGES && random() < ONE_MORE_PAGE);
  return visited;
}

/** A duration between `low` and `high`, evenly spread on a log scale (a few seconds are as likely as a few minutes). */
const logBetween = (random: Random, low: number, high: number) => low * (high / low) ** random();

/**
 * How long a page stays open: a post is read for minutes, the home page and the
 * about page glanced at. The last page of a visit is often left within seconds
 * (a bounce then lasts no time at all), else read like any other.
 */
function readingTime(random: Random, page: SitePage, last: boolean): number {
  if (last && random() < 0.4) return logBetween(random, 3_000, 25_000);
  if (page.pageType === "post") return logBetween(random, 40_000, last ? 8 * MINUTE : 5 * MINUTE);
  if (page.pageType === "home") return logBetween(random, 5_000, 60_000);
  return logBetween(random, 15_000, 2 * MINUTE);
}

/**
 * When the trackers beat while a page is open `open` ms, as offsets from its view: at once, every HEARTBEAT_INTERVAL_MS,
 * and on a visit's last page as the reader leaves (the tab hides), unless that is within HEARTBEAT_DEBOUNCE_MS of the
 * beat before. Going on to the visit's next page is a single-page app's navigation: it hides nothing.
 */
export function heartbeatOffsets(open: number, leaves: boolean): number[] {
  const offsets: number[] = [];
  for (let offset = 0; offset <= open; offset += HEARTBEAT_INTERVAL_MS) offsets.push(offset);
  if (leaves && open - offsets[offsets.length - 1] >= HEARTBEAT_DEBOUNCE_MS) offsets.push(open);
  return offsets;
}

/** A custom event as a tracker sends it (prds/events.md). */
export type SiteEvent = { name: string; props?: Record<string, string>; revenue?: { amount: string; currency: string } };

/** How a site's visitors' calls reach the deployment: a view (true if it was counted as far as the tracker can tell), a heartbeat, and a custom event. */
export type SiteTracker = {
  view(sessionId: string, page: SitePage, visit?: VisitContext): Promise<boolean>;
  heartbeat(sessionId: string, page: SitePage): Promise<void>;
  event(sessionId: string, page: SitePage, event: SiteEvent): Promise<void>;
};

/** The blog's tracker: the React hook's mutations (usePageTracking), `stats:recordPageView` and `stats:heartbeat`. */
export function hookTracker(deployment: LocalDeployment): SiteTracker {
  return {
    async view(sessionId, page, visit) {
      const args = { path: page.path, pageType: page.pageType, sessionId, ...(visit ? { visit } : {}) };
      return ((await call(deployment, "mutation", "stats:recordPageView", args)) as { recorded: boolean }).recorded;
    },
    async heartbeat(sessionId, page) {
      await call(deployment, "mutation", "stats:heartbeat", { sessionId, currentPath: page.path });
    },
    async event(sessionId, page, event) {
      // As useTrackEvent sends them: properties as pairs.
      const args: { [key: string]: JSONValue } = { sessionId, path: page.path, name: event.name };
      if (event.props !== undefined) args.props = Object.entries(event.props).map(([key, value]) => ({ key, value }));
      if (event.revenue !== undefined) args.revenue = event.revenue;
      await call(deployment, "mutation", "stats:trackEvent", args);
    },
  };
}

/** Sends one request to the deployment's HTTP actions (its `.convex.site`): `path` with the route's prefix. */
export type SitePost = (path: string, init: RequestInit & { method: string; headers: Record<string, string>; body: string }) => Promise<Response>;

/**
 * A site with the script tag (src/script/tracker.ts): each view and heartbeat POSTed as a text/plain JSON body
 * to `${prefix}/api/event` (what `fetch` with a string body sends), from a page on `origin`, the browser's user
 * agent in its User-Agent header (the body has none). The page type is the server's default for the script tag's
 * views. Accepted (202) is all it learns: a view deduplicated by the server counts as sent.
 */
export function scriptTagTracker(post: SitePost, options: { prefix: string; origin: string }): SiteTracker {
  const send = async (event: object, userAgent?: string) => {
    const headers: Record<string, string> = { "Content-Type": "text/plain;charset=UTF-8", Origin: options.origin };
    if (userAgent !== undefined) headers["User-Agent"] = userAgent;
    const response = await post(`${options.prefix}/api/event`, { method: "POST", headers, body: JSON.stringify(event) });
    if (response.status !== 202) throw new Error(`POST ${options.prefix}/api/event answered ${response.status}: ${await response.text()}`);
  };
  // A browser sends its user agent with every request, heartbeats too (without one, the server takes the caller for a bot).
  const userAgents = new Map<string, string>();
  return {
    async view(sessionId, page, visit) {
      const { userAgent, ...fields } = visit ?? {};
      if (userAgent !== undefined) userAgents.set(sessionId, userAgent);
      await send({ type: "pageview", sessionId, path: page.path, ...(visit ? { visit: fields } : {}) }, userAgents.get(sessionId));
      return true;
    },
    async heartbeat(sessionId, page) {
      await send({ type: "heartbeat", sessionId, path: page.path }, userAgents.get(sessionId));
    },
    async event(sessionId, page, event) {
      await send({ type: "event", sessionId, path: page.path, ...event }, userAgents.get(sessionId));
    },
  };
}

// ---- History ----------------------------------------------------------------------------------

/** How busy each local hour of the day is, relative to the busiest (a blog read at work and in the evening). */
const HOURLY = [0.12, 0.08, 0.06, 0.05, 0.06, 0.1, 0.2, 0.38, 0.6, 0.82, 0.95, 1, 0.98, 0.95, 0.97, 0.95, 0.88, 0.78, 0.7, 0.72, 0.7, 0.55, 0.36, 0.2];
/** And each day of the week, Monday first: weekdays busy, the weekend about half. */
const WEEKLY = [1, 1.05, 1.05, 1, 0.9, 0.5, 0.55];
/** Traffic at the start of the history relative to now: it grows slowly. */
const TREND_START = 0.65;
/** The share of visits by someone who came before (the same id in the browser's storage). */
const RETURNING_SHARE = 0.3;

/** A view as the tracker sends it; `visit` is the browser's context (none: an old tracker's view, every category Unknown). */
export type PlannedView = { at: number; sessionId: string; page: SitePage; visit?: VisitContext; heartbeat?: false };
/** A heartbeat from the page a session has open. */
export type PlannedHeartbeat = { at: number; sessionId: string; page: SitePage; heartbeat: true };
/** A custom event sent from a page, the moment the page is viewed (so it moves no visit's last activity). */
export type PlannedEvent = { at: number; sessionId: string; page: SitePage; heartbeat?: false; event: SiteEvent };
export type PlannedCall = PlannedView | PlannedHeartbeat | PlannedEvent;

/**
 * What a visit does besides reading, decided by its own draws (so the views and heartbeats planned do not change):
 * about 1 visit in 12 signs up (a plan as a property), 1 in 15 downloads the cheat sheet, 1 in 20 clicks out to
 * GitHub; a third of those who sign up for a paid plan, and a few others, begin a checkout, and three in five of
 * those pay (revenue): the demo's Checkout funnel (tools/demo/goals.ts).
 */
function eventsOfVisit(random: Random, page: SitePage): SiteEvent[] {
  const events: SiteEvent[] = [];
  if (random() < 1 / 15) events.push({ name: "File Download", props: { url: `${page.path}/cheat-sheet.pdf`.replace(/^\/+/, "/") } });
  const plan = random() < 1 / 12 ? (random() < 0.6 ? "free" : random() < 0.7 ? "pro" : "team") : null;
  if (plan !== null) events.push({ name: "Signup", props: { plan } });
  if ((plan !== null && plan !== "free" && random() < 0.6) || random() < 1 / 100) {
    const paid = plan === "team" ? "team" : "pro";
    events.push({ name: "Begin Checkout", props: { plan: paid } });
    const yearly = random() < 0.3;
    if (random() < 0.6) events.push({ name: "Purchase", props: { plan: paid, billing: yearly ? "yearly" : "monthly" }, revenue: { amount: (paid === "team" ? 99 : 29) * (yearly ? 10 : 1) + ".00", currency: "USD" } });
  }
  if (random() < 1 / 20) events.push({ name: "Outbound Link: Click", props: { url: "https://github.com/get-convex/convex-backend" } });
  return events;
}
/** `calls`: the views and heartbeats in time order; `views`: the views alone. */
export type HistoryPlan = { calls: PlannedCall[]; views: PlannedView[]; visits: number; visitors: number; returningVisits: number };

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
 * Each visitor is one browser (visitors.ts: device, screen, place, language), the
 * same on each return; each visit arrives its own way (direct, a search engine, a
 * forum, social, the newsletter, a blog), lands on a page that suits it, bounces
 * or reads on, and stays on each page for seconds to minutes. Its calls are what
 * the tracker sends: every view with the browser's context (referrer and UTM on
 * the visit's first view only), and on each page the last heartbeat its tab sent
 * there (heartbeatOffsets: every HEARTBEAT_INTERVAL_MS while open, and on the
 * visit's last page one as the reader leaves; the ones before the last change
 * nothing a dashboard of the past shows), so a one-page visit read for 50 s
 * lasts 50 s. Pure apart from the ids: the same `random` gives the same plan.
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
  // Events draw from a stream of their own, so adding them moved none of the views above.
  const eventDraws = seededRandom(0xe7e27);
  type Visitor = { id: string; last: number; profile: VisitorProfile };
  const seen: Visitor[] = [];
  let returningVisits = 0;
  const calls: PlannedCall[] = [];
  starts.forEach((start, index) => {
    const visitsLeft = starts.length - index;
    const earlier = seen.filter((visitor) => visitor.last < start - 60 * MINUTE);
    let visitor: Visitor;
    const returning = earlier.length > 0 && random() >= newLeft / visitsLeft;
    if (returning) {
      visitor = earlier[earlier.length - 1 - Math.floor(random() ** 2 * earlier.length)];
      returningVisits++;
    } else {
      visitor = { id: crypto.randomUUID(), last: start, profile: randomVisitor(random) };
      seen.push(visitor);
      newLeft--;
    }
    const { kind, arrival } = randomArrival(random, visitor.profile, { returning });
    const context = browserContext(visitor.profile);
    const path = journey(random, pages, kind);
    let at = start;
    path.forEach((page, step) => {
      if (at >= to) return;
      calls.push({ at, sessionId: visitor.id, page, visit: step === 0 ? { ...arrival, ...context } : context });
      if (step === path.length - 1) for (const event of eventsOfVisit(eventDraws, page)) calls.push({ at, sessionId: visitor.id, page, event });
      const leaves = step === path.length - 1;
      const open = readingTime(random, page, leaves);
      const lastBeat = heartbeatOffsets(open, leaves).at(-1)!;
      if (lastBeat > 0 && at + lastBeat < to) calls.push({ at: at + lastBeat, sessionId: visitor.id, page, heartbeat: true });
      // The next page opens a moment after this one is left.
      at += open + between(random, 500, 2_000);
    });
    visitor.last = at;
    seen.sort((a, b) => a.last - b.last);
  });
  // Stable: an event stays after the view it follows.
  calls.sort((a, b) => a.at - b.at);
  const views = calls.filter((planned): planned is PlannedView => !planned.heartbeat && !("event" in planned));
  return { calls, views, visits: starts.length, visitors: seen.length, returningVisits };
}

/**
 * How many replayed calls the stats worker's batches take together. A batch reads and writes each
 * time bucket it touches once, however many calls it folds, so a batch after every call is slow;
 * leaving it all to a catch-up after the replay is slow too (the worker then waits its debounce, in
 * real time, between dozens of batches). Measured: 50 is slower than 100, and 250 leaves more after.
 */
const CALLS_PER_CATCH_UP = 100;

/**
 * Makes planned calls (views and heartbeats) through the real mutations, in time
 * order, moving the backend clock to each call's moment so the mutation stamps
 * it then (and the stats worker, whose runs are scheduled on that clock, folds
 * views and settles ended visits as time passes). Returns the number of views
 * recorded (repeats inside the dedup window are not).
 */
export async function replayHistory(
  deployment: LocalDeployment,
  calls: readonly PlannedCall[],
  tracker: SiteTracker = hookTracker(deployment),
): Promise<number> {
  let recorded = 0;
  try {
    for (const [i, planned] of calls.entries()) {
      backendClock.setTime(planned.at);
      if (planned.heartbeat) await tracker.heartbeat(planned.sessionId, planned.page);
      else if ("event" in planned) await tracker.event(planned.sessionId, planned.page, planned.event);
      else if (await tracker.view(planned.sessionId, planned.page, planned.visit)) recorded++;
      // The calls never give the event loop a turn: now and then, the worker's due batch runs (folding the
      // calls since the last one together, and settling the visits that have ended by now).
      if ((i + 1) % CALLS_PER_CATCH_UP === 0) await deployment.runDue();
    }
  } finally {
    backendClock.reset();
  }
  // The worker folds what is left now (and settles the last visits once they end, when the cleanup cron wakes it).
  await deployment.runDue();
  return recorded;
}

/**
 * Replays the visits of `sessions` people over the last `days` days (see
 * planHistory) through the real mutations. Returns the number of views recorded.
 */
export async function seedHistory(
  deployment: LocalDeployment,
  pages: SitePage[],
  options: { days: number; sessions: number; random: Random; timeZone?: string },
): Promise<number> {
  return await replayHistory(deployment, planHistory(pages, { ...options, now: backendClock.now() }).calls);
}

export type Trickle = { stop(): void };

/**
 * Keeps visitors arriving now, about one per `meanArrivalMs`, each a new browser
 * (visitors.ts) arriving its own way: each views a few pages (about
 * `meanDwellMs` on each), heartbeats like the tracking hook while there
 * (heartbeatOffsets: at once, every HEARTBEAT_INTERVAL_MS, and as it leaves the last page), then leaves.
 */
export function startTrickle(
  deployment: LocalDeployment,
  pages: SitePage[],
  options: { meanArrivalMs: number; meanDwellMs: number; random: Random; onError: (error: unknown) => void; tracker?: SiteTracker },
): Trickle {
  const tracker = options.tracker ?? hookTracker(deployment);
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

  async function visit(sessionId: string, visitor: VisitorProfile, remaining: SitePage[], arrival: VisitContext): Promise<void> {
    const [page, ...rest] = remaining;
    // Referrer and UTM come with the visit's first view only.
    await tracker.view(sessionId, page, { ...arrival, ...browserContext(visitor) });
    await tracker.heartbeat(sessionId, page);
    const dwell = gap(options.meanDwellMs);
    const [, ...laterBeats] = heartbeatOffsets(dwell, rest.length === 0);
    for (const offset of laterBeats) later(offset, () => tracker.heartbeat(sessionId, page));
    // After the last page the visitor acts (signs up, pays...), then leaves (its last beat) and the session times out.
    if (rest.length > 0) later(dwell, () => visit(sessionId, visitor, rest, {}));
    else for (const event of eventsOfVisit(options.random, page)) await tracker.event(sessionId, page, event);
  }

  function arrive(): void {
    later(gap(options.meanArrivalMs), () => {
      arrive();
      const visitor = randomVisitor(options.random);
      const { kind, arrival } = randomArrival(options.random, visitor, { returning: false });
      return visit(crypto.randomUUID(), visitor, journey(options.random, pages, kind), arrival);
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
