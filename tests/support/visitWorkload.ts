import { api } from "../../convex/_generated/api";
import { HEARTBEAT_DEDUP_MS, VISIT_TIMEOUT_MS } from "../../src/shared/config";
import type { VisitContext } from "../../src/component/record/visitAttributes";
import { MINUTE, advanceTo } from "./clock";
import type { TestConvex } from "./convex";
import { pageTypeOf, pathName, random, sessionId } from "./seed";
import { settle } from "./worker";
import { muteBackfillLogs } from "./backfill";
import { readTruth } from "./timeTruth";

/**
 * Visitors' calls as the tracker makes them, in time order: visits of a few
 * views (the first carrying referrer and UTM) with heartbeats between and
 * after them, from browsers of several kinds, places and screens.
 */

export const USER_AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
];
const ARRIVALS: Pick<VisitContext, "referrer" | "utmSource" | "utmMedium" | "utmCampaign">[] = [
  {},
  {},
  { referrer: "https://www.google.com/" },
  { referrer: "https://news.ycombinator.com/item" },
  { referrer: "https://old.reddit.com/r/programming/" },
  { referrer: "https://blog.example.org/a-post" },
  { utmSource: "newsletter", utmMedium: "email", utmCampaign: "launch" },
  { utmSource: "hn", utmCampaign: "show-hn" },
];
const ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Australia/Sydney"];
const LANGUAGES = ["en-US", "de-DE", "fr", "en-GB"];
const WIDTHS = [375, 820, 1280, 1920];

export type Call =
  | { at: number; kind: "view"; visitor: number; path: string; visit: VisitContext }
  | { at: number; kind: "beat"; visitor: number; path: string }
  | { at: number; kind: "event"; visitor: number; path: string; name: string; props?: Record<string, string>; revenue?: { amount: string; currency: string } };

/** `visitors` visitors' calls from `start` over `days` days, sorted by time. */
export function generateVisitCalls(opts: { visitors: number; start: number; days: number; seed?: number }): Call[] {
  const next = random(opts.seed ?? 17);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  const calls: Call[] = [];
  for (let visitor = 0; visitor < opts.visitors; visitor++) {
    const device = { userAgent: pick(USER_AGENTS), timeZone: pick(ZONES), language: pick(LANGUAGES), screenWidth: pick(WIDTHS) };
    let at = opts.start + Math.floor(next() * opts.days * 24 * 60) * MINUTE + Math.floor(next() * MINUTE);
    for (let visit = 0, visits = 1 + Math.floor(next() * 3); visit < visits; visit++) {
      const arrival = pick(ARRIVALS);
      for (let view = 0, views = 1 + Math.floor(next() * 4); view < views; view++) {
        const path = pathName(Math.floor(12 * next() ** 2));
        calls.push({ at, kind: "view", visitor, path, visit: view === 0 ? { ...arrival, ...device } : device });
        // Heartbeats while the page is read; a visit's last page is often read for minutes.
        for (let beats = Math.floor(next() * 4), beat = 0; beat < beats; beat++) {
          at += Math.floor(next() * 3 * MINUTE) + 1000;
          calls.push({ at, kind: "beat", visitor, path });
        }
        at += Math.floor(next() * 8 * MINUTE) + 1000;
      }
      // The next visit: just past the timeout, or hours to days later.
      at += next() < 0.3 ? VISIT_TIMEOUT_MS + Math.floor(next() * 10 * MINUTE) + 1000 : Math.floor(next() * 2 * 24 * 60) * MINUTE;
    }
  }
  return calls.sort((a, b) => a.at - b.at || a.visitor - b.visitor);
}

/**
 * The calls with custom events added as a shop's visitors send them, each seconds after a view, in its visit: sign-ups
 * (with a plan) on some views, downloads on others, and a checkout (started, then paid with revenue) on a few.
 */
