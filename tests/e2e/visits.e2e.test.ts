import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import type { VisitContext } from "../../src/component/record/visitAttributes";
import { HEARTBEAT_INTERVAL_MS } from "../../src/shared/config";
import { backendClock } from "../../tools/local-convex/clock";
import type { LocalConvex } from "../../tools/local-convex/server";
import { startSite } from "../../tools/demo/site";
import { seedHistory, seededRandom, sitePages, type SitePage } from "../../tools/demo/traffic";
import { launchChromium } from "./support/browser";
import { useSiteVisitors } from "./support/siteVisitors";
import { MutationWatcher, openDashboard, PANEL_POLL, wasNeverReloaded } from "./support/dashboard";
import { PHONE, screenshot } from "./support/screenshots";
import { queryValue, resolveRange } from "./support/statsRange";
import { readFilters } from "../../src/react/lib/statsFilter";

// Visits in Chromium (prds/visits.md): where a visitor came from, what it is on and where it is,
// shown live on /stats; a visit's duration from the tracker's heartbeats; a breakdown's row
// filtering the dashboard; and screenshots of the dashboard with a month of varied visits.
//
// That an automated browser which has not opted in sends nothing (and the same browser opted in
// is counted) is liveStats.e2e.test.ts's "what the tracker never counts".

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** How long the one-page visit below is read before its tab hides: past two intervals, short of a third. */
const READ_FOR = 170 * SECOND;

/** The last `minutes` minutes by the backend's clock, to the end of the current minute (the Stats API takes whole minutes). */
function lastMinutes(minutes: number): { from: number; to: number } {
  const to = backendClock.now() - (backendClock.now() % MINUTE) + MINUTE;
  return { from: to - (minutes + 1) * MINUTE, to };
}
const HN_ITEM = "https://news.ycombinator.com/item?id=1";

/** A figure of the range's cards as shown ("3m 05s", "100%", "1"); null while loading. */
const cardText = (page: Page, testId: string) =>
  page.evaluate((id) => document.querySelector(`[data-testid="${id}"] [data-testid="stat-value"]`)?.textContent ?? null, testId);

const cardNumber = async (page: Page, testId: string) => {
  const text = await cardText(page, testId);
  return text === null ? null : Number(text.replace(/\D/g, ""));
};

/** A breakdown table's rows as shown: the value (data-value), its label and its visitors and visits. */
async function breakdownRows(page: Page, tableTestId: string) {
  return await page.evaluate((id) => {
    const number = (element: Element | null) => (element?.textContent ? Number(element.textContent.replace(/\D/g, "")) : null);
    return [...document.querySelectorAll(`[data-testid="${id}"] tbody tr`)].map((row) => ({
      value: row.getAttribute("data-value"),
      label: row.querySelector(".breakdown-label")?.textContent ?? null,
      visitors: number(row.querySelector('[data-testid="breakdown-visitors"], [data-testid="top-page-visitors"]')),
      visits: number(row.querySelector('[data-testid="breakdown-visits"]')),
    }));
  }, tableTestId);
}

/** "3m 05s" → 185 000 ms; "45s" → 45 000. */
function parseDuration(text: string): number {
  const match = /^(?:(\d+)m )?(\d+)s$/.exec(text.trim());
  if (match === null) throw new Error(`not a duration: ${text}`);
  return (Number(match[1] ?? 0) * 60 + Number(match[2])) * SECOND;
}

