import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { LocalConvex } from "../local-convex/server";
import { buildApp } from "./buildApp";
import { startSite } from "./site";
import { seedHistory, seededRandom, sitePages, startTrickle } from "./traffic";

export type DemoOptions = {
  port: number;
  /** A site already built for this port; built afresh (and removed on stop) when absent. */
  appDir?: string;
  days?: number;
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
  /** What the history seeding recorded. */
  seeded: { sessions: number; days: number; views: number; content: string };
  stop(): Promise<void>;
};

/**
 * The offline demo: the site served by the local Convex emulator, its content
 * synced, a few days of visits replayed through the real mutations, and new
 * simulated visitors arriving while it runs.
 */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const { port, days = 3, sessions = 400, meanArrivalMs = 6_000, meanDwellMs = 40_000, seed = 2024 } = options;
  const url = `http://127.0.0.1:${port}`;
  const builtHere = options.appDir === undefined;
  const appDir = options.appDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "live-stats-demo-app-"));
  if (builtHere) await buildApp(url, appDir);

  const { server, contentReport: content } = await startSite({ port, appDir, log: options.log });
  const random = seededRandom(seed);
  const pages = await sitePages(server.deployment);
  const views = await seedHistory(server.deployment, pages, { days, sessions, random });
  const trickle = startTrickle(server.deployment, pages, {
    meanArrivalMs,
    meanDwellMs,
    random,
    onError: (error) => console.error("demo visitor failed:", error),
  });

  return {
    url,
    server,
    seeded: { sessions, days, views, content },
    async stop() {
      trickle.stop();
      await server.close();
      if (builtHere) fs.rmSync(appDir, { recursive: true, force: true });
    },
  };
}
