import { afterAll, beforeAll, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { startDemo, type Demo } from "../../tools/demo/startDemo";
import { launchChromium } from "./support/browser";
import { DESKTOP, SCREENSHOT_DIR } from "./support/screenshots";
import { PANEL_POLL, readDashboard, showEvents } from "./support/dashboard";
import { queryValue } from "./support/statsRange";
import { localDate, resolvePeriod } from "../../src/shared/timeRanges";
import { sitePages } from "../../tools/demo/traffic";
import { DOCS_PAGES } from "../../tools/demo/docsSite";

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;
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
  // The open dashboard has the worker fold, within its first batches, the views that waited for one.
  await expect.poll(async () => (await readDashboard(page)).totalViews).toBeGreaterThanOrEqual(demo.seeded.views);
  const first = await readDashboard(page);
  expect(first.uniqueVisitors).toBeGreaterThanOrEqual(SESSIONS);

  // New simulated visitors show up on their own.
  await expect.poll(async () => (await readDashboard(page)).uniqueVisitors).toBeGreaterThan(first.uniqueVisitors!);
  await expect.poll(async () => (await readDashboard(page)).activeNow).toBeGreaterThan(1);

  // The demo's visitors send custom events too: the Events panel lists each name the Stats API answers, revenue with it.
  const range = resolvePeriod({ period: "30d" }, Date.now(), demo.seeded.timeZone);
  const served = await demo.server.deployment.query("stats:breakdown", { property: "event", from: range.from, to: range.to });
  const names = (served.success ? (served.value as { value: string }[]) : []).map(({ value }) => value);
  expect(names).toEqual(expect.arrayContaining(["Signup"]));
  await showEvents(page);
  await expect.poll(async () => (await page.locator('[data-testid="events-table"] tbody th').allTextContents()).sort()).toEqual([...names].sort());
  await expect.poll(() => page.locator('[data-testid="events-table"] thead').textContent()).toContain("Revenue");
});

it("runs a second site, the docs, through its script tag's endpoint: counted in docsStats only, on its own dashboard, visitors arriving", async () => {
  expect(demo.docs.eventsUrl).toBe(`${demo.server.siteUrl}/docs/api/event`);
  expect(demo.docs.seeded.sessions).toBeGreaterThan(0);
  expect(demo.docs.seeded.views).toBeGreaterThanOrEqual(demo.docs.seeded.sessions);
  const docsPaths = DOCS_PAGES.map(({ path }) => path);
  const pathsOf = async (udfPath: string) => {
    const { pageStats } = await queryValue<{ pageStats: { path: string }[] }>(demo.server.deployment, udfPath, {});
    return pageStats.map(({ path }) => path);
  };
  // Each site counts its own pages only.
  const docsCounted = await pathsOf("docsStats:getPageViewStats");
  expect(docsCounted.length).toBeGreaterThanOrEqual(3);
  for (const path of docsCounted) expect(docsPaths).toContain(path);
  for (const path of await pathsOf("stats:getPageViewStats")) expect(docsPaths).not.toContain(path);

  const page = await (await browser.newContext({ baseURL: demo.url })).newPage();
  await page.goto(demo.docs.dashboardPath);
  await expect.poll(async () => Object.keys((await readDashboard(page)).viewsByPage).length).toBeGreaterThanOrEqual(3);
  const first = await readDashboard(page);
  for (const path of Object.keys(first.viewsByPage)) expect(docsPaths).toContain(path);
  expect(first.uniqueVisitors).toBeGreaterThanOrEqual(demo.docs.seeded.sessions);
  // Its live visitors' views and heartbeats, POSTed to /docs/api/event, show up on their own.
  await expect.poll(async () => (await readDashboard(page)).uniqueVisitors).toBeGreaterThan(first.uniqueVisitors!);
  await expect.poll(async () => (await readDashboard(page)).activeNow).toBeGreaterThan(0);
});

type Summary = { pageviews: number; visitors: number; visits: number; viewsPerVisit: number; bounceRate: number; visitDurationMs: number };
type BreakdownRow = { value: string; visits?: number };

