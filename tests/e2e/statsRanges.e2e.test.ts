import { setTimeout as delay } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { bucketStart, buckets, localDate, nextBucketStart, type Interval } from "../../src/shared/timeRanges";
import { rangeLabel } from "../../src/react/lib/timeBuckets";
import type { LocalConvex } from "../../tools/local-convex/server";
import { startSite } from "../../tools/demo/site";
import { replayHistory, seedHistory, seededRandom, sitePages } from "../../tools/demo/traffic";
import { launchChromium, newCountedContext } from "./support/browser";
import { openDashboard, readChartTable, readDashboard, readRangeCards, wasNeverReloaded, type ChartRow } from "./support/dashboard";
import { expectServerRangeFigures, queryValue } from "./support/statsRange";

// The dashboard's date ranges in Chromium, on one server seeded with a month of history: the chart's
// live bucket follows another browser's visit, and the picker (by its label, by keyboard, by dates)
// shows a range whose every figure is what the Stats API answers on the same deployment.

/** The site's zone (STATS_TIME_ZONE): its days are not UTC's. */
const SITE_ZONE = "America/New_York";
/** The browser's: the range's dates must not follow it. */
const BROWSER_ZONE = "Asia/Kolkata";
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let browser: Browser;
let server: LocalConvex;
let contexts: BrowserContext[] = [];
let pageErrors: string[] = [];
let post: string;
/** The first view: in the last half hour of a day in the site's zone, when it is already the next day in the browser's. */
let firstView: number;

beforeAll(async () => {
  browser = await launchChromium();
  ({ server } = await startSite({ port: inject("appPort"), appDir: inject("appDir"), runCronsOnSchedule: false, env: { STATS_TIME_ZONE: SITE_ZONE } }));
  const pages = await sitePages(server.deployment);
  firstView = nextBucketStart(Date.now() - 31 * DAY, "day", SITE_ZONE) - 30 * MINUTE;
  await replayHistory(server.deployment, [{ at: firstView, sessionId: crypto.randomUUID(), page: pages[0] }]);
  // A month of a small site's visits, as the demo replays them: every day of the last week has some.
  await seedHistory(server.deployment, pages, { days: 30, sessions: 100, random: seededRandom(3), timeZone: SITE_ZONE });
  // The month is folded before any test looks: unwatched, the worker leaves the replay's last views and events to its
  // hourly catch-up, which a dashboard's watch would otherwise start in the middle of a test.
  await server.deployment.mutation("stats:watchDashboard", {});
  await server.deployment.settled();
  post = pages.find(({ pageType }) => pageType === "post")!.path;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  contexts = [];
  // The app must never throw, whatever the test did to it.
  expect(pageErrors).toEqual([]);
  pageErrors = [];
});

/** A browser context is one visitor, counted as a person: its own localStorage, so its own session id. */
async function newVisitor(): Promise<BrowserContext> {
  const context = await newCountedContext(browser, { baseURL: server.url, timezoneId: BROWSER_ZONE });
  context.on("weberror", (error) => pageErrors.push(String(error.error())));
  contexts.push(context);
  return context;
}

const liveRow = async (page: Page): Promise<ChartRow | undefined> => (await readChartTable(page)).find((row) => row.live);
const period = (page: Page) => new URL(page.url()).searchParams.get("period");

/** The calendar date `days` before a date ("2026-11-23", 6 → "2026-11-17"). */
const daysBefore = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) - days * DAY).toISOString().slice(0, 10);

/** Waits, if need be, for the next minute to begin, so the next `seconds` stay inside one minute (and one hour, one day). */
async function awayFromMinuteEnd(seconds: number): Promise<void> {
  const left = MINUTE - (Date.now() % MINUTE);
  if (left < seconds * 1000) await delay(left + 500);
}

