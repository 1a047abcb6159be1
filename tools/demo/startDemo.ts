import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { LocalConvex } from "../local-convex/server";
import { buildApp } from "./buildApp";
import { defineGoals } from "./goals";
import { startSite } from "./site";
import { siteTimeZone } from "../../src/shared/timeRanges";
import { backendClock } from "../local-convex/clock";
import { planHistory, replayHistory, seededRandom, sitePages, startTrickle, type Trickle } from "./traffic";
import { DOCS_DASHBOARD_PATH, DOCS_PAGES, DOCS_ROUTE_PREFIX, docsTracker } from "./docsSite";

export type DemoOptions = {
  port: number;
  /** A site already built for this port; built afresh (and removed on stop) when absent. */
  appDir?: string;
  /** How many days of history to replay (default 30). */
  days?: number;
  /** How many visitors (session ids) the history has (default 500); about a third of their visits are returns. */
  sessions?: number;
  /** How many visitors the docs site's history has (default: two fifths of `sessions`). */
  docsSessions?: number;
  meanArrivalMs?: number;
  meanDwellMs?: number;
  seed?: number;
  /** The deployment's log (crons, scheduled functions). */
  log?: (line: string) => void;
};

export type Demo = {
  url: string;
  server: LocalConvex;
  /**
   * What the history seeding recorded: `sessions` visitors (session ids, as the tracker keeps them)
   * made `visits` visits, `returningVisits` of them coming back; `views` page views were counted.
   */
  seeded: { sessions: number; days: number; views: number; visits: number; returningVisits: number; timeZone: string; content: string };
  /**
   * The second site, the docs (convex/docsStats.ts): its dashboard's path in the app, the events endpoint its
   * script tag posts to, and what its history sent (`views` accepted by POST /docs/api/event).
   */
  docs: { dashboardPath: string; eventsUrl: string; seeded: { sessions: number; views: number; visits: number } };
  stop(): Promise<void>;
};

/**
 * The offline demo: the site served by the local Convex emulator, its content
 * synced, a month of visits (weekly and daily rhythm, returning visitors, a
 * slow rise; each from a browser with its device, place and language, arriving
 * directly or from a search engine, a forum, social media, the newsletter or a
 * blog, and reading for seconds to minutes) replayed through the real
 * mutations, views and heartbeats, and new simulated visitors arriving while it
 * runs. The stats worker settles each visit once it has ended (during the
 * replay as the clock passes; afterwards when the cleanup cron wakes it).
 * A second site, the docs, gets the same (fewer visitors) through its script
 * tag's endpoint, POST /docs/api/event, counted in its own component.
 */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const { port, days = 30, sessions = 500, meanArrivalMs = 6_000, meanDwellMs = 40_000, seed = 2024 } = options;
  const docsSessions = options.docsSessions ?? Math.round(sessions * 0.4);
  const url = `http://127.0.0.1:${port}`;
  const builtHere = options.appDir === undefined;
  const appDir = options.appDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "live-stats-demo-app-"));
  const { server, contentReport: content } = await startSite({ port, appDir, log: options.log });
  // Built once the server runs, so the build knows its HTTP actions' port (the dashboard's Download CSV).
  if (builtHere) await buildApp(url, appDir, server.siteUrl);
  const random = seededRandom(seed);
  const pages = await sitePages(server.deployment);
  const timeZone = siteTimeZone();
  const plan = planHistory(pages, { days, sessions, random, now: backendClock.now(), timeZone });
  const views = await replayHistory(server.deployment, plan.calls);
  await defineGoals(server.deployment);
  // The docs site's month, sent as its script tag sends it (POST /docs/api/event), after the blog's.
  const docsPlan = planHistory([...DOCS_PAGES], { days, sessions: docsSessions, random, now: backendClock.now(), timeZone });
  const docsViews = await replayHistory(server.deployment, docsPlan.calls, docsTracker(server, url, { live: false }));
  const onError = (error: unknown) => console.error("demo visitor failed:", error);
  const trickles: Trickle[] = [
    startTrickle(server.deployment, pages, { meanArrivalMs, meanDwellMs, random, onError }),
    // Fewer readers on the docs, each of their calls an HTTP request to the site port.
    startTrickle(server.deployment, [...DOCS_PAGES], { meanArrivalMs: meanArrivalMs * 2, meanDwellMs, random, onError, tracker: docsTracker(server, url, { live: true }) }),
  ];

  return {
    url,
    server,
    seeded: { sessions: plan.visitors, days, views, visits: plan.visits, returningVisits: plan.returningVisits, timeZone, content },
    docs: {
      dashboardPath: DOCS_DASHBOARD_PATH,
      eventsUrl: `${server.siteUrl}${DOCS_ROUTE_PREFIX}/api/event`,
      seeded: { sessions: docsPlan.visitors, views: docsViews, visits: docsPlan.visits },
    },
    async stop() {
      for (const trickle of trickles) trickle.stop();
      await server.close();
      if (builtHere) fs.rmSync(appDir, { recursive: true, force: true });
    },
  };
}
