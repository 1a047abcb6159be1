import { act, fireEvent, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { renderStatsPage } from "../support/renderStatsPage";
import { ConvexTestBridge, cleanUpAfterEach } from "../support/testBridge";
import { askedOfRanges, isPanelsQuestion } from "../support/rangeQueries";
import { PANELS_REFRESH_MS, SESSION_TIMEOUT_MS } from "../../src/shared/config";

// Sunday, November 15, 2026, noon UTC.
const NOW = Date.UTC(2026, 10, 15, 12);
const at = (date: number, hour: number, minute = 0) => Date.UTC(2026, 10, date, hour, minute);
const MINUTE = 60_000;

const CHROME_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

type Visit = { referrer?: string; utmSource?: string; utmMedium?: string; utmCampaign?: string; userAgent: string; timeZone: string; language: string; screenWidth: number };

let bridge: ConvexTestBridge;

/** A visitor's visit: `views` pages, each `[path, minutes after the first]`, with the browser's context on every view. */
async function visit(start: number, visit: Visit, ...views: [string, number][]) {
  const sessionId = crypto.randomUUID();
  for (const [path, minutes] of views) {
    vi.setSystemTime(start + minutes * MINUTE);
    await bridge.mutation(api.stats.recordPageView, { path, pageType: "post", sessionId, visit });
  }
}

const GOOGLE_FR: Visit = { referrer: "https://www.google.com/", userAgent: CHROME_WINDOWS, timeZone: "Europe/Paris", language: "fr-FR", screenWidth: 1600 };
const HN_US: Visit = { referrer: "https://news.ycombinator.com/item", userAgent: SAFARI_IPHONE, timeZone: "America/New_York", language: "en-US", screenWidth: 390 };
const DIRECT_DE: Visit = { userAgent: FIREFOX_LINUX, timeZone: "Europe/Berlin", language: "de", screenWidth: 1200 };
const NEWSLETTER_JP: Visit = {
  utmSource: "newsletter",
  utmMedium: "email",
  utmCampaign: "launch:2026 été",
  userAgent: CHROME_WINDOWS,
  timeZone: "Asia/Tokyo",
  language: "ja",
  screenWidth: 800,
};

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  bridge = new ConvexTestBridge();
  localStorage.clear();
  // Yesterday: two visits from Google, both one page.
  await visit(at(14, 9), GOOGLE_FR, ["/a", 0]);
  await visit(at(14, 9, 30), GOOGLE_FR, ["/b", 0]);
  // Today: four visits, one of two pages over three minutes.
  await visit(at(15, 9), GOOGLE_FR, ["/a", 0], ["/b", 3]);
  await visit(at(15, 9, 10), HN_US, ["/a", 0]);
  await visit(at(15, 9, 20), DIRECT_DE, ["/b", 0]);
  await visit(at(15, 9, 30), NEWSLETTER_JP, ["/a", 0]);
  await act(() => bridge.runWorker());
  // Their readers (a view is presence) leave "active now" then, not in the worker's first batch of the test.
  await act(() => vi.advanceTimersByTimeAsync(SESSION_TIMEOUT_MS + 1000));
  await act(() => bridge.runWorker());
  vi.setSystemTime(NOW);
});
cleanUpAfterEach(() => bridge, () => localStorage.clear());

const renderStats = (url = "/stats?period=today") => renderStatsPage(bridge, url);

async function settle() {
  await act(() => bridge.runWorker());
}

const location = () => decodeURIComponent(screen.getByTestId("location").textContent ?? "");
const value = (testId: string) => within(screen.getByTestId(testId)).getByTestId("stat-value").textContent;
const change = (testId: string) => {
  const element = within(screen.getByTestId(testId)).getByTestId("period-change");
  return { shown: element.querySelector('[aria-hidden="true"]')?.textContent, sentiment: element.dataset.sentiment, trend: element.dataset.trend };
};
const panel = (id: string) => screen.getByTestId(`${id}-panel`);
const rows = (table: HTMLElement) => [...table.querySelectorAll("tbody tr")].map((tr) => tr.getAttribute("data-value"));
const rowIn = (table: HTMLElement, value: string) => [...table.querySelectorAll("tbody tr")].find((tr) => tr.getAttribute("data-value") === value) as HTMLElement;
/** A `dashboardStats` answer whose every breakdown the server refuses (a filtered breakdown: too broad, or before raw retention), in its words. */
const refuseBreakdowns =
  (code: string, message: string) =>
  ({ range, ...answer }: { range: { breakdowns: unknown[] } }) => ({ ...answer, range: { ...range, breakdowns: range.breakdowns.map(() => ({ refused: { code, message } })) } });
