import { afterAll, beforeAll, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { startDemo, type Demo } from "../../tools/demo/startDemo";
import { launchChromium } from "./support/browser";
import { readDashboard } from "./support/dashboard";
import { sitePages } from "../../tools/demo/traffic";

const DAY = 24 * 60 * 60 * 1000;
const SESSIONS = 80;

let browser: Browser;
let demo: Demo;

beforeAll(async () => {
  browser = await launchChromium();
  // The demo as `npm run demo` starts it, smaller and with visitors arriving faster.
  demo = await startDemo({ port: inject("appPort"), appDir: inject("appDir"), sessions: SESSIONS, meanArrivalMs: 500, meanDwellMs: 2_000 });
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

it("serves a dashboard seeded with days of history across the site's pages, and visitors keep arriving", async () => {
  expect(demo.seeded.views).toBeGreaterThanOrEqual(SESSIONS);
  const stats = await demo.server.deployment.query("stats:getPageViewStats", {});
  expect(stats).toMatchObject({ success: true, value: { trackingSince: expect.any(Number) } });
  const { trackingSince } = (stats.success ? stats.value : {}) as { trackingSince: number };
  expect(Date.now() - trackingSince).toBeGreaterThan(DAY);

  const page = await (await browser.newContext({ baseURL: demo.url })).newPage();
  await page.goto("/stats");
  const sitePaths = (await sitePages(demo.server.deployment)).map(({ path }) => path);
  await expect.poll(async () => Object.keys((await readDashboard(page)).viewsByPage).sort()).toEqual(sitePaths.sort());
  const first = await readDashboard(page);
  expect(first.totalViews).toBeGreaterThanOrEqual(demo.seeded.views);
  expect(first.uniqueVisitors).toBeGreaterThanOrEqual(SESSIONS);

  // New simulated visitors show up on their own.
  await expect.poll(async () => (await readDashboard(page)).uniqueVisitors).toBeGreaterThan(first.uniqueVisitors!);
  await expect.poll(async () => (await readDashboard(page)).activeNow).toBeGreaterThan(1);
});