describe("the chart's current bucket", () => {
  it("rises when another browser visits, on a dashboard that is never reloaded (realtime by minute, today by hour)", async () => {
    const watcher = await newVisitor();
    const dashboards: { page: Page; interval: Interval }[] = [
      { page: await openDashboard(watcher, "/stats?period=realtime"), interval: "minute" },
      { page: await openDashboard(watcher, "/stats?period=today"), interval: "hour" },
    ];
    // What follows stays in one minute; then both show what the server holds (the dashboard itself is never counted).
    await awayFromMinuteEnd(25);
    for (const { page } of dashboards) await expectServerRangeFigures(page, server.deployment);

    const before = await Promise.all(dashboards.map(({ page }) => liveRow(page)));
    const cardsBefore = await readRangeCards(dashboards[0].page);
    dashboards.forEach(({ interval }, index) => {
      // The row marked "so far" is the bucket holding now, in the site's zone.
      expect(before[index], interval).toMatchObject({ live: true, start: bucketStart(Date.now(), interval, SITE_ZONE) });
    });

    // Someone else reads a post: one new visitor, one view, in the current minute and hour.
    const reader = await (await newVisitor()).newPage();
    await reader.goto(post);
    for (const [index, { page, interval }] of dashboards.entries()) {
      await expect.poll(() => liveRow(page), { message: interval }).toEqual({ ...before[index], visitors: before[index]!.visitors + 1, pageviews: before[index]!.pageviews + 1 });
    }
    await expect.poll(() => readRangeCards(dashboards[0].page)).toMatchObject({
      visitors: { value: cardsBefore.visitors.value! + 1 },
      pageviews: { value: cardsBefore.pageviews.value! + 1 },
    });

    // The same reader opens another page: one more view in the bucket, still one visitor.
    await reader.locator('a[href="/about"]').first().click();
    for (const [index, { page, interval }] of dashboards.entries()) {
      await expect.poll(() => liveRow(page), { message: interval }).toEqual({ ...before[index], visitors: before[index]!.visitors + 1, pageviews: before[index]!.pageviews + 2 });
    }

    for (const { page } of dashboards) {
      await expectServerRangeFigures(page, server.deployment);
      expect(await wasNeverReloaded(page)).toBe(true);
    }
  });
});