export function withEvents(calls: Call[], seed = 5): Call[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  const added: Call[] = [];
  for (const call of calls) {
    if (call.kind !== "view") continue;
    const after = (seconds: number) => call.at + 500 + Math.floor(next() * seconds * 1000);
    const base = { kind: "event" as const, visitor: call.visitor, path: call.path };
    const roll = next();
    if (roll < 0.15) added.push({ ...base, at: after(20), name: "Signup", props: { plan: pick(["free", "pro", "team"]), ...(next() < 0.5 ? { seats: String(1 + Math.floor(next() * 3)) } : {}) } });
    else if (roll < 0.25) added.push({ ...base, at: after(20), name: "Download", props: { file: pick(["guide.pdf", "deck.key", "data.csv"]) } });
    else if (roll < 0.33) {
      const at = after(10);
      added.push({ ...base, at, name: "Checkout" });
      if (next() < 0.6) added.push({ ...base, at: at + 2_000, name: "Purchase", props: { plan: pick(["pro", "team"]) }, revenue: { amount: `${10 + Math.floor(next() * 90)}.${Math.floor(next() * 10)}9`, currency: "USD" } });
    }
  }
  return [...calls, ...added].sort((a, b) => a.at - b.at || a.visitor - b.visitor);
}

/** Makes the calls at their times (the fake clock follows), letting the worker fold whenever the site goes quiet for a while. */
export async function replayCalls(t: TestConvex, calls: Call[]): Promise<void> {
  for (const [i, call] of calls.entries()) {
    advanceTo(call.at);
    const session = sessionId(call.visitor);
    if (call.kind === "view") await t.mutation(api.stats.recordPageView, { path: call.path, pageType: pageTypeOf(call.path), sessionId: session, visit: call.visit });
    else if (call.kind === "beat") await t.mutation(api.stats.heartbeat, { sessionId: session, currentPath: call.path });
    else await t.mutation(api.stats.trackEvent, { sessionId: session, name: call.name, path: call.path, props: call.props, revenue: call.revenue });
    const gap = (calls[i + 1]?.at ?? Infinity) - call.at;
    if (gap > 20 * MINUTE) await settle(t);
  }
}

/** Replays the calls, lets the worker fold them (the last visits still open), and reads the raw rows to recount against. */
export async function replayAndRecount(t: TestConvex, calls: Call[]): ReturnType<typeof readTruth> {
  muteBackfillLogs();
  await replayCalls(t, calls);
  await settle(t);
  return await readTruth(t);
}

/**
 * The visits the calls make by the rule (views and heartbeats are activity; a
 * view after a gap over the timeout starts a visit), from the views that
 * counted and the heartbeats the server takes (not a same-path repeat inside
 * HEARTBEAT_DEDUP_MS of the visit's last activity), with the page the
 * session is on when a heartbeat's is not the exit page (`currentPath`).
 */
export function visitsByRule(calls: Call[], counted: ReadonlySet<string>) {
  type Built = { sessionId: string; start: number; lastActivity: number; views: number; entryPage: string; exitPage: string; currentPath?: string; context: VisitContext };
  const open = new Map<number, Built>();
  const visits: Built[] = [];
  for (const call of calls) {
    const visit = open.get(call.visitor);
    const isOpen = visit !== undefined && call.at - visit.lastActivity <= VISIT_TIMEOUT_MS;
    // An event is activity of the open visit, as a heartbeat is (never deduplicated).
    if (call.kind === "event") {
      if (isOpen) visit.lastActivity = Math.max(visit.lastActivity, call.at);
      continue;
    }
    if (call.kind === "beat") {
      if (!isOpen || ((visit.currentPath ?? visit.exitPage) === call.path && call.at - visit.lastActivity < HEARTBEAT_DEDUP_MS)) continue;
      visit.lastActivity = call.at;
      if (call.path === visit.exitPage) delete visit.currentPath;
      else visit.currentPath = call.path;
      continue;
    }
    if (!counted.has(`${sessionId(call.visitor)}@${call.at}`)) continue;
    if (isOpen) {
      Object.assign(visit, { lastActivity: call.at, views: visit.views + 1, exitPage: call.path });
      delete visit.currentPath;
      continue;
    }
    const started = { sessionId: sessionId(call.visitor), start: call.at, lastActivity: call.at, views: 1, entryPage: call.path, exitPage: call.path, context: call.visit };
    open.set(call.visitor, started);
    visits.push(started);
  }
  return visits;
}
