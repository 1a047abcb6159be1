import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { useHistoryRouter, type StatsLinkProps, type StatsRouter } from "../../src/react";
import { renderStatsPage } from "../support/renderStatsPage";
import { ConvexTestBridge } from "../support/testBridge";

// How the dashboard keeps its state in the URL without a router of the app's (the History API), and with one.

afterEach(() => {
  cleanup();
  history.replaceState(null, "", "/");
});

describe("useHistoryRouter, the default", () => {
  function Readout({ onRouter }: { onRouter: (router: StatsRouter) => void }) {
    const router = useHistoryRouter();
    onRouter(router);
    return <output data-testid="search">{router.search}</output>;
  }

  function mount(url: string) {
    history.replaceState({ kept: true }, "", url);
    let current: StatsRouter | undefined;
    render(<Readout onRouter={(router) => (current = router)} />);
    return { router: () => current!, search: () => screen.getByTestId("search").textContent };
  }

  test("reads the browser's query string and writes a new one on the same page, a new history entry or in place", () => {
    const { router, search } = mount("/admin/stats?period=7d#top");
    expect(search()).toBe("?period=7d");
    const entries = history.length;
    act(() => router().navigate("?period=today&filter=source:Google"));
    expect(location.pathname + location.search + location.hash).toBe("/admin/stats?period=today&filter=source:Google#top");
    expect(search()).toBe("?period=today&filter=source:Google");
    expect(history.length).toBe(entries + 1);

    act(() => router().navigate("?period=30d", { replace: true }));
    expect(location.search).toBe("?period=30d");
    expect(history.length).toBe(entries + 1);
    act(() => router().navigate(""));
    expect(location.pathname + location.search).toBe("/admin/stats");
    expect(search()).toBe("");
  });

  test("follows Back and Forward (popstate)", () => {
    const { search } = mount("/stats?period=7d");
    act(() => {
      History.prototype.replaceState.call(history, null, "", "/stats?period=yesterday");
      dispatchEvent(new PopStateEvent("popstate"));
    });
    expect(search()).toBe("?period=yesterday");
  });
});

describe("the dashboard with the app's router", () => {
  let bridge: ConvexTestBridge;
  beforeEach(() => {
    bridge = new ConvexTestBridge();
  });
  afterEach(async () => {
    await bridge.settled();
  });

  function AppLink({ href, children, ...props }: StatsLinkProps) {
    return (
      <a href={`/app${href}`} data-app-link="" {...props}>
        {children}
      </a>
    );
  }

  test("reads its search, navigates through it, links with its Link, and leaves the browser's URL alone", async () => {
    await act(() => bridge.mutation(api.stats.recordPageView, { path: "/hello", pageType: "post", sessionId: crypto.randomUUID() }));
    const navigate = vi.fn();
    renderStatsPage(bridge, "/browser", { router: { search: "?period=today&token=t", navigate, Link: AppLink } });
    await act(() => bridge.settled());
    // Every query carries the router's token.
    expect(bridge.watchedArgs("stats:dashboardStats").length).toBeGreaterThan(0);
    for (const args of bridge.watchedArgs("stats:dashboardStats")) expect(args).toMatchObject({ token: "t" });
    expect((screen.getByRole("combobox", { name: "Date range" }) as HTMLSelectElement).value).toBe("today");

    fireEvent.change(screen.getByRole("combobox", { name: "Date range" }), { target: { value: "7d" } });
    expect(navigate).toHaveBeenLastCalledWith("?period=7d&token=t");
    fireEvent.click(within(screen.getByTestId("pages-panel")).getByRole("button", { name: "/hello" }));
    expect(navigate).toHaveBeenLastCalledWith("?period=today&token=t&filter=page%3A%2Fhello");
    expect(location.pathname + location.search).toBe("/browser");

    const link = within(screen.getByTestId("views-by-page")).getByRole("link", { name: "/hello" });
    expect(link.getAttribute("href")).toBe("/app/hello");
    expect(link.hasAttribute("data-app-link")).toBe(true);
  });

  test("without one, a page of the site is a plain link", async () => {
    await act(() => bridge.mutation(api.stats.recordPageView, { path: "/hello", pageType: "post", sessionId: crypto.randomUUID() }));
    renderStatsPage(bridge, "/stats");
    await act(() => bridge.settled());
    const link = within(screen.getByTestId("views-by-page")).getByRole("link", { name: "/hello" });
    expect(link.getAttribute("href")).toBe("/hello");
    expect(link.getAttribute("class")).toBe("page-title");
  });
});
