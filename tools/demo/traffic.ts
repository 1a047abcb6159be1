import type { JSONValue } from "convex/values";
import { HEARTBEAT_INTERVAL_MS, type PageType } from "../../convex/model/config";
import { backendClock } from "../local-convex/clock";
import type { LocalDeployment } from "../local-convex/deployment";

// Synthetic visitors for the demo and the screenshots. Everything goes through the
// app's public functions, exactly as the tracking hook calls them.

export type SitePage = { path: string; pageType: PageType; weight: number };
export type Random = () => number;

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

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

/**
 * Replays `sessions` visits spread over the last `days` days. The backend
 * clock is moved to each view's moment, so the real mutation stamps it then.
 * Returns the number of views recorded (repeats inside the dedup window are not).
 */
export async function seedHistory(
  deployment: LocalDeployment,
  pages: SitePage[],
  options: { days: number; sessions: number; random: Random },
): Promise<number> {
  const now = backendClock.now();
  const views: { at: number; sessionId: string; page: SitePage }[] = [];
  for (let visit = 0; visit < options.sessions; visit++) {
    const sessionId = crypto.randomUUID();
    let at = now - between(options.random, 10 * MINUTE, options.days * DAY);
    for (const page of journey(options.random, pages)) {
      views.push({ at, sessionId, page });
      at += between(options.random, 0.25 * MINUTE, 4 * MINUTE);
    }
  }
  views.sort((a, b) => a.at - b.at);
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