describe("a visit on /stats, live", () => {
  const { newVisitor, server: site } = useSiteVisitors();
  let server: LocalConvex;
  let post: { path: string; title: string };

  beforeEach(async () => {
    server = site();
    const [first] = await queryValue<{ slug: string; title: string }[]>(server.deployment, "content:listPosts", {});
    post = { path: `/${first.slug}`, title: first.title };
  });

  /** The site's owner on /stats, in a browser of its own. */
  async function ownerDashboard(path: string): Promise<Page> {
    return await openDashboard(await newVisitor(), path);
  }

  const tab = (page: Page, panel: string, name: string) => page.locator(`[data-testid="${panel}-panel"]`).getByRole("tab", { name, exact: true });

  it("shows where a visitor came from (the UTM source over the referrer), its browser and its country, as it arrives", async () => {
    const dashboard = await ownerDashboard("/stats");
    await expect.poll(() => cardNumber(dashboard, "stat-range-visitors")).toBe(0);
    await dashboard.getByTestId("breakdown-sources").waitFor();

    // From a Hacker News thread, by a newsletter's link; in Berlin, browsing in German.
    const reader = await (await newVisitor({ timezoneId: "Europe/Berlin", locale: "de-DE" })).newPage();
    await reader.goto(`${post.path}?utm_source=newsletter`, { referer: HN_ITEM });
    await reader.getByRole("heading", { level: 1, name: post.title }).waitFor();
    // Chromium hands the Referer header to the page as document.referrer, as a link from there would.
    expect(await reader.evaluate(() => document.referrer)).toBe(HN_ITEM);

    await expect.poll(() => breakdownRows(dashboard, "breakdown-sources"), PANEL_POLL).toEqual([{ value: "Newsletter", label: "Newsletter", visitors: 1, visits: 1 }]);
    await expect.poll(() => cardNumber(dashboard, "stat-range-visitors")).toBe(1);
    expect(await cardNumber(dashboard, "stat-range-visits")).toBe(1);

    // The referrer is kept beside it, host and path without the query; the UTM source as sent.
    await tab(dashboard, "sources", "Referrers").click();
    await expect.poll(() => breakdownRows(dashboard, "breakdown-referrers")).toEqual([
      { value: "news.ycombinator.com/item", label: "news.ycombinator.com/item", visitors: 1, visits: 1 },
    ]);
    await tab(dashboard, "sources", "UTM sources").click();
    await expect.poll(() => breakdownRows(dashboard, "breakdown-utm-sources")).toMatchObject([{ value: "newsletter", visitors: 1 }]);

    // Its entry page is the post.
    await tab(dashboard, "pages", "Entry pages").click();
    await expect.poll(() => breakdownRows(dashboard, "breakdown-entry")).toMatchObject([{ value: post.path, visits: 1 }]);

    // Chrome (the context's desktop Chrome user agent) on Linux, a desktop, a laptop-sized window.
    await expect.poll(() => breakdownRows(dashboard, "breakdown-browsers")).toMatchObject([{ value: "Chrome", label: "Chrome", visitors: 1 }]);
    await tab(dashboard, "devices", "OS").click();
    await expect.poll(() => breakdownRows(dashboard, "breakdown-os")).toMatchObject([{ value: "Linux", visitors: 1 }]);
    await tab(dashboard, "devices", "Device").click();
    await expect.poll(() => breakdownRows(dashboard, "breakdown-devices")).toMatchObject([{ value: "Desktop", visitors: 1 }]);
    await tab(dashboard, "devices", "Screen").click();
    await expect.poll(() => breakdownRows(dashboard, "breakdown-screens")).toMatchObject([{ value: "Laptop", visitors: 1 }]);

    // Germany, from the browser's time zone alone (no IP is looked at); German, from its language.
    await expect.poll(() => breakdownRows(dashboard, "breakdown-countries")).toMatchObject([{ value: "DE", label: "Germany", visitors: 1 }]);
    await tab(dashboard, "locations", "Languages").click();
    await expect.poll(() => breakdownRows(dashboard, "breakdown-languages")).toMatchObject([{ value: "de", visitors: 1 }]);
    expect((await breakdownRows(dashboard, "breakdown-languages"))[0].label).toMatch(/German|Deutsch/);

    expect(await wasNeverReloaded(dashboard)).toBe(true);
  });

  it("gives a one-page visit read for 2 min 50 s a duration of 2 min 50 s, from its heartbeats and the one as its tab hides", async () => {
    const dashboard = await ownerDashboard("/stats?period=realtime");
    await expect.poll(() => cardNumber(dashboard, "stat-range-visits")).toBe(0);

    // The reader's timers are Playwright's, so its heartbeats (every HEARTBEAT_INTERVAL_MS) come when the test moves its clock.
    const context = await newVisitor();
    await context.clock.install();
    const reader = await context.newPage();
    const mutations = new MutationWatcher(reader);
    const heartbeats = () => mutations.answers("stats:heartbeat", {}).length;
    await reader.goto(post.path);
    await reader.getByRole("heading", { level: 1, name: post.title }).waitFor();
    // The view, and the heartbeat the tab sends at once.
    await expect.poll(() => mutations.answers("stats:recordPageView", {})).toEqual([{ recorded: true, newVisitor: true }]);
    await expect.poll(heartbeats).toBe(1);
    await expect.poll(() => cardNumber(dashboard, "stat-range-visits")).toBe(1);

    // 2 min 50 s pass for both the browser and the server, 10 s at a time: a heartbeat at each whole interval.
    const step = 10 * SECOND;
    for (let elapsed = step; elapsed <= READ_FOR; elapsed += step) {
      backendClock.advance(step);
      // The dashboard renews its watch every 15 s of its own clock, which the test does not move: renewed as time passes on the server.
      await server.deployment.mutation("stats:watchDashboard", {});
      await reader.clock.fastForward(step);
      // At least the interval's beats: the tab also beats whenever it takes the lead (a focus event); whole e2e runs here saw one extra now and then.
      await expect.poll(heartbeats, { message: `${elapsed / SECOND} s`, timeout: 15_000 }).toBeGreaterThanOrEqual(1 + Math.floor(elapsed / HEARTBEAT_INTERVAL_MS));
    }
    // The reader looks away: its tab hides, and sends the time read until now.
    const beforeHiding = heartbeats();
    await reader.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await expect.poll(heartbeats).toBe(beforeHiding + 1);
    expect(mutations.sent("stats:recordPageView")).toHaveLength(1);

    // The visit is still open (it settles 31 minutes on): the worker folded each heartbeat's change as it came.
    await expect
      .poll(async () => {
        const text = await cardText(dashboard, "stat-range-visit-duration");
        return text !== null && /\d+s$/.test(text) ? parseDuration(text) : null;
      }, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(READ_FOR);
    const duration = parseDuration((await cardText(dashboard, "stat-range-visit-duration"))!);
    expect(duration).toBeLessThanOrEqual(3.5 * MINUTE);
    expect(await cardText(dashboard, "stat-range-bounce-rate")).toBe("100%");
    expect(await cardNumber(dashboard, "stat-range-visits")).toBe(1);
    expect(await cardText(dashboard, "stat-range-views-per-visit")).toBe("1");

    // The Stats API agrees once the worker has folded the last heartbeat (within its debounce): from the view to the beat
    // as the tab hid, 170 s of both clocks and the moments between the calls (not floored to the last interval's 120 s).
    const readSummary = () => queryValue<{ visits: number; bounceRate: number; visitDurationMs: number }>(server.deployment, "stats:summary", lastMinutes(30));
    await expect.poll(async () => (await readSummary()).visitDurationMs, { timeout: 10_000 }).toBeGreaterThanOrEqual(READ_FOR);
    const summary = await readSummary();
    expect(summary).toMatchObject({ visits: 1, bounceRate: 1 });
    expect(summary.visitDurationMs).toBeLessThan(3.5 * MINUTE);
    expect(await wasNeverReloaded(dashboard)).toBe(true);
  });

  it("filters the whole dashboard by a breakdown's row, in the URL, until the chip is removed", async () => {
    const dashboard = await ownerDashboard("/stats");
    await expect.poll(() => cardNumber(dashboard, "stat-range-visitors")).toBe(0);

    // One reader from a newsletter, two who came straight in.
    const fromNewsletter = await (await newVisitor({ timezoneId: "Europe/Berlin" })).newPage();
    await fromNewsletter.goto(`${post.path}?utm_source=newsletter`, { referer: HN_ITEM });
    for (const path of ["/", "/about"]) await (await (await newVisitor()).newPage()).goto(path);
    await expect.poll(() => cardNumber(dashboard, "stat-range-visitors")).toBe(3);
    await expect
      .poll(async () => (await breakdownRows(dashboard, "breakdown-sources")).map(({ value, visits }) => [value, visits]), PANEL_POLL)
      .toEqual([
        ["Direct / None", 2],
        ["Newsletter", 1],
      ]);

    const newsletter = dashboard.locator('[data-testid="breakdown-sources"] tr[data-value="Newsletter"] [data-testid="breakdown-filter"]');
    await newsletter.click();
    await expect.poll(() => new URL(dashboard.url()).searchParams.get("filter")).toBe("source:Newsletter");
    const chip = dashboard.getByTestId("filter-chip");
    await chip.waitFor();
    expect((await chip.textContent())?.replace(/\s+/g, " ")).toMatch(/^Source is Newsletter/);
    expect(await newsletter.getAttribute("aria-pressed")).toBe("true");
    // The cards and every panel count the newsletter's visit only.
    await expect.poll(() => cardNumber(dashboard, "stat-range-visitors")).toBe(1);
    await expect.poll(() => cardNumber(dashboard, "stat-range-pageviews")).toBe(1);
    await expect.poll(() => breakdownRows(dashboard, "breakdown-sources"), PANEL_POLL).toMatchObject([{ value: "Newsletter", visits: 1 }]);
    await expect.poll(() => breakdownRows(dashboard, "top-pages"), PANEL_POLL).toMatchObject([{ value: post.path, visitors: 1 }]);
    await expect.poll(() => breakdownRows(dashboard, "breakdown-countries"), PANEL_POLL).toMatchObject([{ value: "DE", visitors: 1 }]);

    await dashboard.getByRole("button", { name: /^Remove filter/ }).click();
    await expect.poll(() => new URL(dashboard.url()).searchParams.has("filter")).toBe(false);
    await expect.poll(() => dashboard.getByTestId("filter-chip").count()).toBe(0);
    await expect.poll(() => cardNumber(dashboard, "stat-range-visitors")).toBe(3);
    await expect.poll(async () => (await breakdownRows(dashboard, "top-pages")).length, PANEL_POLL).toBe(3);

    // A link with the filter opens the dashboard filtered.
    const linked = await ownerDashboard("/stats?filter=source:Newsletter");
    await expect.poll(() => cardNumber(linked, "stat-range-visitors")).toBe(1);
    await linked.getByTestId("filter-chip").waitFor();
    expect(await wasNeverReloaded(dashboard)).toBe(true);
  });
});

describe("screenshots of /stats with visits, in test-results/", () => {
  /** The site's zone (STATS_TIME_ZONE), not UTC nor the browser's. */
  const SITE_ZONE = "America/New_York";
  const DESKTOP_WIDE = { width: 1440, height: 900 };
  let server: LocalConvex;
  let browser: Browser;

  /** Browsers, places and ways in that the seeded history may lack, so every panel has several rows. */
  const PRESENT_VISITORS: { visit: VisitContext; pages: number }[] = [
    {
      visit: {
        referrer: "https://www.google.com/",
        screenWidth: 1920,
        language: "en-US",
        timeZone: "America/Chicago",
        userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
      },
      pages: 3,
    },
    {
      visit: {
        referrer: "https://news.ycombinator.com/item",
        screenWidth: 390,
        language: "fr-FR",
        timeZone: "Europe/Paris",
        userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
      },
      pages: 1,
    },
    {
      visit: {
        utmSource: "newsletter",
        utmMedium: "email",
        utmCampaign: "november-digest",
        screenWidth: 1440,
        language: "de-DE",
        timeZone: "Europe/Berlin",
        userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
      },
      pages: 2,
    },
    {
      visit: {
        referrer: "https://www.reddit.com/r/programming/comments/abc/",
        screenWidth: 412,
        language: "ja-JP",
        timeZone: "Asia/Tokyo",
        userAgent: "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
      },
      pages: 1,
    },
    {
      visit: {
        referrer: "https://github.com/get-convex/convex-backend",
        screenWidth: 2560,
        language: "pt-BR",
        timeZone: "America/Sao_Paulo",
        userAgent: "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
      },
      pages: 2,
    },
    {
      visit: {
        screenWidth: 820,
        language: "en-AU",
        timeZone: "Australia/Sydney",
        userAgent: "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.7 Mobile/15E148 Safari/604.1",
      },
      pages: 1,
    },
  ];

  /** The site's pages from the `index`th on, then the ones before. */
  const rotate = (pages: SitePage[], index: number) => [...pages.slice(index % pages.length), ...pages.slice(0, index % pages.length)];

  /** The browser's context without where the visit came from (the tracker sends that on a visit's first view only). */
  function withoutArrival(visit: VisitContext): VisitContext {
    const context = { ...visit };
    for (const field of ["referrer", "utmSource", "utmMedium", "utmCampaign", "utmTerm", "utmContent"] as const) delete context[field];
    return context;
  }

  beforeAll(async () => {
    browser = await launchChromium();
    ({ server } = await startSite({ port: inject("appPort"), appDir: inject("appDir"), runCronsOnSchedule: false, env: { STATS_TIME_ZONE: SITE_ZONE } }));
    const pages = await sitePages(server.deployment);
    // A month of a small site's visits, as the demo replays them (tools/demo: browsers, places and ways in).
    await seedHistory(server.deployment, pages, { days: 30, sessions: 200, random: seededRandom(11), timeZone: SITE_ZONE });
    // And a few visitors here now, each its own way in, so the live figures and every panel have something.
    for (const [index, { visit, pages: count }] of PRESENT_VISITORS.entries()) {
      const sessionId = crypto.randomUUID();
      for (const [step, page] of rotate(pages, index).slice(0, count).entries()) {
        // Where it came from goes with the visit's first view only, as the tracker sends it.
        await server.deployment.mutation("stats:recordPageView", { path: page.path, pageType: page.pageType, sessionId, visit: step === 0 ? visit : withoutArrival(visit) });
        await server.deployment.mutation("stats:heartbeat", { sessionId, currentPath: page.path });
      }
    }
    await server.deployment.settled();
  });

  afterAll(async () => {
    await server?.close();
    await browser?.close();
  });

  /** Ready when every card has its figure, the chart is drawn and every breakdown panel shows its rows, nothing loading. */
  async function dashboardReady(page: Page): Promise<void> {
    for (const table of ["breakdown-sources", "top-pages", "breakdown-countries", "breakdown-browsers"]) await page.getByTestId(table).waitFor();
    await page.locator('[data-testid="timeseries-plot"] canvas').first().waitFor();
    await expect
      .poll(() =>
        page.evaluate(() => ({
          loading: document.querySelectorAll('.stats-page [aria-busy="true"], .stats-page .skeleton').length,
          cards: [...document.querySelectorAll('[data-testid^="stat-range-"] [data-testid="stat-value"]')].length,
        })),
        { timeout: 15_000 },
      )
      .toEqual({ loading: 0, cards: 6 });
  }

  const LOOKS: { name: string; options: BrowserContextOptions }[] = [
    { name: "desktop-light", options: { viewport: DESKTOP_WIDE, colorScheme: "light" } },
    { name: "desktop-dark", options: { viewport: DESKTOP_WIDE, colorScheme: "dark" } },
    { name: "phone-light", options: { viewport: PHONE, isMobile: true, colorScheme: "light" } },
    { name: "phone-dark", options: { viewport: PHONE, isMobile: true, colorScheme: "dark" } },
  ];

  for (const look of LOOKS) {
    it(`/stats with visits, on a ${look.name.replace("-", ", ")}`, async () => {
      // The dashboard's last 30 days (whole days of the site's zone: older detail is rolled up).
      const { range } = await resolveRange(server.deployment, "?period=30d", backendClock.now());
      const summary = await queryValue<{ visits: number }>(server.deployment, "stats:summary", range);
      expect(summary.visits).toBeGreaterThan(50);
      await shoot(look.options, "/stats", dashboardReady, `stats-visits-${look.name}`);
    });
  }

  /** Ready when the dashboard shows `count` filter chips and its range's figures are the Stats API's under those filters. */
  function filteredReady(search: string, count: number) {
    return async (page: Page) => {
      await expect.poll(() => page.getByTestId("filter-chip").count()).toBe(count);
      await dashboardReady(page);
      const { range } = await resolveRange(server.deployment, search, backendClock.now());
      const filters = readFilters(new URLSearchParams(search));
      const summary = await queryValue<{ visitors: number; visits: number }>(server.deployment, "stats:summary", { ...range, filters });
      expect(summary.visits).toBeGreaterThan(0);
      await expect.poll(() => cardNumber(page, "stat-range-visitors")).toBe(summary.visitors);
      await expect.poll(() => cardNumber(page, "stat-range-visits")).toBe(summary.visits);
    };
  }

  for (const look of [LOOKS[0], LOOKS[3]]) {
    it(`/stats filtered by a source, on a ${look.name.replace("-", ", ")}`, async () => {
      await shoot(look.options, "/stats?filter=source:Google", filteredReady("?filter=source:Google", 1), `stats-visits-filtered-${look.name}`);
    });
  }

  it("/stats under filters that combine (a source, a device that is not), the parts they leave out marked", async () => {
    const search = "?filter=source:Google&filter=device!:Mobile";
    await shoot(LOOKS[0].options, `/stats${search}`, filteredReady(search, 2), "stats-visits-filters-combined-desktop-light");
  });

  it("/stats under an is not filter, on a phone, dark", async () => {
    const search = "?filter=country!:US";
    await shoot(LOOKS[3].options, `/stats${search}`, filteredReady(search, 1), "stats-visits-filter-is-not-phone-dark");
  });

  it("the Filter menu open: a property, is not, and the range's values listed", async () => {
    const menuOpen = async (page: Page) => {
      await dashboardReady(page);
      await page.getByRole("button", { name: "Filter" }).click();
      const dialog = page.getByRole("dialog", { name: "Add a filter" });
      await dialog.getByRole("combobox", { name: "Property" }).selectOption("country");
      await dialog.getByRole("combobox", { name: "Operator" }).selectOption("isNot");
      await expect.poll(() => dialog.getByRole("option").count()).toBeGreaterThan(2);
      await dialog.getByRole("combobox", { name: "Value" }).press("ArrowDown");
    };
    await shoot(LOOKS[0].options, "/stats", menuOpen, "stats-visits-filter-menu-desktop-light");
  });

  it("Show more expands a panel in place: no other panel moves", async () => {
    const expanded = async (page: Page) => {
      await dashboardReady(page);
      // Where each panel is on the page (clicking may scroll it).
      const boxes = () =>
        page.evaluate(() =>
          [...document.querySelectorAll(".breakdown-panel")].map((panel) => {
            const { left, top, width, height } = panel.getBoundingClientRect();
            return { left, top: top + scrollY, width, height };
          }),
        );
      const before = await boxes();
      await page.getByRole("button", { name: "Show more" }).first().click();
      await page.locator(".breakdown-panel.is-expanded").waitFor();
      await expect.poll(() => page.locator('.breakdown-panel[aria-busy="true"]').count()).toBe(0);
      expect(await boxes()).toEqual(before);
    };
    await shoot(LOOKS[0].options, "/stats?period=30d", expanded, "stats-visits-show-more-desktop-light");
  });

  function shoot(options: BrowserContextOptions, path: string, ready: (page: Page) => Promise<void>, name: string) {
    return screenshot(browser, { baseURL: server.url, timezoneId: "Europe/Berlin", ...options }, path, ready, name);
  }
});