/** The `filters` each question of a kind was asked with (undefined: none); never the older `filter`. */
/** Every `breakdown` query asked on its own (the Filter menu's values). */
const askedOfBreakdown = () => bridge.watchedArgs("stats:breakdown") as Record<string, unknown>[];
const filters = (kind: "summary" | "timeseries" | "breakdown") =>
  askedOfRanges(bridge)[kind].map((question) => {
    expect(question).not.toHaveProperty("filter");
    return question.filters;
  });

// Each test renders the whole dashboard and runs its queries through convex-test: seconds, not milliseconds.
vi.setConfig({ testTimeout: 20_000 });

describe("the range's cards", () => {
  test("visitors, visits, page views, views per visit, bounce rate and duration, each against the previous period", async () => {
    renderStats();
    await settle();
    expect(value("stat-range-visitors")).toBe("4");
    expect(value("stat-range-visits")).toBe("4");
    expect(value("stat-range-pageviews")).toBe("5");
    expect(value("stat-range-views-per-visit")).toBe("1.25");
    expect(value("stat-range-bounce-rate")).toBe("75%");
    expect(value("stat-range-visit-duration")).toBe("45s");
    expect(change("stat-range-visits")).toEqual({ shown: "▲ 100%", sentiment: "good", trend: "up" });
    // Yesterday every visit bounced: 75% is 25 points down, good news.
    expect(change("stat-range-bounce-rate")).toEqual({ shown: "▼ 25 pp", sentiment: "good", trend: "down" });
    // Yesterday's visits lasted 0 s: no percentage of that.
    expect(change("stat-range-visit-duration")).toEqual({ shown: undefined, sentiment: undefined, trend: "none" });
    expect(screen.getByTestId("stat-active-now")).toBeTruthy();
  });
});