describe("choosing a range", () => {
  /** Days of the last week, in the site's calendar, before today (which the history fills only up to ten minutes ago). */
  const FULL_DAYS = 6;

  async function expectLastSevenDays(page: Page): Promise<void> {
    await expect.poll(() => period(page)).toBe("7d");
    const { shown, figures } = await expectServerRangeFigures(page, server.deployment);
    // Seven days from the site's midnight, by day, today still being counted.
    expect(shown.interval).toBe("day");
    expect(figures.chart.map(({ start }) => start)).toEqual(buckets(shown.range, "day", SITE_ZONE));
    expect(figures.chart).toHaveLength(7);
    expect(localDate(shown.range.from, SITE_ZONE)).toBe(daysBefore(localDate(Date.now(), SITE_ZONE), FULL_DAYS));
    expect(figures.chart.map(({ live }) => live)).toEqual([false, false, false, false, false, false, true]);
    // Every seeded day has visits, and the previous period is listed beside each day.
    for (const day of figures.chart.slice(0, FULL_DAYS)) {
      expect(day.visitors).toBeGreaterThan(0);
      expect(day.pageviews).toBeGreaterThanOrEqual(day.visitors);
      expect(day.previous?.pageviews).toBeGreaterThan(0);
    }
    // The cards' page views are the days' sum; their visitors are distinct over the week, so no more than the days' sum.
    const sum = (metric: "visitors" | "pageviews") => figures.chart.reduce((total, day) => total + day[metric], 0);
    expect(figures.cards.pageviews.value).toBe(sum("pageviews"));
    expect(figures.cards.visitors.value).toBeLessThanOrEqual(sum("visitors"));
    expect(figures.cards.visitors.value).toBeGreaterThanOrEqual(Math.max(...figures.chart.map(({ visitors }) => visitors)));
    expect(figures.cards.pageviews.change).toMatch(/^(▲|▼) (\d+%|<1%|new)$|^no change$/);
    // The dates are the site's, named beside the range, whatever the browser's zone.
    const { label } = await readRangeCards(page);
    expect(label).toBe(`${rangeLabel(shown.range.from, shown.range.to - MINUTE, "day", SITE_ZONE)} (${SITE_ZONE})`.replace(/\s/g, " "));
  }

  it("shows the last 7 days, picked by the select's label and by the W key, as the Stats API counts them", async () => {
    const page = await openDashboard(await newVisitor());
    const picker = page.getByLabel("Date range");
    // The default: the last 30 days.
    expect(await picker.inputValue()).toBe("30d");
    await expectServerRangeFigures(page, server.deployment);

    await picker.selectOption({ label: "Last 7 days" });
    await expectLastSevenDays(page);

    // Shortcuts work anywhere but in a field: off the select, D is today, then W the last 7 days again.
    await page.getByRole("heading", { level: 1 }).click();
    await page.keyboard.press("d");
    await expect.poll(() => period(page)).toBe("today");
    await expect.poll(() => picker.inputValue()).toBe("today");
    const today = await expectServerRangeFigures(page, server.deployment);
    expect(today.shown.interval).toBe("hour");
    await page.keyboard.press("w");
    await expect.poll(() => picker.inputValue()).toBe("7d");
    await expectLastSevenDays(page);
    expect(await wasNeverReloaded(page)).toBe(true);
  });

  it("shows a custom range typed into the picker's date fields", async () => {
    const page = await openDashboard(await newVisitor(), "/stats?period=7d");
    await expectServerRangeFigures(page, server.deployment);
    const from = localDate(Date.now() - 20 * DAY, SITE_ZONE);
    const to = localDate(Date.now() - 11 * DAY, SITE_ZONE);

    await page.getByLabel("Date range").selectOption({ label: "Custom range" });
    const form = page.getByRole("form", { name: "Custom range" });
    await form.getByLabel("From").fill(from);
    await form.getByLabel("To").fill(to);
    await form.getByRole("button", { name: "Apply" }).click();

    await expect.poll(() => Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ period: "custom", from, to });
    const { shown, figures } = await expectServerRangeFigures(page, server.deployment);
    // Ten whole days of history, none of them live.
    expect(figures.chart).toHaveLength(10);
    expect(figures.chart.every(({ live, pageviews }) => !live && pageviews > 0)).toBe(true);
    expect(shown.range.from).toBe(bucketStart(Date.parse(`${from}T12:00:00Z`), "day", SITE_ZONE));
    expect(await wasNeverReloaded(page)).toBe(true);
  });

  it("starts all time on the first view's day in the site's zone, the day Tracking since names", async () => {
    const page = await openDashboard(await newVisitor(), "/stats?period=all");
    const { shown, figures } = await expectServerRangeFigures(page, server.deployment);
    const { trackingSince } = await queryValue<{ trackingSince: number }>(server.deployment, "stats:getPageViewStats", {});
    // The clock runs on from where the seeding set it, a few milliseconds before the view is stamped.
    expect(trackingSince - firstView).toBeGreaterThanOrEqual(0);
    expect(trackingSince - firstView).toBeLessThan(MINUTE);
    expect(shown.range.from).toBe(bucketStart(firstView, "day", SITE_ZONE));
    expect(figures.chart[0]).toMatchObject({ start: shown.range.from, visitors: 1, pageviews: 1 });
    // All time has nothing before it to compare with.
    expect(figures.cards.visitors.change).toBeNull();
    const siteDate = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: SITE_ZONE }).format(trackingSince);
    const browserDate = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: BROWSER_ZONE }).format(trackingSince);
    expect(siteDate).not.toBe(browserDate);
    await expect.poll(() => page.locator('[data-testid="stat-tracking-since"] [data-testid="stat-value"]').textContent()).toBe(siteDate);
    expect((await readRangeCards(page)).label).toMatch(new RegExp(`^${siteDate.replace(/, \d{4}$/, "")}\\b`));
    expect((await readDashboard(page)).totalViews).toBe(figures.cards.pageviews.value);
  });
});