it("replays visits as the tracker sends them: several sources, countries, devices and browsers, bounces and visits read for minutes", async () => {
  const now = Date.now();
  // The last 31 days, whole days of the site's zone: older detail than two days is rolled up (prds/rollup.md).
  const { timeZone } = await queryValue<{ timeZone: string }>(demo.server.deployment, "stats:settings", {});
  const { from, to } = resolvePeriod({ period: "custom", from: localDate(now - 31 * DAY, timeZone), to: localDate(now, timeZone) }, now, timeZone);
  const range = { from, to };
  const summary = await queryValue<Summary>(demo.server.deployment, "stats:summary", range);
  expect(summary.visits).toBeGreaterThanOrEqual(SESSIONS);
  expect(summary.viewsPerVisit).toBeGreaterThan(1);
  // Some visits bounce, not all; and with their heartbeats, visits last minutes on average.
  expect(summary.bounceRate).toBeGreaterThan(0.2);
  expect(summary.bounceRate).toBeLessThan(0.9);
  expect(summary.visitDurationMs).toBeGreaterThan(30_000);

  const values = async (property: string) =>
    (await queryValue<BreakdownRow[]>(demo.server.deployment, "stats:breakdown", { ...range, property, limit: 100 })).map(({ value }) => value);
  const sources = await values("source");
  expect(sources).toEqual(expect.arrayContaining(["Direct / None", "Google"]));
  expect(sources.length).toBeGreaterThanOrEqual(6);
  const countries = await values("country");
  expect(countries).toContain("US");
  expect(countries.length).toBeGreaterThanOrEqual(6);
  expect(await values("device")).toEqual(expect.arrayContaining(["Desktop", "Mobile"]));
  expect((await values("browser")).length).toBeGreaterThanOrEqual(3);
  // Every visit came with its browser's context: nothing is Unknown.
  for (const property of ["device", "browser", "os", "country", "language", "screen"]) expect(await values(property)).not.toContain("Unknown");
  // Referrer and UTM are what the tracker sends from a landing URL: the referrer's host and path, the newsletter's campaign.
  const referrers = await values("referrer");
  expect(referrers.length).toBeGreaterThanOrEqual(4);
  expect(referrers).toContainEqual(expect.stringMatching(/^www\.google\.[a-z.]+$/));
  for (const utmSource of await values("utmSource")) expect(utmSource).toBe("newsletter");
});

type GoalRow = { value: string; visitors: number; events: number };
type FunnelStep = { goal: string; visits: number };

/** The owner's command (`npx convex run stats:createGoal`), as the deployment runs an internal function. */
async function runAsOwner(udfPath: string, args: Record<string, unknown>): Promise<void> {
  const outcome = await demo.server.deployment.mutation(udfPath, args as never, { caller: "deployment" });
  if (!outcome.success) throw new Error(`${udfPath} failed: ${outcome.errorMessage}`);
}