describe("the breakdown panels", () => {
  test("sources, top pages, countries and browsers for the range, with shares of the range's visits", async () => {
    renderStats();
    await settle();
    const sources = within(panel("sources")).getByTestId("breakdown-sources");
    expect(new Set(rows(sources))).toEqual(new Set(["Google", "Hacker News", "Direct / None", "Newsletter"]));
    expect(within(rowIn(sources, "Google")).getByTestId("breakdown-share").textContent).toBe("25%");
    expect(within(rowIn(sources, "Direct / None")).getByRole("button").className).toContain("is-placeholder");

    const pages = within(panel("pages")).getByTestId("top-pages");
    expect(rows(pages)).toEqual(["/a", "/b"]);
    expect(within(rowIn(pages, "/a")).getByTestId("top-page-views").textContent).toBe("3");
    // Shares of the range's 5 page views: they add up to 100%, as a visit property's shares of its visits do.
    expect([rowIn(pages, "/a"), rowIn(pages, "/b")].map((row) => within(row).getByTestId("breakdown-share").textContent)).toEqual(["60%", "40%"]);

    const countries = within(panel("locations")).getByTestId("breakdown-countries");
    expect(new Set(rows(countries))).toEqual(new Set(["FR", "US", "DE", "JP"]));
    expect(within(rowIn(countries, "FR")).getByRole("button").textContent).toBe("🇫🇷France");

    const browsers = within(panel("devices")).getByTestId("breakdown-browsers");
    expect(rows(browsers)[0]).toBe("Chrome");
    expect(within(rowIn(browsers, "Chrome")).getByTestId("breakdown-visits").textContent).toBe("2");
  });

  test("tabs switch the breakdown, by click and by arrow keys", async () => {
    renderStats();
    await settle();
    fireEvent.click(within(panel("sources")).getByRole("tab", { name: "Campaigns" }));
    await settle();
    expect(askedOfRanges(bridge).breakdown.map(({ property }) => property)).toContain("utmCampaign");
    expect(rows(within(panel("sources")).getByTestId("breakdown-campaigns"))).toEqual(["launch:2026 été"]);

    const devices = within(panel("devices"));
    devices.getByRole("tab", { name: "Browser" }).focus();
    fireEvent.keyDown(devices.getByRole("tab", { name: "Browser" }), { key: "ArrowRight" });
    fireEvent.keyDown(devices.getByRole("tab", { name: "OS" }), { key: "ArrowRight" });
    await settle();
    expect(devices.getByRole("tab", { name: "Screen" }).getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement).toBe(devices.getByRole("tab", { name: "Screen" }));
    expect(new Set(rows(devices.getByTestId("breakdown-screens")))).toEqual(new Set(["Desktop", "Mobile", "Laptop", "Tablet"]));
    // The tabs' arrows are not the date range's.
    expect(location()).toBe("?period=today");
  });

  test("while one panel's new tab loads, only that panel is dimmed: the cards, the chart and the other panels keep theirs as they are", async () => {
    renderStats();
    await settle();
    // One query answers every panel (dashboardStats): a new tab asks it again, and only the panel whose question changed waits for it.
    fireEvent.click(within(panel("sources")).getByRole("tab", { name: "Campaigns" }));
    expect(panel("sources").className).toContain("is-stale");
    for (const id of ["pages", "locations", "devices"]) expect(panel(id).className).not.toContain("is-stale");
    expect(screen.getByTestId("stat-range-visitors").className).not.toContain("is-stale");
    await settle();
    expect(panel("sources").className).not.toContain("is-stale");
    expect(rows(within(panel("sources")).getByTestId("breakdown-campaigns"))).toEqual(["launch:2026 été"]);
  });

  test("the chosen tabs are remembered", async () => {
    const { unmount } = renderStats();
    await settle();
    fireEvent.click(within(panel("sources")).getByRole("tab", { name: "Referrers" }));
    fireEvent.click(within(panel("pages")).getByRole("tab", { name: "Entry pages" }));
    await settle();
    expect(within(panel("pages")).getByRole("columnheader", { name: "Entrances" })).toBeTruthy();
    unmount();
    renderStats();
    await settle();
    expect(within(panel("sources")).getByRole("tab", { name: "Referrers" }).getAttribute("aria-selected")).toBe("true");
    expect(new Set(rows(within(panel("sources")).getByTestId("breakdown-referrers")))).toEqual(new Set(["www.google.com", "news.ycombinator.com/item"]));
    expect(within(panel("pages")).getByRole("tab", { name: "Entry pages" }).getAttribute("aria-selected")).toBe("true");
  });
  test("the panels keep their own pace: asked again only once the live figures change, at most every PANELS_REFRESH_MS", async () => {
    renderStats();
    await settle();
    const panelAsks = () => (bridge.askedArgs("stats:dashboardStats") as Record<string, unknown>[]).filter(isPanelsQuestion).length;
    const pages = () => rows(within(panel("pages")).getByTestId("top-pages"));
    const asked = panelAsks();
    // Between asks the panels hold no subscription; with nothing new, time passing asks nothing.
    expect(bridge.watchedArgs("stats:dashboardStats")).toHaveLength(1);
    await act(() => vi.advanceTimersByTime(3 * PANELS_REFRESH_MS));
    await settle();
    expect(panelAsks()).toBe(asked);

    // A view: the cards show it at the worker's next batch; the panels were last asked long ago, so at once too.
    await visit(NOW + MINUTE, DIRECT_DE, ["/c", 0]);
    await settle();
    await act(() => vi.advanceTimersByTime(0));
    await settle();
    expect(value("stat-range-pageviews")).toBe("6");
    expect(pages()).toEqual(["/a", "/b", "/c"]);
    expect(panelAsks()).toBe(asked + 1);

    // Another, a second later: the cards show it; the panels PANELS_REFRESH_MS after their last ask.
    await visit(NOW + MINUTE + 1000, HN_US, ["/d", 0]);
    await settle();
    expect(value("stat-range-pageviews")).toBe("7");
    expect(pages()).toEqual(["/a", "/b", "/c"]);
    await act(() => vi.advanceTimersByTime(PANELS_REFRESH_MS));
    await settle();
    expect(pages()).toEqual(["/a", "/b", "/c", "/d"]);
    expect(panelAsks()).toBe(asked + 2);
  });
});

