import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { BlogStatsPage, DocsStatsPage } from "../../blog/pages/StatsPage";
import { ConvexTestBridge, ConvexTestProvider } from "../support/testBridge";

// The blog's /stats and /stats/docs: the package's dashboard given the blog's functions, its React Router
// (through blog/statsRouter.tsx) and its own cards.

let bridge: ConvexTestBridge;

beforeEach(() => {
  bridge = new ConvexTestBridge();
});
afterEach(async () => {
  cleanup();
  await bridge.settled();
  vi.unstubAllEnvs();
});

/** The router's location, shown so a test can read where the dashboard took it (`data-testid="router-location"`). */
function RouterLocation() {
  const { pathname, search } = useLocation();
  return <output data-testid="router-location">{pathname + search}</output>;
}

function renderBlogStats(url: string) {
  // The browser's own URL stays elsewhere: the dashboard must read and write the router's, not the browser's.
  history.replaceState(null, "", "/somewhere-else");
  return render(
    <ConvexTestProvider bridge={bridge}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route path="/stats" element={<BlogStatsPage />} />
          <Route path="/stats/docs" element={<DocsStatsPage />} />
          <Route path="*" element={<p data-testid="site-page">a page of the site</p>} />
        </Routes>
        <RouterLocation />
      </MemoryRouter>
    </ConvexTestProvider>,
  );
}

async function settle() {
  await act(() => bridge.settled());
}

const routerLocation = () => decodeURIComponent(screen.getByTestId("router-location").textContent ?? "");
const cardValue = (testId: string) => within(screen.getByTestId(testId)).queryByTestId("stat-value")?.textContent;
const rowOf = (path: string) =>
  [...screen.getByTestId("views-by-page").querySelectorAll("tbody tr")].find((tr) => tr.getAttribute("data-path") === path) as HTMLElement;

describe("the blog's /stats", () => {
  test("shows skeletons, not zeros, for the blog's own cards too: the range's six and Active now, then the five all-time cards", async () => {
    renderBlogStats("/stats");
    expect(screen.queryAllByTestId("stat-value")).toHaveLength(0);
    await settle();
    expect(screen.getAllByTestId("stat-value")).toHaveLength(12);
  });

  test("shows published content counts and titles from the content tables", async () => {
    await bridge.syncContent({
      posts: [{ slug: "hello-world", title: "Hello, world", published: true, date: "2025-01-01" }],
      pages: [{ slug: "about", title: "About", published: true }],
    });
    await act(() => bridge.mutation(api.stats.recordPageView, { path: "/hello-world", pageType: "post", sessionId: crypto.randomUUID() }));
    renderBlogStats("/stats");
    await settle();
    expect(cardValue("stat-published-posts")).toBe("1");
    expect(cardValue("stat-published-pages")).toBe("1");
    expect(within(rowOf("/hello-world")).getByRole("link", { name: "Hello, world" }).getAttribute("href")).toBe("/hello-world");
  });

  test("keeps the range and filter in the router's URL, and its links open the blog's pages in the app", async () => {
    await act(() => bridge.mutation(api.stats.recordPageView, { path: "/hello-world", pageType: "post", sessionId: crypto.randomUUID() }));
    renderBlogStats("/stats?token=abc");
    await settle();
    fireEvent.change(screen.getByRole("combobox", { name: "Date range" }), { target: { value: "7d" } });
    await settle();
    // The share link's token stays; the browser's own URL is not the router's, and is left alone.
    expect(routerLocation()).toBe("/stats?period=7d&token=abc");
    expect(location.pathname + location.search).toBe("/somewhere-else");

    const pages = within(screen.getByTestId("pages-panel")).getByTestId("top-pages");
    fireEvent.click(within(pages).getByRole("button", { name: "/hello-world" }));
    await settle();
    expect(routerLocation()).toBe("/stats?period=7d&token=abc&filter=page:/hello-world");

    fireEvent.click(within(rowOf("/hello-world")).getByRole("link"));
    await settle();
    expect(routerLocation()).toBe("/hello-world");
    expect(screen.getByTestId("site-page")).toBeTruthy();
  });

  test("Download CSV asks the build's HTTP actions URL for each site's export", async () => {
    vi.stubEnv("VITE_CONVEX_SITE_URL", "http://127.0.0.1:3211");
    renderBlogStats("/stats");
    await settle();
    expect(new URL(screen.getByTestId("download-csv").getAttribute("href")!).pathname).toBe("/api/export");
    cleanup();
    renderBlogStats("/stats/docs");
    await settle();
    expect(new URL(screen.getByTestId("download-csv").getAttribute("href")!).pathname).toBe("/docs/api/export");
  });
});

describe("the docs' /stats/docs", () => {
  test("shows the docs site's figures, not the blog's, and none of the blog's cards", async () => {
    await act(() => bridge.mutation(api.docsStats.recordPageView, { path: "/docs/start", pageType: "other", sessionId: crypto.randomUUID() }));
    await act(() => bridge.mutation(api.docsStats.recordPageView, { path: "/docs/api", pageType: "other", sessionId: crypto.randomUUID() }));
    await act(() => bridge.mutation(api.stats.recordPageView, { path: "/hello-world", pageType: "post", sessionId: crypto.randomUUID() }));
    renderBlogStats("/stats/docs");
    await settle();
    expect(cardValue("stat-total-views")).toBe("2");
    expect(rowOf("/docs/start")).toBeTruthy();
    expect(screen.queryByTestId("stat-published-posts")).toBeNull();
    expect(bridge.watchedArgs("docsStats:dashboardStats")).not.toHaveLength(0);
    expect(bridge.watchedQueries().filter((name) => name.startsWith("stats:"))).toEqual([]);
  });

  test("says which site it is, and switches between the two sites' dashboards", async () => {
    renderBlogStats("/stats/docs");
    await settle();
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Docs statistics");
    const sites = screen.getByRole("navigation", { name: "Sites" });
    expect(within(sites).getByRole("link", { name: "Docs" }).getAttribute("aria-current")).toBe("page");
    fireEvent.click(within(sites).getByRole("link", { name: "Blog" }));
    await settle();
    expect(routerLocation()).toBe("/stats");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Live statistics");
  });
});
