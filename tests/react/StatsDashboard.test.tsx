import { act, cleanup, fireEvent, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import {
  SESSION_TIMEOUT_MS,
  TOP_PAGES_LIMIT,
  VIEWS_TABLE_COLLAPSED_ROWS,
  VIEWS_TABLE_PAGE_SIZE,
} from "../../src/shared/config";
import { renderStatsPage } from "../support/renderStatsPage";
import { ConvexTestBridge, cleanUpAfterEach } from "../support/testBridge";

let bridge: ConvexTestBridge;

beforeEach(() => {
  bridge = new ConvexTestBridge();
});
cleanUpAfterEach(() => bridge);

const renderStats = () => renderStatsPage(bridge, "/stats");

/** Lets mutations, due scheduled runs and query re-runs finish; with real timers, until the worker has folded everything. */
async function settle() {
  await act(() => bridge.settled());
}

/**
 * Another visitor, somewhere else: the test sends their mutations straight to
 * the backend, then waits as a viewer would for the worker to fold them in.
 */
function visitor() {
  const sessionId = crypto.randomUUID();
  return {
    view: async (path: string, pageType: "post" | "page" | "home" = "post") => {
      await act(() => bridge.mutation(api.stats.recordPageView, { path, pageType, sessionId }));
      await settle();
    },
    heartbeat: async (currentPath: string) => {
      await act(() => bridge.mutation(api.stats.heartbeat, { sessionId, currentPath }));
      await settle();
    },
  };
}

const card = (testId: string) => screen.getByTestId(testId);
const cardValue = (testId: string) => within(card(testId)).queryByTestId("stat-value")?.textContent;
// Compared as attributes, not through a CSS selector, in which a backslash in the path would be an escape.
const rowOf = (path: string) =>
  [...screen.getByTestId("views-by-page").querySelectorAll("tbody tr")].find((tr) => tr.getAttribute("data-path") === path) ?? null;

describe("/stats", () => {
  test("shows skeletons, not zeros, until the figures arrive", async () => {
    renderStats();
    expect(screen.queryAllByTestId("stat-value")).toHaveLength(0);
    expect(screen.queryByTestId("stats-empty")).toBeNull();
    await settle();
    // The range's six cards and "Active now", then the three all-time cards (an app's own cards: tests/blog/StatsPage.test.tsx).
    expect(screen.getAllByTestId("stat-value")).toHaveLength(10);
  });

  test("greets an empty site with a friendly empty state", async () => {
    renderStats();
    await settle();
    expect(screen.getByTestId("stats-empty").textContent).toContain("No page views yet");
    expect(cardValue("stat-total-views")).toBe("0");
    expect(cardValue("stat-tracking-since")).toBe("Not yet");
    expect(screen.getByTestId("active-by-path").textContent).toContain("Nobody");
  });

  test("updates by itself when another visitor views a page or is active", async () => {
    renderStats();
    await settle();
    const alice = visitor();
    const bob = visitor();
    await alice.view("/hello-world");
    expect(cardValue("stat-total-views")).toBe("1");
    expect(cardValue("stat-unique-visitors")).toBe("1");
    expect(cardValue("stat-tracking-since")).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}$/);
    expect(screen.queryByTestId("stats-empty")).toBeNull();
    expect(within(rowOf("/hello-world") as HTMLElement).getByTestId("page-views").textContent).toBe("1");

    await bob.view("/hello-world");
    await bob.view("/");
    expect(cardValue("stat-total-views")).toBe("3");
    expect(cardValue("stat-unique-visitors")).toBe("2");
    expect(within(rowOf("/hello-world") as HTMLElement).getByTestId("page-views").textContent).toBe("2");
    // Sorted by views, with a link to the page.
    const paths = [...screen.getByTestId("views-by-page").querySelectorAll("tbody tr")].map((tr) => tr.getAttribute("data-path"));
    expect(paths).toEqual(["/hello-world", "/"]);
    expect(within(rowOf("/") as HTMLElement).getByRole("link", { name: "Home" }).getAttribute("href")).toBe("/");

    // A view is its visitor's presence too: both are active, Bob on the page he viewed last.
    expect(cardValue("stat-active-now")).toBe("2");
    const activeOn = (path: string) => screen.getByTestId("active-by-path").querySelector(`[data-path="${path}"]`) as HTMLElement | null;
    expect(within(activeOn("/hello-world")!).getByTestId("active-count").textContent).toBe("1");
    await alice.heartbeat("/hello-world");
    await bob.heartbeat("/hello-world");
    expect(cardValue("stat-active-now")).toBe("2");
    expect(within(activeOn("/hello-world")!).getByTestId("active-count").textContent).toBe("2");
    expect(activeOn("/")).toBeNull();
    // Real time: each change waits for the watched worker's next batch, up to WORKER_DEBOUNCE_MS.
  }, 15_000);

  test("collapses long lists and pages through every page past the top list", async () => {
    const pages = TOP_PAGES_LIMIT + 11;
    // A reader per page (one session may send only SESSION_VIEWS_PER_MINUTE views a minute), back to back; the worker folds them together and settle() waits for it.
    for (let n = 0; n < pages; n++) await bridge.mutation(api.stats.recordPageView, { path: `/page-${n}`, pageType: "post", sessionId: crypto.randomUUID() });
    renderStats();
    await settle();
    const rows = () => screen.getByTestId("views-by-page").querySelectorAll("tbody tr").length;
    const showing = () => screen.getByText(/^Showing/).textContent;
    // The range's top pages have their own "Show more"; this is the all-time table's.
    const allTime = within(screen.getByRole("heading", { name: "Views by page, all time" }).closest("section") as HTMLElement);

    expect(rows()).toBe(VIEWS_TABLE_COLLAPSED_ROWS);
    expect(showing()).toContain(`Showing ${VIEWS_TABLE_COLLAPSED_ROWS} of ${pages} pages`);
    fireEvent.click(allTime.getByRole("button", { name: "Show more" }));
    await settle();
    const secondStep = VIEWS_TABLE_COLLAPSED_ROWS + VIEWS_TABLE_PAGE_SIZE;
    expect(rows()).toBe(secondStep);
    fireEvent.click(allTime.getByRole("button", { name: "Show more" }));
    await settle();
    expect(rows()).toBe(pages);
    expect(showing()).toContain(`Showing ${pages} of ${pages} pages`);
    expect(allTime.queryByRole("button", { name: "Show more" })).toBeNull();
    fireEvent.click(allTime.getByRole("button", { name: "Show fewer" }));
    expect(rows()).toBe(VIEWS_TABLE_COLLAPSED_ROWS);
    // Each settle re-runs every panel's queries over 61 pages: seconds when the machine is busy.
  }, 15_000);

  test("active now lists its busiest pages and says how many read elsewhere", async () => {
    // One reader on each of 12 pages, two more on /page-0: the list shows 10 pages, the 2 others as a count.
    const pages = VIEWS_TABLE_COLLAPSED_ROWS + 2;
    for (let n = 0; n < pages; n++) await bridge.mutation(api.stats.heartbeat, { sessionId: crypto.randomUUID(), currentPath: `/page-${n}` });
    for (let n = 0; n < 2; n++) await bridge.mutation(api.stats.heartbeat, { sessionId: crypto.randomUUID(), currentPath: "/page-0" });
    renderStats();
    await settle();
    expect(screen.getByTestId("active-by-path").querySelectorAll("li")).toHaveLength(VIEWS_TABLE_COLLAPSED_ROWS);
    expect(within(screen.getByTestId("active-by-path").querySelector('[data-path="/page-0"]') as HTMLElement).getByTestId("active-count").textContent).toBe("3");
    expect(screen.getByTestId("active-elsewhere").textContent).toBe("and 2 more on other pages");
  }, 15_000);

  test("under a filter, active now counts what it can (a page's readers) and the parts it does not narrow say so", async () => {
    // One reader on each of 12 pages, two more on /page-0, as above.
    const pages = VIEWS_TABLE_COLLAPSED_ROWS + 2;
    for (let n = 0; n < pages; n++) await bridge.mutation(api.stats.heartbeat, { sessionId: crypto.randomUUID(), currentPath: `/page-${n}` });
    for (let n = 0; n < 2; n++) await bridge.mutation(api.stats.heartbeat, { sessionId: crypto.randomUUID(), currentPath: "/page-0" });
    // Where each "not filtered" note is: the heading it is part of, or the card.
    const notes = () => screen.queryAllByTestId("unfiltered-note").map((note) => note.closest("h2")?.id ?? note.closest("section")?.getAttribute("data-testid"));
    renderStatsPage(bridge, "/stats?filter=page:/page-0");
    await settle();
    expect(cardValue("stat-active-now")).toBe("3");
    expect(card("stat-active-now").querySelector(".stat-hint")?.textContent).toMatch(/^on this page, seen in the last/);
    expect([...screen.getByTestId("active-by-path").querySelectorAll("li")].map((li) => li.getAttribute("data-path"))).toEqual(["/page-0"]);
    expect(screen.queryByTestId("active-elsewhere")).toBeNull();
    // Only the all-time figures ignore a page filter.
    expect(notes()).toEqual(["all-time-heading"]);
    expect(screen.getByRole("heading", { name: /^All time/ }).textContent).toBe("All time (All traffic: not filtered)");

    cleanup();
    // A page nobody listed reads now, while others read pages not listed: its count is not known.
    renderStatsPage(bridge, "/stats?filter=page:/elsewhere");
    await settle();
    expect(cardValue("stat-active-now")).toBe("–");
    expect(card("stat-active-now").querySelector(".stat-hint")?.textContent).toBe("on this page: not among the busiest pages right now");
    expect(screen.getByTestId("active-by-path").textContent).toBe("This page is not among the busiest right now.");

    cleanup();
    renderStatsPage(bridge, "/stats?filter=source:Google");
    await settle();
    expect(cardValue("stat-active-now")).toBe(String(pages + 2));
    expect(notes()).toEqual(["stat-active-now", "active-by-path-heading", "all-time-heading"]);
    expect(screen.getAllByTestId("unfiltered-note").map((note) => note.textContent)).toEqual(Array(3).fill(" (All traffic: not filtered)"));
  }, 20_000);

  test("Download CSV: at the siteUrl given, else at a Convex cloud client's HTTP actions, else not shown", async () => {
    renderStatsPage(bridge, "/stats", { siteUrl: "https://stats.example.com/docs/" });
    await settle();
    expect(screen.getByTestId("download-csv").getAttribute("href")).toMatch(/^https:\/\/stats\.example\.com\/docs\/api\/export\?/);
    cleanup();
    // The client's URL: ConvexReactClient.url.
    Object.defineProperty(bridge, "url", { configurable: true, value: "https://happy-otter-123.convex.cloud" });
    renderStatsPage(bridge, "/stats");
    await settle();
    expect(screen.getByTestId("download-csv").getAttribute("href")).toMatch(/^https:\/\/happy-otter-123\.convex\.site\/api\/export\?/);
    cleanup();
    renderStatsPage(bridge, "/stats", { siteUrl: null });
    await settle();
    expect(screen.queryByTestId("download-csv")).toBeNull();
    cleanup();
    // A local deployment's URL says nothing of its HTTP actions' port.
    Object.defineProperty(bridge, "url", { configurable: true, value: "http://127.0.0.1:3210" });
    renderStatsPage(bridge, "/stats");
    await settle();
    expect(screen.queryByTestId("download-csv")).toBeNull();
  });

  test("explains a backfill in progress", async () => {
    await visitor().view("/hello-world");
    renderStats();
    await settle();
    expect(screen.queryByTestId("backfill-banner")).toBeNull();
    await act(async () => {
      await bridge.t.mutation(internal.stats.backfillAggregates, {});
      await bridge.refresh();
    });
    expect(screen.getByTestId("backfill-banner").textContent).toContain("being rebuilt");
  });

  test("never links off the site, even for a path the server would never accept", async () => {
    await visitor().view("/hello-world");
    // The server rejects "//host" paths (a browser reads them as another host), so the row goes straight into the component's table.
    await bridge.t.runInStats(async (ctx) => {
      await ctx.db.insert("pathStats", { path: "//evil.example/x", pageType: "other", views: 5 });
      await ctx.db.insert("pathStats", { path: "/\\evil.example/y", pageType: "other", views: 4 });
    });
    renderStats();
    await settle();
    for (const path of ["//evil.example/x", "/\\evil.example/y"]) {
      const row = rowOf(path) as HTMLElement;
      expect(row.textContent).toContain(path);
      expect(row.querySelectorAll("a")).toHaveLength(0);
    }
    const hrefs = [...screen.getByTestId("views-by-page").querySelectorAll("a")].map((a) => a.getAttribute("href"));
    expect(hrefs).toEqual(["/hello-world"]);
  });

  test("shows percent-encoded paths decoded, and links them as sent", async () => {
    const reader = visitor();
    await reader.view("/caf%C3%A9");
    await reader.heartbeat("/caf%C3%A9");
    renderStats();
    await settle();
    const link = within(rowOf("/caf%C3%A9") as HTMLElement).getByRole("link", { name: "/café" });
    expect(link.getAttribute("href")).toBe("/caf%C3%A9");
    expect(link.getAttribute("title")).toBe("/café");
    const item = screen.getByTestId("active-by-path").querySelector('[data-path="/caf%C3%A9"]') as HTMLElement;
    expect(within(item).getByRole("link", { name: "/café" }).getAttribute("href")).toBe("/caf%C3%A9");
  });

  describe("a failing query", () => {
    const message = "Couldn't load this panel";
    const activePanel = () => screen.getByRole("heading", { name: "Active now, by page" }).closest("section") as HTMLElement;
    const viewsPanel = () => screen.getByRole("heading", { name: "Views by page, all time" }).closest("section") as HTMLElement;
    let reported: ReturnType<typeof vi.spyOn>;

    beforeEach(async () => {
      // React reports each error a boundary catches on the console; these are expected.
      reported = vi.spyOn(console, "error").mockImplementation(() => {});
      const reader = visitor();
      await reader.view("/hello-world");
      await reader.heartbeat("/hello-world");
      renderStats();
      await settle();
      expect(cardValue("stat-active-now")).toBe("1");
      expect(cardValue("stat-total-views")).toBe("1");
    });
    afterEach(() => reported.mockRestore());

    test("the dashboard's live query: every live panel says so, each with its retry, and recovers once it works", async () => {
      await act(() => bridge.failQuery("stats:dashboardStats"));
      expect(within(card("stat-active-now")).getByRole("alert").textContent).toContain(message);
      expect(within(activePanel()).getByRole("alert").textContent).toContain(message);
      expect(screen.getByTestId("stat-page-views-error").textContent).toContain(message);
      expect(within(viewsPanel()).getByRole("alert").textContent).toContain(message);
      expect(screen.getByTestId("stat-range-error").textContent).toContain(message);
      expect(screen.queryByTestId("stat-total-views")).toBeNull();

      // Retrying while the query still fails fails again; once it works, each panel recovers on its retry.
      fireEvent.click(within(card("stat-active-now")).getByRole("button", { name: "Try again" }));
      await settle();
      expect(within(card("stat-active-now")).getByRole("alert").textContent).toContain(message);
      const other = visitor();
      await other.view("/hello-world");
      await other.heartbeat("/hello-world");
      await act(() => bridge.restoreQuery("stats:dashboardStats"));
      for (const retry of screen.getAllByRole("button", { name: "Try again" })) fireEvent.click(retry);
      await settle();
      expect(screen.queryAllByRole("alert")).toHaveLength(0);
      expect(cardValue("stat-active-now")).toBe("2");
      expect(cardValue("stat-total-views")).toBe("2");
      expect(within(rowOf("/hello-world") as HTMLElement).getByTestId("page-views").textContent).toBe("2");
      const item = screen.getByTestId("active-by-path").querySelector('[data-path="/hello-world"]') as HTMLElement;
      expect(within(item).getByTestId("active-count").textContent).toBe("2");
    });
  });

  test("lets active visitors expire as time passes, with no new data", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    vi.setSystemTime(new Date("2025-06-01T12:00:00Z"));
    const reader = visitor();
    await reader.view("/hello-world");
    await reader.heartbeat("/hello-world");
    renderStats();
    // Fake time stands still until the test moves it: let the worker fold the heartbeat.
    await act(() => bridge.runWorker());
    expect(cardValue("stat-active-now")).toBe("1");
    const [asked] = bridge.watchedArgs("stats:dashboardStats");
    // Nobody sends anything and no cron runs (it runs only every CLEANUP_INTERVAL_SECONDS): the worker wakes itself
    // once the session is past the timeout.
    const step = 20_000;
    for (let elapsed = 0; elapsed <= SESSION_TIMEOUT_MS + step; elapsed += step) {
      await act(() => vi.advanceTimersByTimeAsync(step));
      await act(() => bridge.runWorker());
      // The card keeps its figure as time passes: it never goes back to its loading skeleton.
      expect(cardValue("stat-active-now")).toBeDefined();
    }
    expect(cardValue("stat-active-now")).toBe("0");
    // The dashboard passes no clock of its own: its one subscription's question never changed as the minutes passed.
    expect(bridge.watchedArgs("stats:dashboardStats")).toEqual([asked]);
  });
});