describe("more rows, and the chart's metric", () => {
  test("Show more raises the limit and expands the panel in place, one button that keeps the focus; Show fewer goes back to 10", async () => {
    for (let page = 1; page <= 10; page++) await visit(at(15, 10, page), DIRECT_DE, [`/more-${page}`, 0]);
    await act(() => bridge.runWorker());
    vi.setSystemTime(NOW);
    renderStats();
    await settle();
    const pages = () => within(panel("pages")).getByTestId("top-pages");
    expect(rows(pages())).toHaveLength(10);
    const more = within(panel("pages")).getByRole("button", { name: "Show more" });
    expect(more.getAttribute("aria-expanded")).toBe("false");
    more.focus();
    fireEvent.click(more);
    await settle();
    expect(askedOfRanges(bridge).breakdown.find(({ property }) => property === "page")?.limit).toBe(100);
    expect(rows(pages())).toHaveLength(12);
    expect(within(panel("pages")).getByTestId("breakdown-count").textContent).toBe("12 rows: scroll to see them all");
    // Its own cell, not the row's (the stylesheet scrolls its rows): the grid around it stays as it was.
    expect(panel("pages").className).toContain("is-expanded");
    expect(within(panel("pages")).queryByRole("button", { name: "Show more" })).toBeNull();
    const fewer = within(panel("pages")).getByRole("button", { name: "Show fewer" });
    expect(fewer).toBe(more);
    expect(document.activeElement).toBe(fewer);
    expect(fewer.getAttribute("aria-expanded")).toBe("true");
    expect(document.getElementById(fewer.getAttribute("aria-controls")!)?.contains(pages())).toBe(true);

    fireEvent.click(fewer);
    await settle();
    expect(rows(pages())).toHaveLength(10);
    expect(panel("pages").className).not.toContain("is-expanded");
  });

  test("the chart draws the metric chosen, and the choice is remembered", async () => {
    const { unmount } = renderStats();
    await settle();
    fireEvent.change(screen.getByRole("combobox", { name: "Metric" }), { target: { value: "bounceRate" } });
    await settle();
    expect(screen.getByRole("heading", { name: "Bounce rate over time" })).toBeTruthy();
    const table = screen.getByTestId("timeseries-table");
    expect(within(table).getAllByRole("columnheader", { hidden: true }).map((th) => th.textContent)).toContain("Bounce rate");
    // 9:00 today: four visits, three of them one page.
    const nine = table.querySelector(`tr[data-start="${at(15, 9)}"]`) as HTMLElement;
    expect([...nine.querySelectorAll("td")].map((td) => td.textContent)).toContain("75%");
    unmount();
    renderStats();
    await settle();
    expect((screen.getByRole("combobox", { name: "Metric" }) as HTMLSelectElement).value).toBe("bounceRate");
  });
});