it("a goal made while the dashboard is open appears with all its history (at the panels' next ask); clicking a goal filters everything and shows its properties", async () => {
  const page = await (await browser.newContext({ baseURL: demo.url, viewport: DESKTOP })).newPage();
  await page.goto("/stats?period=30d");
  const { from, to } = resolvePeriod({ period: "30d" }, Date.now(), demo.seeded.timeZone);
  const range = { from, to };
  const goalNames = () => page.locator('[data-testid="goals-table"] tbody th').allTextContents();
  // The demo's goals, made after its month of history, count all of it.
  await expect.poll(goalNames).toEqual(expect.arrayContaining(["Sign-ups", "Purchases"]));
  // A goal of a page, made now: a scan of every visit's steps finds the visits that read it, all month.
  await runAsOwner("stats:createGoal", { name: "Read the home page", page: "/" });
  await expect.poll(goalNames, PANEL_POLL).toContain("Read the home page");
  const served = await queryValue<GoalRow[]>(demo.server.deployment, "stats:breakdown", { ...range, property: "goal", limit: 100 });
  const home = served.find(({ value }) => value === "Read the home page")!;
  expect(home.visitors).toBeGreaterThan(SESSIONS / 4);
  const unique = (name: string) => page.locator(`[data-testid="goals-table"] tr[data-value="${name}"] [data-testid="breakdown-unique"]`).textContent();
  // Live visitors keep coming: the dashboard shows what the Stats API answers, at least the history it had.
  await expect.poll(async () => Number((await unique("Read the home page"))?.replace(/\D/g, "")), PANEL_POLL).toBeGreaterThanOrEqual(home.visitors);

  // Purchases carry revenue; choosing the goal filters the whole dashboard by it and turns to its properties.
  await page.locator('[data-testid="goals-table"] tr[data-value="Purchases"] [data-testid="breakdown-filter"]').click();
  await expect.poll(() => new URL(page.url()).searchParams.getAll("filter")).toEqual(["goal:Purchases"]);
  await expect.poll(() => page.locator('[data-testid="stat-range-unique-conversions"]').count()).toBe(1);
  await expect.poll(() => page.locator('[data-testid="stat-range-total-conversions"] [data-testid="stat-value"]').textContent()).toMatch(/\d/);
  const filtered = await queryValue<{ events: number; revenue?: number }>(demo.server.deployment, "stats:summary", { ...range, filters: [{ property: "goal", op: "is", value: "Purchases" }] });
  expect(filtered.events).toBeGreaterThan(0);
  expect(filtered.revenue).toBeGreaterThan(0);
  // Its properties: the keys its events carry, then the chosen key's values.
  await expect.poll(() => page.locator('[data-testid="property-key"] option').allTextContents()).toEqual(expect.arrayContaining(["plan", "billing"]));
  await expect.poll(async () => (await page.locator('[data-testid="goals-panel"] tbody th').allTextContents()).length).toBeGreaterThan(0);
  await page.screenshot({ path: `${SCREENSHOT_DIR}demo-goal-filter.png`, fullPage: true, animations: "disabled" });
});

it("a three-step funnel: its bars, shares and drop-offs as the Stats API counts them, live", async () => {
  const page = await (await browser.newContext({ baseURL: demo.url, viewport: DESKTOP })).newPage();
  await page.goto("/stats?period=30d");
  const { from, to } = resolvePeriod({ period: "30d" }, Date.now(), demo.seeded.timeZone);
  const range = { from, to };
  const served = await queryValue<FunnelStep[]>(demo.server.deployment, "stats:funnel", { ...range, funnel: "Checkout" });
  expect(served.map(({ goal }) => goal)).toEqual(["Sign-ups", "Started checkout", "Purchases"]);
  // The demo's visitors sign up, and a step never has more visits than the one before. (How many of its 80 visitors
  // also begin a checkout and pay in the same visit within these 30 days is chance: 0 to 3 in runs at different hours.)
  expect(served[0].visits).toBeGreaterThan(0);
  expect(served[1].visits).toBeLessThanOrEqual(served[0].visits);
  expect(served[2].visits).toBeLessThanOrEqual(served[1].visits);
  const steps = () => page.locator('[data-testid="funnel-steps"] tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute("data-value")));
  await expect.poll(steps).toEqual(["Sign-ups", "Started checkout", "Purchases"]);
  const visits = async () => (await page.locator('[data-testid="funnel-visits"]').allTextContents()).map((text) => Number(text.replace(/\D/g, "")));
  // Live visitors may add to it: never fewer than the history, each step no more than the one before.
  await expect.poll(async () => (await visits()).every((count, i) => count >= served[i].visits)).toBe(true);
  const shown = await visits();
  expect(shown[1]).toBeLessThanOrEqual(shown[0]);
  expect(shown[2]).toBeLessThanOrEqual(shown[1]);
  const dropped = await page.locator('[data-testid="funnel-dropped"]').allTextContents();
  expect(dropped[0]).toBe("–");
  expect(dropped[1]).toContain(String(shown[0] - shown[1]));
  await page.locator('[data-testid="funnels-panel"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCREENSHOT_DIR}demo-funnel.png`, fullPage: true, animations: "disabled" });
});
