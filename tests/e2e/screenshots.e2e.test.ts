import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { localDate } from "../../src/shared/timeRanges";
import type { LocalConvex } from "../../tools/local-convex/server";
import { launchChromium } from "./support/browser";
import { readDashboard } from "./support/dashboard";
import { looks, screenshot, type Look } from "./support/screenshots";
import { expectServerRangeFigures, queryValue } from "./support/statsRange";
import { startSite } from "../../tools/demo/site";
import { seedHistory, seededRandom, sitePages } from "../../tools/demo/traffic";

// Screenshots of /stats in every date range, and of a post, written to test-results/ for a person to
// look at (not compared against anything). Each is taken once the page shows exactly what the Stats
// API answers for its range. The site's zone is not UTC, nor the browser's, so a date in the wrong
// zone shows.

/** The site's zone (STATS_TIME_ZONE): its day is not UTC's, and its clocks change twice a year. */
const SITE_ZONE = "America/New_York";
/** The browser's, which nothing on the dashboard's range should follow. */
const BROWSER_ZONE = "Asia/Kolkata";
const DAY = 24 * 60 * 60 * 1000;

let browser: Browser;
let server: LocalConvex;

beforeAll(async () => {
  browser = await launchChromium();
  ({ server } = await startSite({
    port: inject("appPort"),
    appDir: inject("appDir"),
    runCronsOnSchedule: false,
    env: { STATS_TIME_ZONE: SITE_ZONE },
  }));
  const pages = await sitePages(server.deployment);
  // A month of a small site's visits, as the demo replays them (fewer visitors, to keep this quick).
  await seedHistory(server.deployment, pages, { days: 30, sessions: 150, random: seededRandom(7), timeZone: SITE_ZONE });
  // A few visitors here right now, so "Active now" and the live buckets have something to show.
  for (const page of pages.slice(0, 3)) {
    const sessionId = crypto.randomUUID();
    await server.deployment.mutation("stats:recordPageView", { path: page.path, pageType: page.pageType, sessionId });
    await server.deployment.mutation("stats:heartbeat", { sessionId, currentPath: page.path });
  }
  // The stats worker folds the history in a few batches; the figures are final once it is idle.
  await server.deployment.settled();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function shoot(options: BrowserContextOptions, path: string, ready: (page: Page) => Promise<void>, name: string) {
  return screenshot(browser, { baseURL: server.url, timezoneId: BROWSER_ZONE, ...options }, path, ready, name);
}

/** Ready when the range's panels show what the Stats API answers, the all-time figures what the server holds, and the chart is drawn. */
async function showsServerFigures(page: Page): Promise<void> {
  await expectServerRangeFigures(page, server.deployment);
  const allTimeViews = async () => (await queryValue<{ totalPageViews: number }>(server.deployment, "stats:getPageViewStats", {})).totalPageViews;
  await expect.poll(async () => (await readDashboard(page)).totalViews === (await allTimeViews())).toBe(true);
  await page.locator('[data-testid="timeseries-plot"] canvas').first().waitFor();
  await expect.poll(() => page.locator('[data-testid="timeseries"][aria-busy="true"]').count()).toBe(0);
}

/** Every range the picker offers, as its URL names it; the default (the last 30 days) is plain /stats. */
function ranges(): { name: string; path: string; looks: Look[] }[] {
  const everyLook = looks(["desktop", "phone"], ["light", "dark"]);
  const desktopLight = looks(["desktop"], ["light"]);
  // Eleven days, from twenty days ago to ten days ago, in the site's calendar.
  const custom = `from=${localDate(Date.now() - 20 * DAY, SITE_ZONE)}&to=${localDate(Date.now() - 10 * DAY, SITE_ZONE)}`;
  return [
    { name: "realtime", path: "/stats?period=realtime", looks: looks(["desktop", "phone"], ["light"]) },
    { name: "today", path: "/stats?period=today", looks: desktopLight },
    { name: "yesterday", path: "/stats?period=yesterday", looks: desktopLight },
    { name: "7d", path: "/stats?period=7d", looks: everyLook },
    { name: "30d", path: "/stats", looks: everyLook },
    { name: "month", path: "/stats?period=month", looks: desktopLight },
    { name: "lastMonth", path: "/stats?period=lastMonth", looks: desktopLight },
    { name: "12mo", path: "/stats?period=12mo", looks: desktopLight },
    { name: "all", path: "/stats?period=all", looks: desktopLight },
    { name: "custom", path: `/stats?period=custom&${custom}`, looks: looks(["desktop", "phone"], ["light"]) },
    // A year before tracking began: nothing to compare with, so no change at all (not "▲ 4,850%").
    { name: "7d-year-over-year", path: "/stats?period=7d&compare=year", looks: desktopLight },
    { name: "month-no-comparison", path: "/stats?period=month&compare=off", looks: desktopLight },
  ];
}

describe("screenshots in test-results/", () => {
  for (const range of ranges()) {
    for (const look of range.looks) {
      it(`/stats, ${range.name}, on a ${look.name.replace("-", ", ")}`, async () => {
        await shoot(look.options, range.path, showsServerFigures, `stats-range-${range.name}-${look.name}`);
      });
    }
  }

  // The chart's figures as a table, opened: by hour with the day before beside it, and a week on a phone.
  for (const [name, path, look] of [
    ["today", "/stats?period=today", looks(["desktop"], ["light"])[0]],
    ["7d", "/stats?period=7d", looks(["phone"], ["dark"])[0]],
  ] as const) {
    it(`/stats, ${name}, the chart's table opened, on a ${look.name.replace("-", ", ")}`, async () => {
      const tableOpen = async (page: Page) => {
        await showsServerFigures(page);
        await page.getByText("Show the figures as a table").click();
        await page.getByTestId("timeseries-table").waitFor();
      };
      await shoot(look.options, path, tableOpen, `stats-range-${name}-table-${look.name}`);
    });
  }

  it("a post", async () => {
    const posts = await queryValue<{ slug: string; title: string }[]>(server.deployment, "content:listPosts", {});
    const [{ slug, title }] = posts;
    const fullyLoaded = async (page: Page) => {
      await page.getByRole("heading", { level: 1, name: title }).waitFor();
      // The markdown renderer loads lazily behind a busy placeholder.
      await page.locator('[aria-busy="true"]').waitFor({ state: "detached" });
    };
    await shoot(looks(["desktop"], ["light"])[0].options, `/${slug}`, fullyLoaded, "post-desktop-light");
  });
});
