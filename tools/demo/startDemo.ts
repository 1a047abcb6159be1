import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { LocalConvex } from "../local-convex/server";
import { buildApp } from "./buildApp";
import { startSite } from "./site";
import { siteTimeZone } from "../../src/shared/timeRanges";
import { backendClock } from "../local-convex/clock";
import { planHistory, replayHistory, seededRandom, sitePages, startTrickle } from "./traffic";

export type DemoOptions = {
  port: number;
  /** A site already built for this port; built afresh (and removed on stop) when absent. */
  appDir?: string;
  /** How many days of history to replay (default 30). */
  days?: number;
  /** How many visitors (session ids) the history has (default 500); about a third of their visits are returns. */
  sessions?: number;
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
 */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const { port, days = 30, sessions = 500, meanArrivalMs = 6_000, meanDwellMs = 40_000, seed = 2024 } = options;
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
  const trickle = startTrickle(server.deployment, pages, {
    meanArrivalMs,
    meanDwellMs,
    random,
    onError: (error) => console.error("demo visitor failed:", error),
  });

  return {
    url,
    server,
    seeded: { sessions: plan.visitors, days, views, visits: plan.visits, returningVisits: plan.returningVisits, timeZone, content },
    async stop() {
      trickle.stop();
      await server.close();
      if (builtHere) fs.rmSync(appDir, { recursive: true, force: true });
    },
  };
}