describe("filtering", () => {
  test("choosing a row filters every query by it, shows a chip and keeps it in the URL; removing the chip undoes it", async () => {
    renderStats();
    await settle();
    expect(screen.queryByTestId("filter-chip")).toBeNull();
    fireEvent.click(within(rowIn(within(panel("sources")).getByTestId("breakdown-sources"), "Google")).getByRole("button"));
    await settle();

    expect(location()).toBe("?period=today&filter=source:Google");
    expect(screen.getByTestId("filter-chip").textContent).toContain("Source is Google");
    const google = [{ property: "source", op: "is", value: "Google" }];
    expect(filters("summary")).toEqual([google, google]);
    expect(filters("timeseries")).toEqual([google, google]);
    // The four panels' breakdowns and the goals': conversions are counted under filters too.
    expect(filters("breakdown")).toEqual([google, google, google, google, google]);
    expect(value("stat-range-visitors")).toBe("1");
    expect(value("stat-range-pageviews")).toBe("2");
    expect(value("stat-range-bounce-rate")).toBe("0%");
    expect(rows(within(panel("pages")).getByTestId("top-pages"))).toEqual(["/a", "/b"]);
    expect(rows(within(panel("locations")).getByTestId("breakdown-countries"))).toEqual(["FR"]);
    const sourceRow = rowIn(within(panel("sources")).getByTestId("breakdown-sources"), "Google");
    expect(within(sourceRow).getByRole("button").getAttribute("aria-pressed")).toBe("true");

    // Another range keeps the filter.
    fireEvent.keyDown(document.body, { key: "e" });
    await settle();
    expect(location()).toBe("?period=yesterday&filter=source:Google");
    expect(value("stat-range-visitors")).toBe("2");

    fireEvent.click(screen.getByRole("button", { name: "Remove filter: Source is Google" }));
    await settle();
    expect(location()).toBe("?period=yesterday");
    expect(screen.queryByTestId("filter-chip")).toBeNull();
    // Yesterday is the first day tracked: nothing before it to compare with, so only its own summary.
    expect(filters("summary")).toEqual([undefined]);
    // The four panels' breakdowns, and the goals', all unfiltered.
    expect(filters("breakdown")).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  test("a value with colons and accents comes back from the URL", async () => {
    renderStats(`/stats?period=today&filter=${encodeURIComponent("utmCampaign:launch:2026 été")}`);
    await settle();
    expect(screen.getByTestId("filter-chip").textContent).toContain("UTM campaign is launch:2026 été");
    const campaign = [{ property: "utmCampaign", op: "is", value: "launch:2026 été" }];
    expect(filters("summary")).toEqual([campaign, campaign]);
    expect(value("stat-range-visitors")).toBe("1");
    expect(rows(within(panel("locations")).getByTestId("breakdown-countries"))).toEqual(["JP"]);
  });

  test("a page row filters by the page; its link still opens it", async () => {
    renderStats();
    await settle();
    const pages = within(panel("pages")).getByTestId("top-pages");
    expect(within(rowIn(pages, "/b")).getByRole("link", { name: "Open /b" }).getAttribute("href")).toBe("/b");
    fireEvent.click(within(rowIn(pages, "/b")).getByRole("button", { name: "/b" }));
    await settle();
    expect(location()).toBe("?period=today&filter=page:/b");
    expect(screen.getByTestId("filter-chip").textContent).toContain("Page is /b");
    expect(value("stat-range-pageviews")).toBe("2");
  });

  test.each([
    ["too broad", "FILTER_TOO_BROAD", "Too many visits match this filter: choose a shorter range."],
    ["before the site's filter data begins", "RANGE_TOO_EARLY", "Filtered figures start at 2026-11-14T09:00:00.000Z: choose a range from then"],
  ])("a filtered breakdown refused (%s) says so in its panel, in the server's words; the rest of the dashboard works", async (_, code, message) => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    await bridge.rewriteQuery("stats:dashboardStats", refuseBreakdowns(code, message));
    renderStats("/stats?period=today&filter=source:Google");
    await settle();
    for (const id of ["sources", "pages", "locations", "devices"]) {
      expect(within(panel(id)).getByTestId("breakdown-too-broad").textContent).toBe(message);
    }
    expect(screen.queryByTestId("top-pages-error")).toBeNull();
    expect(value("stat-range-visitors")).toBe("1");

    // Answered again (the panels are asked again once the live figures change, at most every PANELS_REFRESH_MS): rows.
    await act(() => bridge.restoreQuery("stats:dashboardStats"));
    await visit(NOW + MINUTE, GOOGLE_FR, ["/a", 0]);
    await settle();
    expect(value("stat-range-visitors")).toBe("2");
    await act(() => vi.advanceTimersByTime(PANELS_REFRESH_MS));
    await settle();
    expect(rows(within(panel("locations")).getByTestId("breakdown-countries"))).toEqual(["FR"]);
    vi.mocked(console.error).mockRestore();
  });
});

describe("filters that combine", () => {
  const chips = () => screen.queryAllByTestId("filter-chip").map((chip) => chip.textContent);

  test("rows add filters (AND), each removed on its own: by its row again, or by its chip", async () => {
    renderStats();
    await settle();
    fireEvent.click(within(rowIn(within(panel("sources")).getByTestId("breakdown-sources"), "Google")).getByRole("button"));
    await settle();
    fireEvent.click(within(rowIn(within(panel("pages")).getByTestId("top-pages"), "/b")).getByRole("button"));
    await settle();
    expect(location()).toBe("?period=today&filter=source:Google&filter=page:/b");
    expect(chips()).toEqual(["Source is Google×", "Page is /b×"]);
    const both = [
      { property: "source", op: "is", value: "Google" },
      { property: "page", op: "is", value: "/b" },
    ];
    expect(filters("summary")).toEqual([both, both]);
    expect(filters("breakdown")).toEqual([both, both, both, both, both]);
    // Today's visit from Google viewed /b; nobody else's did.
    expect(value("stat-range-visitors")).toBe("1");
    expect(value("stat-range-pageviews")).toBe("1");

    // Its row again removes the page's filter, leaves the source's.
    const pageRow = within(rowIn(within(panel("pages")).getByTestId("top-pages"), "/b")).getByRole("button");
    expect(pageRow.getAttribute("aria-pressed")).toBe("true");
    fireEvent.click(pageRow);
    await settle();
    expect(location()).toBe("?period=today&filter=source:Google");
    fireEvent.click(within(rowIn(within(panel("pages")).getByTestId("top-pages"), "/a")).getByRole("button"));
    await settle();
    expect(location()).toBe("?period=today&filter=source:Google&filter=page:/a");

    const remove = screen.getByRole("button", { name: "Remove filter: Source is Google" });
    remove.focus();
    fireEvent.click(remove);
    await settle();
    expect(location()).toBe("?period=today&filter=page:/a");
    expect(chips()).toEqual(["Page is /a×"]);
    // The chip is gone: the focus is on the Filter button, not lost.
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Filter" }));
    expect(value("stat-range-visitors")).toBe("3");
  });

  test("a fourth filter is not added, and the dashboard says why", async () => {
    renderStats("/stats?period=today&filter=source:Google&filter=country:FR&filter=browser:Chrome");
    await settle();
    expect(chips()).toHaveLength(3);
    fireEvent.click(within(rowIn(within(panel("pages")).getByTestId("top-pages"), "/a")).getByRole("button"));
    await settle();
    expect(location()).toBe("?period=today&filter=source:Google&filter=country:FR&filter=browser:Chrome");
    expect(screen.getByTestId("filter-notice").textContent).toBe("At most 3 filters: remove one to add another.");
    // A row on a filtered property still replaces its filter.
    fireEvent.click(within(rowIn(within(panel("sources")).getByTestId("breakdown-sources"), "Google")).getByRole("button"));
    await settle();
    expect(location()).toBe("?period=today&filter=country:FR&filter=browser:Chrome");
    expect(screen.getByTestId("filter-notice").textContent).toBe("");
  });

  test("the Filter menu: a property, is not, a value picked from the range's values by keyboard; Escape closes it", async () => {
    renderStats();
    await settle();
    const button = screen.getByRole("button", { name: "Filter" });
    fireEvent.click(button);
    await settle();
    const dialog = screen.getByRole("dialog", { name: "Add a filter" });
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect(document.activeElement).toBe(within(dialog).getByRole("combobox", { name: "Property" }));
    fireEvent.change(within(dialog).getByRole("combobox", { name: "Property" }), { target: { value: "country" } });
    fireEvent.change(within(dialog).getByRole("combobox", { name: "Operator" }), { target: { value: "isNot" } });
    await settle();
    // Today's countries, by name, from the breakdown of the range.
    const valueField = within(dialog).getByRole("combobox", { name: "Value" });
    const options = () => within(within(dialog).getByRole("listbox")).queryAllByRole("option").map((option) => option.textContent);
    expect(new Set(options())).toEqual(new Set(["France", "United States", "Germany", "Japan"]));
    const asked = askedOfBreakdown();
    expect(asked).toContainEqual(expect.objectContaining({ property: "country", limit: 100, from: at(15, 0), to: at(16, 0) }));
    fireEvent.change(valueField, { target: { value: "fra" } });
    expect(options()).toEqual(["France"]);
    fireEvent.keyDown(valueField, { key: "ArrowDown" });
    expect(valueField.getAttribute("aria-activedescendant")).toBe(within(within(dialog).getByRole("listbox")).getByRole("option").id);
    fireEvent.keyDown(valueField, { key: "Enter" });
    expect((valueField as HTMLInputElement).value).toBe("France");
    fireEvent.click(within(dialog).getByRole("button", { name: "Apply" }));
    await settle();
    expect(location()).toBe("?period=today&filter=country!:FR");
    expect(chips()).toEqual(["Country is not France×"]);
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(button);
    expect(filters("summary")[0]).toEqual([{ property: "country", op: "isNot", value: "FR" }]);
    // Four visits today, one from France.
    expect(value("stat-range-visits")).toBe("3");

    fireEvent.click(button);
    // A letter in the menu is no period's shortcut.
    fireEvent.keyDown(within(screen.getByRole("dialog")).getByRole("button", { name: "Cancel" }), { key: "e" });
    expect(location()).toBe("?period=today&filter=country!:FR");
    fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(button);
    expect(button.getAttribute("aria-expanded")).toBe("false");
  });

  test("the Filter menu: contains, a typed part of a value; the values listed are under the other filters", async () => {
    renderStats("/stats?period=today&filter=country:FR");
    await settle();
    fireEvent.click(screen.getByRole("button", { name: "Filter" }));
    const dialog = screen.getByRole("dialog", { name: "Add a filter" });
    fireEvent.change(within(dialog).getByRole("combobox", { name: "Property" }), { target: { value: "source" } });
    await settle();
    // Only French visits' sources: the other filter applies.
    expect(within(within(dialog).getByRole("listbox")).queryAllByRole("option").map((option) => option.textContent)).toEqual(["Google"]);
    expect(askedOfBreakdown()).toContainEqual(expect.objectContaining({ property: "source", filters: [{ property: "country", op: "is", value: "FR" }] }));
    fireEvent.change(within(dialog).getByRole("combobox", { name: "Operator" }), { target: { value: "contains" } });
    fireEvent.change(within(dialog).getByRole("textbox", { name: "Text" }), { target: { value: "OOG" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Apply" }));
    await settle();
    expect(location()).toBe("?period=today&filter=country:FR&filter=source~:OOG");
    expect(chips()).toEqual(["Country is France×", "Source contains OOG×"]);
    // Case-insensitive: Google matches.
    expect(value("stat-range-visits")).toBe("1");
  });

  test("a range refused under the filters says why in place of its figures, and shows from when it can answer", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    renderStats("/stats?period=7d&filter=source~:oo&filter=country!:US");
    await settle();
    const message = "Too much matches these filters to count exactly: from 2026-11-12T09:00:00.000Z on it can, or choose fewer properties to filter by";
    const availableFrom = at(12, 9);
    await act(() =>
      bridge.rewriteQuery("stats:dashboardStats", (answer: { range: unknown }) => ({
        ...answer,
        range: { error: { code: "FILTER_TOO_BROAD", field: "filters", message, availableFrom } },
      })),
    );
    const refused = screen.getByTestId("stat-range-error-refused");
    expect(refused.querySelector("p")?.textContent).toBe(message);
    expect(screen.getByTestId("chart-error-refused")).toBeTruthy();
    // Nov 12 at 9:00 is not a whole day: from Nov 13 to the week's last day.
    fireEvent.click(within(refused).getByRole("button", { name: "Show from Nov 13, 2026" }));
    await act(() => bridge.restoreQuery("stats:dashboardStats"));
    expect(location()).toBe("?period=custom&from=2026-11-13&to=2026-11-15&filter=source~:oo&filter=country!:US");
    expect(screen.queryByTestId("stat-range-error-refused")).toBeNull();
    vi.mocked(console.error).mockRestore();
  });
});

describe("a filter the server refuses", () => {
  test("the panels say they could not load; removing the filter brings them back by themselves", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    renderStats("/stats?period=today&filter=page:no-slash");
    await settle();
    expect(screen.getByTestId("filter-chip").textContent).toContain("Page is no-slash");
    expect(within(screen.getByTestId("stat-range-error")).getByRole("alert").textContent).toContain("Couldn't load this panel");
    expect(screen.getByTestId("top-pages-error")).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "Remove filter: Page is no-slash" }));
    await settle();
    expect(screen.queryAllByRole("alert")).toHaveLength(0);
    expect(value("stat-range-visitors")).toBe("4");
    expect(rows(within(panel("pages")).getByTestId("top-pages"))).toEqual(["/a", "/b"]);
    vi.mocked(console.error).mockRestore();
  });
});
