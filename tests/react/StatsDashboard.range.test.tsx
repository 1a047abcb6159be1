import { act, cleanup, fireEvent, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { SESSION_TIMEOUT_MS } from "../../src/shared/config";
import { renderStatsPage } from "../support/renderStatsPage";
import { ConvexTestBridge, cleanUpAfterEach } from "../support/testBridge";
import { askedOfRanges, isPanelsQuestion } from "../support/rangeQueries";

// Sunday, November 15, 2026, noon UTC: every range below is counted from here.
const NOW = Date.UTC(2026, 10, 15, 12);
const day = (date: number) => Date.UTC(2026, 10, date);
const october = (date: number) => Date.UTC(2026, 9, date);
const MINUTE = 60_000;

let bridge: ConvexTestBridge;

beforeEach(() => {
  // Fake time stands still until a test moves it; the bridge's runWorker moves it as far as the worker needs.
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  vi.setSystemTime(NOW);
  bridge = new ConvexTestBridge();
});
cleanUpAfterEach(() => bridge);

const renderStats = (url = "/stats") => renderStatsPage(bridge, url);

async function settle() {
  await act(() => bridge.runWorker());
}

const location = () => screen.getByTestId("location").textContent;
const periodSelect = () => screen.getByRole("combobox", { name: "Date range" }) as HTMLSelectElement;
// Intl puts thin and narrow no-break spaces in ranges and times.
const rangeLabel = () => screen.getByTestId("range-label").textContent?.replace(/\s/g, " ");
const press = async (key: string, options: Partial<KeyboardEventInit> = {}, target: Element = document.body) => {
  fireEvent.keyDown(target, { key, ...options });
  await settle();
};

/** The ranges the page's queries ask for: each card's and the chart's range and the one before, and the top pages'. */
function queried() {
  const asked = askedOfRanges(bridge);
  const ranges = (questions: Record<string, unknown>[]) => questions.map(({ from, to }) => ({ from, to })).sort((a, b) => Number(b.from) - Number(a.from));
  return {
    summary: ranges(asked.summary),
    timeseries: ranges(asked.timeseries),
    intervals: [...new Set(asked.timeseries.map(({ interval }) => interval))],
    breakdown: asked.breakdown,
  };
}

/** The summary's and the chart's ranges (the range, then the previous period) when they agree, as they must for a period that has ended. */
function queriedRanges() {
  const { summary, timeseries } = queried();
  expect(timeseries).toEqual(summary);
  return summary;
}

/** A first view in January: tracking began long before every range here, so each has a period before it to compare with. */
async function trackingSinceJanuary() {
  vi.setSystemTime(Date.UTC(2026, 0, 5));
  await bridge.mutation(api.stats.recordPageView, { path: "/january", pageType: "post", sessionId: crypto.randomUUID() });
  await act(() => bridge.runWorker());
  // Its reader (a view is presence) leaves "active now" then, not in the worker's first batch of the test.
  await act(() => vi.advanceTimersByTimeAsync(SESSION_TIMEOUT_MS + 1000));
  await act(() => bridge.runWorker());
  vi.setSystemTime(NOW);
}

describe("the range picker", () => {
  test("opens on the last 30 days, in the site's zone, compared with as much of the 30 days before", async () => {
    await trackingSinceJanuary();
    renderStats();
    await settle();
    expect(periodSelect().value).toBe("30d");
    expect(rangeLabel()).toBe("Oct 17 – Nov 15, 2026 (UTC)");
    // 29 days and 12 hours in, the minute in progress counted: the cards compare as far into the 30 days before; the chart draws them whole.
    expect(queried().summary).toEqual([
      { from: october(17), to: day(16) },
      { from: Date.UTC(2026, 8, 17), to: Date.UTC(2026, 9, 16, 12, 1) },
    ]);
    expect(queried().timeseries).toEqual([
      { from: october(17), to: day(16) },
      { from: Date.UTC(2026, 8, 17), to: october(17) },
    ]);
    expect(screen.getByTestId("compared-label").textContent?.replace(/\s/g, " ")).toBe(" compared with Sep 17, 12:00 AM – Oct 16, 12:00 PM");
    expect(queried().intervals).toEqual(["day"]);
    // Each breakdown panel's first tab: sources, top pages, countries, browsers; and the goals.
    const breakdowns = [...queried().breakdown].sort((a, b) => String(a.property).localeCompare(String(b.property)));
    expect(breakdowns).toEqual(["browser", "country", "goal", "page", "source"].map((property) => ({ property, from: october(17), to: day(16), limit: 10 })));
    expect(location()).toBe("");
  });

  test("choosing a period puts it in the URL and asks the queries for its range", async () => {
    await trackingSinceJanuary();
    renderStats();
    await settle();
    fireEvent.change(periodSelect(), { target: { value: "7d" } });
    await settle();
    expect(location()).toBe("?period=7d");
    expect(periodSelect().value).toBe("7d");
    expect(rangeLabel()).toBe("Nov 9 – 15, 2026 (UTC)");
    expect(queried().summary).toEqual([
      { from: day(9), to: day(16) },
      { from: day(2), to: Date.UTC(2026, 10, 8, 12, 1) },
    ]);
    expect(queried().timeseries).toEqual([
      { from: day(9), to: day(16) },
      { from: day(2), to: day(9) },
    ]);

    fireEvent.change(periodSelect(), { target: { value: "today" } });
    await settle();
    expect(location()).toBe("?period=today");
    expect(queried().summary).toEqual([
      { from: day(15), to: day(16) },
      { from: day(14), to: Date.UTC(2026, 10, 14, 12, 1) },
    ]);
    expect(queried().timeseries).toEqual([
      { from: day(15), to: day(16) },
      { from: day(14), to: day(15) },
    ]);
    expect(queried().intervals).toEqual(["hour"]);
  });

  test("all time runs from the day of the first view, with nothing to compare it with", async () => {
    vi.setSystemTime(Date.UTC(2026, 8, 3, 8, 30));
    await bridge.mutation(api.stats.recordPageView, { path: "/hello", pageType: "post", sessionId: crypto.randomUUID() });
    await act(() => bridge.runWorker());
    vi.setSystemTime(NOW);
    renderStats("/stats?period=all");
    await settle();
    expect(periodSelect().value).toBe("all");
    expect(rangeLabel()).toBe("Sep 3 – Nov 15, 2026 (UTC)");
    expect(queried().summary).toEqual([{ from: Date.UTC(2026, 8, 3), to: day(16) }]);
    expect(within(screen.getByTestId("stat-range-visitors")).getByTestId("stat-value").textContent).toBe("1");
    expect(screen.queryAllByTestId("period-change")).toHaveLength(0);
  });

  test("names the site's zone and counts its days from its own midnight", async () => {
    vi.stubEnv("STATS_TIME_ZONE", "America/New_York");
    renderStats("/stats?period=today");
    await settle();
    expect(rangeLabel()).toBe("Nov 15, 2026 (America/New_York)");
    expect(queried().summary[0]).toEqual({ from: Date.UTC(2026, 10, 15, 5), to: Date.UTC(2026, 10, 16, 5) });
  });
});

describe("the range in the URL", () => {
  test("a link with custom dates shows them, in the picker and in the queries", async () => {
    await trackingSinceJanuary();
    renderStats("/stats?period=custom&from=2026-11-01&to=2026-11-10");
    await settle();
    expect(periodSelect().value).toBe("custom");
    expect((screen.getByLabelText("From") as HTMLInputElement).value).toBe("2026-11-01");
    expect((screen.getByLabelText("To") as HTMLInputElement).value).toBe("2026-11-10");
    expect(rangeLabel()).toBe("Nov 1 – 10, 2026 (UTC)");
    expect(queriedRanges()).toEqual([
      { from: day(1), to: day(11) },
      { from: october(22), to: day(1) },
    ]);
  });

  test("from and to without a period are a custom range too", async () => {
    renderStats("/stats?from=2026-11-01&to=2026-11-10");
    await settle();
    expect(periodSelect().value).toBe("custom");
    expect(queried().summary[0]).toEqual({ from: day(1), to: day(11) });
  });

  test("a named period and a chosen interval come back from the URL", async () => {
    renderStats("/stats?period=30d&interval=week");
    await settle();
    expect(periodSelect().value).toBe("30d");
    expect(queried().summary[0]).toEqual({ from: october(17), to: day(16) });
    expect(queried().intervals).toEqual(["week"]);
    expect((screen.getByRole("radio", { name: "Week" }) as HTMLInputElement).checked).toBe(true);
  });

  test.each([
    ["an unknown period", "?period=fortnight"],
    ["reversed dates", "?period=custom&from=2026-11-10&to=2026-11-01"],
    ["a date not in the calendar", "?period=custom&from=2026-02-30&to=2026-03-02"],
    ["a date before 2000", "?from=1999-01-01&to=1999-01-31"],
    ["half a custom range", "?period=custom&from=2026-11-01"],
  ])("%s falls back to the last 30 days, without an error", async (_, search) => {
    renderStats(`/stats${search}`);
    await settle();
    expect(periodSelect().value).toBe("30d");
    expect(queried().summary[0]).toEqual({ from: october(17), to: day(16) });
    expect(screen.queryAllByRole("alert")).toHaveLength(0);
  });

  test("an interval the range cannot use gives way to its default", async () => {
    renderStats("/stats?period=7d&interval=minute");
    await settle();
    expect(queried().intervals).toEqual(["day"]);
  });
});

describe("the custom range form", () => {
  test("starts from the shown range's dates, applies new ones to the URL, and says why it refuses others", async () => {
    renderStats("/stats?period=7d");
    await settle();
    fireEvent.change(periodSelect(), { target: { value: "custom" } });
    await settle();
    const from = screen.getByLabelText("From") as HTMLInputElement;
    const to = screen.getByLabelText("To") as HTMLInputElement;
    expect([from.value, to.value]).toEqual(["2026-11-09", "2026-11-15"]);
    expect(document.activeElement).toBe(from);
    // Not applied yet: the figures are still the last 7 days'.
    expect(location()).toBe("?period=7d");

    fireEvent.change(from, { target: { value: "2026-11-12" } });
    fireEvent.change(to, { target: { value: "2026-11-03" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    expect(screen.getByRole("alert").textContent).toContain("must not be before");
    expect(from.getAttribute("aria-invalid")).toBe("true");
    expect(location()).toBe("?period=7d");

    fireEvent.change(to, { target: { value: "2026-11-14" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    await settle();
    expect(location()).toBe("?period=custom&from=2026-11-12&to=2026-11-14");
    expect(queried().summary[0]).toEqual({ from: day(12), to: day(15) });
    expect(screen.queryByRole("alert")).toBeNull();
  });

  test("cancelling goes back to the period shown", async () => {
    renderStats("/stats?period=yesterday");
    await settle();
    fireEvent.change(periodSelect(), { target: { value: "custom" } });
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(periodSelect().value).toBe("yesterday");
    expect(screen.queryByLabelText("From")).toBeNull();
  });
});

describe("the chart's granularity", () => {
  test("a switch goes to the URL and the chart's queries; back to the default, the URL drops it", async () => {
    renderStats("/stats?period=7d");
    await settle();
    fireEvent.click(screen.getByRole("radio", { name: "Hour" }));
    await settle();
    expect(location()).toBe("?period=7d&interval=hour");
    expect(queried().intervals).toEqual(["hour"]);
    // The cards and top pages do not depend on it.
    expect(queried().summary[0]).toEqual({ from: day(9), to: day(16) });

    fireEvent.click(screen.getByRole("radio", { name: "Day" }));
    await settle();
    expect(location()).toBe("?period=7d");
    expect(queried().intervals).toEqual(["day"]);
  });
});

describe("keyboard shortcuts", () => {
  test("Plausible's letters choose a period", async () => {
    renderStats();
    await settle();
    for (const [key, period] of [["d", "today"], ["e", "yesterday"], ["r", "realtime"], ["w", "7d"], ["M", "month"], ["p", "lastMonth"], ["l", "12mo"], ["a", "all"], ["t", "30d"]]) {
      await press(key);
      expect(location(), key).toBe(`?period=${period}`);
      expect(periodSelect().value).toBe(period);
    }
  });

  test("C opens the custom range with the cursor in its first date", async () => {
    renderStats("/stats?period=today");
    await settle();
    await press("c");
    expect(periodSelect().value).toBe("custom");
    expect(document.activeElement).toBe(screen.getByLabelText("From"));
  });

  test("are ignored while typing in a field or with Ctrl, Alt or Meta held", async () => {
    renderStats("/stats?period=custom&from=2026-11-01&to=2026-11-10");
    await settle();
    await press("d", {}, screen.getByLabelText("From"));
    await press("d", {}, periodSelect());
    await press("d", { ctrlKey: true });
    await press("d", { metaKey: true });
    await press("d", { altKey: true });
    expect(location()).toBe("?period=custom&from=2026-11-01&to=2026-11-10");
  });

  test("← and → step to the period before and after, by name where it has one, never into the future", async () => {
    renderStats("/stats?period=today");
    await settle();
    expect(screen.getByRole("button", { name: "Next period" })).toHaveProperty("disabled", true);
    await press("ArrowRight");
    expect(location()).toBe("?period=today");

    await press("ArrowLeft");
    expect(location()).toBe("?period=yesterday");
    await press("ArrowLeft");
    expect(location()).toBe("?period=custom&from=2026-11-13&to=2026-11-13");
    expect(queried().summary[0]).toEqual({ from: day(13), to: day(14) });
    fireEvent.click(screen.getByRole("button", { name: "Next period" }));
    await settle();
    expect(location()).toBe("?period=yesterday");
    await press("ArrowRight");
    expect(location()).toBe("?period=today");
  });

  test("realtime and all time have no period before", async () => {
    renderStats("/stats?period=realtime");
    await settle();
    expect(screen.getByRole("button", { name: "Previous period" })).toHaveProperty("disabled", true);
    await press("ArrowLeft");
    expect(location()).toBe("?period=realtime");
  });
});

/** Visitors, each a new session viewing `paths` at `at`. */
async function visitorsAt(at: number, ...visits: string[][]) {
  vi.setSystemTime(at);
  for (const paths of visits) {
    const sessionId = crypto.randomUUID();
    for (const path of paths) await bridge.mutation(api.stats.recordPageView, { path, pageType: "post", sessionId });
  }
  await act(() => bridge.runWorker());
}
const card = (testId: string) => screen.getByTestId(testId);
const value = (testId: string) => within(card(testId)).getByTestId("stat-value").textContent;
const change = (testId: string) => {
  const element = within(card(testId)).getByTestId("period-change");
  return { shown: element.querySelector('[aria-hidden="true"]')?.textContent, spoken: element.querySelector(".visually-hidden")?.textContent, trend: element.dataset.trend };
};

describe("the cards, the chart and the top pages for the range", () => {
  beforeEach(async () => {
    await visitorsAt(Date.UTC(2026, 10, 13, 9), ["/a"], ["/a"], ["/a"], ["/a"]);
    await visitorsAt(Date.UTC(2026, 10, 14, 9), ["/a"], ["/b"]);
    await visitorsAt(Date.UTC(2026, 10, 15, 10, 30), ["/a", "/b"], ["/a"], ["/a"]);
    vi.setSystemTime(NOW);
  });

  test("each figure against the previous period: ▲ and ▼ with a percentage; nothing before tracking began: no comparison at all", async () => {
    renderStats("/stats?period=today");
    await settle();
    expect(value("stat-range-visitors")).toBe("3");
    expect(change("stat-range-visitors")).toEqual({ shown: "▲ 50%", spoken: "up 50% from the previous period", trend: "up" });
    expect(value("stat-range-pageviews")).toBe("4");
    expect(change("stat-range-pageviews")).toEqual({ shown: "▲ 100%", spoken: "up 100% from the previous period", trend: "up" });

    await press("e");
    expect(value("stat-range-visitors")).toBe("2");
    expect(change("stat-range-visitors")).toEqual({ shown: "▼ 50%", spoken: "down 50% from the previous period", trend: "down" });

    // Nov 13 against Nov 12, before the first view (Nov 13, 9:00): no "▲ new", no percentage, nothing compared.
    await press("ArrowLeft");
    expect(value("stat-range-visitors")).toBe("4");
    expect(screen.queryAllByTestId("period-change")).toHaveLength(0);
    expect(screen.getByTestId("compared-label").textContent).toBe(" nothing to compare with from the previous period");
    expect(queried().summary).toEqual([{ from: day(13), to: day(14) }]);
    // "Active now" and the all-time figures stay beside them.
    expect(value("stat-total-views")).toBe("10");
    expect(card("stat-active-now")).toBeTruthy();
  });

  test("the chart has the range's buckets with the previous period's beside them, the current one marked as counted so far", async () => {
    renderStats("/stats?period=today");
    await settle();
    const rows = [...within(screen.getByTestId("timeseries-table")).getAllByRole("row")].slice(1);
    expect(rows).toHaveLength(24);
    const at = (hour: number) => rows.find((row) => row.getAttribute("data-start") === String(Date.UTC(2026, 10, 15, hour))) as HTMLElement;
    const cells = (hour: number) => [...at(hour).querySelectorAll("td.col-number")].map((cell) => cell.textContent);
    // 10:00: 3 visitors and 4 views today; at 10:00 yesterday, none (yesterday's came at 9).
    expect(cells(10)).toEqual(["3", "4", "0", "0"]);
    expect(cells(9)).toEqual(["0", "0", "2", "2"]);
    expect(at(12).textContent).toContain("so far");
    expect(at(11).textContent).not.toContain("so far");
  });

  test("top pages: the range's, with visitors and links; the all-time table stays below", async () => {
    renderStats("/stats?period=today");
    await settle();
    const topPages = screen.getByTestId("top-pages");
    const row = (path: string) => [...topPages.querySelectorAll("tbody tr")].find((tr) => tr.getAttribute("data-path") === path) as HTMLElement;
    expect([...topPages.querySelectorAll("tbody tr")].map((tr) => tr.getAttribute("data-path"))).toEqual(["/a", "/b"]);
    expect(within(row("/a")).getByTestId("top-page-visitors").textContent).toBe("3");
    expect(within(row("/a")).getByTestId("top-page-views").textContent).toBe("3");
    expect(within(row("/b")).getByRole("link", { name: "Open /b" }).getAttribute("href")).toBe("/b");

    await press("ArrowLeft");
    expect(within(row("/a")).getByTestId("top-page-views").textContent).toBe("1");
    expect(within(row("/b")).getByTestId("top-page-views").textContent).toBe("1");
    const allTime = screen.getByTestId("views-by-page");
    expect(within(allTime.querySelector('tr[data-path="/a"]') as HTMLElement).getByTestId("page-views").textContent).toBe("8");
  });

  test("a range before today: its earlier days come once from dashboardHistory, today's live, and the figures are the whole range's", async () => {
    renderStats("/stats?period=7d");
    await settle();
    // Two questions of the range, each with its history: the live one (cards and chart) and the panels'.
    const histories = () => (bridge.askedArgs("stats:dashboardHistory") as Record<string, unknown>[]).map((args) => [isPanelsQuestion(args), args.before]);
    expect(histories()).toEqual([[false, day(15)], [true, day(15)]]);
    type Asked = { range?: { history?: { before: number } } };
    const live = () => (bridge.watchedArgs("stats:dashboardStats") as Asked[]).map(({ range }) => range?.history?.before);
    const panels = () => (bridge.askedArgs("stats:dashboardStats") as Asked[]).filter(isPanelsQuestion).map(({ range }) => range?.history?.before);
    expect(live()).toEqual([day(15)]);
    expect(panels()).toEqual([day(15)]);
    expect(value("stat-range-visitors")).toBe("9");
    expect(value("stat-range-pageviews")).toBe("10");
    // A view today: counted by the live part, the earlier days not asked again.
    await visitorsAt(NOW + MINUTE, ["/b"]);
    await settle();
    expect(value("stat-range-pageviews")).toBe("11");
    expect(histories()).toHaveLength(2);
    expect(live()).toEqual([day(15)]);
  });

  test("while a new range loads, the figures shown stay, dimmed", async () => {
    renderStats("/stats?period=today");
    await settle();
    // Not yesterday: today's comparison has already fetched it.
    fireEvent.keyDown(document.body, { key: "w" });
    // Before the new answers: the old figures, marked busy, never a skeleton.
    expect(value("stat-range-visitors")).toBe("3");
    expect(card("stat-range-visitors").getAttribute("aria-busy")).toBe("true");
    expect(screen.getByTestId("timeseries").getAttribute("aria-busy")).toBe("true");
    await settle();
    expect(value("stat-range-visitors")).toBe("9");
    expect(card("stat-range-visitors").getAttribute("aria-busy")).toBeNull();
  });
});

// Each test sends its visits in time order: the worker is never asked to fold the past after the present.
describe("what the figures are compared with", () => {
  test("an empty previous period after tracking began: no percentage, a screen reader hears why; equal figures: no change", async () => {
    await visitorsAt(Date.UTC(2026, 10, 10, 9), ["/a"]);
    await visitorsAt(Date.UTC(2026, 10, 11, 9), ["/a"]);
    await visitorsAt(Date.UTC(2026, 10, 13, 9), ["/a"], ["/a"], ["/a"], ["/a"]);
    vi.setSystemTime(NOW);
    renderStats("/stats?period=custom&from=2026-11-13&to=2026-11-13");
    await settle();
    expect(value("stat-range-visitors")).toBe("4");
    const nothing = within(card("stat-range-visitors")).getByTestId("period-change");
    expect(nothing.dataset.trend).toBe("none");
    expect(nothing.querySelector('[aria-hidden="true"]')).toBeNull();
    expect(nothing.textContent).toBe("nothing to compare with from the previous period");

    cleanup();
    renderStats("/stats?period=custom&from=2026-11-11&to=2026-11-11");
    await settle();
    expect(change("stat-range-visitors")).toEqual({ shown: "no change", spoken: "no change from the previous period", trend: "flat" });
  });

  test("a period under way meets as much of the one before: today at noon against yesterday until 12:01", async () => {
    await visitorsAt(Date.UTC(2026, 10, 14, 9), ["/a"], ["/b"]);
    // Yesterday afternoon: after the part of yesterday today is compared with.
    await visitorsAt(Date.UTC(2026, 10, 14, 15), ["/a"], ["/a"], ["/a"], ["/a"]);
    await visitorsAt(Date.UTC(2026, 10, 15, 10, 30), ["/a", "/b"], ["/a"], ["/a"]);
    vi.setSystemTime(NOW);
    renderStats("/stats?period=today");
    await settle();
    expect(change("stat-range-visitors")).toEqual({ shown: "▲ 50%", spoken: "up 50% from the previous period", trend: "up" });
    expect(within(card("stat-range-visitors")).getByTestId("period-change").title.replace(/\s/g, " ")).toBe("Nov 14, 12:00 AM – 12:00 PM: 2");
    expect(screen.getByTestId("compared-label").textContent?.replace(/\s/g, " ")).toBe(" compared with Nov 14, 12:00 AM – 12:00 PM");
    // The chart draws all of yesterday behind today: its afternoon too.
    const previous = within(screen.getByTestId("timeseries-table")).getAllByRole("row").map((row) => row.querySelectorAll("td")[3]?.textContent);
    expect(previous).toContain("4");
  });

  test("year over year, or no comparison: chosen beside the period, kept in the URL as the range changes", async () => {
    // Tracked since November 1 a year ago, so a year before this week has figures.
    await visitorsAt(Date.UTC(2025, 10, 1, 10), ["/a"]);
    await visitorsAt(Date.UTC(2025, 10, 15, 10), ["/a"]);
    await visitorsAt(Date.UTC(2026, 10, 15, 10, 30), ["/a", "/b"], ["/a"], ["/a"]);
    vi.setSystemTime(NOW);
    renderStats("/stats?period=today");
    await settle();
    const compareWith = () => screen.getByRole("combobox", { name: "Compare with" }) as HTMLSelectElement;
    expect(compareWith().value).toBe("previous");
    fireEvent.change(compareWith(), { target: { value: "year" } });
    await settle();
    expect(location()).toBe("?period=today&compare=year");
    // A year ago only whole days are kept (the rollup): noon's nearest midnight ends the day compared.
    expect(queried().summary).toEqual([
      { from: day(15), to: day(16) },
      { from: Date.UTC(2025, 10, 15), to: Date.UTC(2025, 10, 16) },
    ]);
    expect(change("stat-range-visitors")).toEqual({ shown: "▲ 200%", spoken: "up 200% from a year earlier", trend: "up" });
    expect(screen.getByTestId("compared-label").textContent?.replace(/\s/g, " ")).toBe(" compared with Nov 15, 2025");

    // By day, a year earlier is drawn behind the week (by hour it was not: those hours are rolled up).
    await press("w");
    expect(location()).toBe("?period=7d&compare=year");
    expect(screen.getByText("A year earlier", { selector: "th" })).toBeTruthy();
    fireEvent.change(compareWith(), { target: { value: "off" } });
    await settle();
    expect(location()).toBe("?period=7d&compare=off");
    expect(screen.queryAllByTestId("period-change")).toHaveLength(0);
    expect(screen.queryByTestId("compared-label")).toBeNull();
    expect(queried().summary).toEqual([{ from: day(9), to: day(16) }]);
    expect(queried().timeseries).toEqual([{ from: day(9), to: day(16) }]);
    expect(screen.queryByText("A year earlier", { selector: "th" })).toBeNull();

    // Back to the default: the URL drops it.
    fireEvent.change(compareWith(), { target: { value: "previous" } });
    await settle();
    expect(location()).toBe("?period=7d");
  });
});

describe("as time passes", () => {
  test("realtime slides once a minute, and not in between", async () => {
    await trackingSinceJanuary();
    renderStats("/stats?period=realtime");
    await settle();
    const realtime = (end: number) => [
      { from: end - 30 * MINUTE, to: end },
      { from: end - 60 * MINUTE, to: end - 30 * MINUTE },
    ];
    expect(queriedRanges()).toEqual(realtime(NOW + MINUTE));
    expect(queried().intervals).toEqual(["minute"]);
    await act(() => vi.advanceTimersByTimeAsync(30_000));
    expect(queriedRanges()).toEqual(realtime(NOW + MINUTE));
    await act(() => vi.advanceTimersByTimeAsync(30_000));
    await settle();
    expect(queriedRanges()).toEqual(realtime(NOW + 2 * MINUTE));
  });

  test("other periods keep their range's queries as the minutes pass, the part of yesterday compared grows with today, and today rolls over at midnight", async () => {
    await trackingSinceJanuary();
    renderStats("/stats?period=today");
    await settle();
    const before = queried();
    await act(() => vi.advanceTimersByTimeAsync(5 * MINUTE));
    expect(queried().timeseries).toEqual(before.timeseries);
    expect(queried().breakdown).toEqual(before.breakdown);
    expect(queried().summary).toEqual([
      { from: day(15), to: day(16) },
      { from: day(14), to: Date.UTC(2026, 10, 14, 12, 6) },
    ]);
    vi.setSystemTime(day(16) - 30_000);
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    await settle();
    expect(queried().summary[0]).toEqual({ from: day(16), to: day(17) });
  });
});

describe("a failing query", () => {
  let reported: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    // React reports each error a boundary catches on the console; these are expected.
    reported = vi.spyOn(console, "error").mockImplementation(() => {});
  });
  afterEach(() => reported.mockRestore());
  const alertIn = (element: HTMLElement) => within(element).queryByRole("alert")?.textContent;

  test("the range's figures: their cards say so, the chart, top pages and everything else keep working, and retry recovers", async () => {
    // The cards' comparison is the summary query of their own.
    await trackingSinceJanuary();
    renderStats("/stats?period=today");
    await settle();
    await act(() => bridge.failQuery("stats:summary"));
    expect(alertIn(screen.getByTestId("stat-range-error"))).toContain("Couldn't load this panel");
    expect(screen.getByTestId("timeseries")).toBeTruthy();
    expect(screen.getByTestId("top-pages")).toBeTruthy();
    expect(within(screen.getByTestId("stat-active-now")).getByTestId("stat-value").textContent).toBe("0");
    expect(within(screen.getByTestId("stat-total-views")).getByTestId("stat-value").textContent).toBe("1");

    await act(() => bridge.restoreQuery("stats:summary"));
    fireEvent.click(within(screen.getByTestId("stat-range-error")).getByRole("button", { name: "Try again" }));
    await settle();
    expect(screen.queryAllByRole("alert")).toHaveLength(0);
    expect(within(screen.getByTestId("stat-range-visitors")).getByTestId("stat-value").textContent).toBe("0");
  });

  test("a site zone that is not one: the range's panels cannot load and the toolbar says how to fix it; the rest works", async () => {
    vi.stubEnv("STATS_TIME_ZONE", "Mars/Olympus_Mons");
    renderStats();
    await settle();
    expect(screen.getByTestId("range-label").textContent).toContain("npx convex env set STATS_TIME_ZONE");
    for (const testId of ["stat-range-error", "chart-error", "top-pages-error"]) expect(alertIn(screen.getByTestId(testId))).toContain("Couldn't load this panel");
    expect(within(screen.getByTestId("stat-active-now")).getByTestId("stat-value").textContent).toBe("0");
    expect(screen.getByTestId("stats-empty")).toBeTruthy();
  });
});
