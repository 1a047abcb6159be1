import { act, fireEvent, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { renderStatsPage } from "../support/renderStatsPage";
import { ConvexTestBridge, cleanUpAfterEach } from "../support/testBridge";

// Every query the dashboard subscribes to, by name: each must carry the share link's token.
const STATS_QUERIES = ["settings", "dashboardStats", "dashboardHistory", "summary", "timeseries"].map((name) => `stats:${name}`);

let bridge: ConvexTestBridge;

beforeEach(() => {
  bridge = new ConvexTestBridge();
  vi.stubEnv("STATS_VISIBILITY", "private");
});
cleanUpAfterEach(() => bridge);

const renderStats = (url: string) => renderStatsPage(bridge, url);

/** Lets every round of queries answer: the access check, then the range, then the range's figures. */
async function settle() {
  for (let round = 0; round < 3; round++) await act(() => bridge.runWorker());
}

async function viewAndShare(): Promise<{ id: string; token: string }> {
  await bridge.mutation(api.stats.recordPageView, { path: "/hello", pageType: "post", sessionId: crypto.randomUUID() });
  await act(() => bridge.runWorker());
  return await bridge.t.action(internal.stats.createShareLink, { label: "team" });
}

const cardValue = (testId: string) => within(screen.getByTestId(testId)).queryByTestId("stat-value")?.textContent;

/** Shows the private notice and nothing else: no figure, no panel, no failure message. */
function expectOnlyThePrivatePage(message: RegExp) {
  const notice = screen.getByTestId("private-dashboard");
  expect(within(notice).getByRole("heading", { level: 1 }).textContent).toBe("This dashboard is private");
  expect(notice.textContent).toMatch(message);
  expect(screen.queryAllByTestId("stat-value")).toHaveLength(0);
  expect(document.querySelectorAll(".panel-error, [role=alert]")).toHaveLength(0);
  expect(document.body.textContent).not.toMatch(/Couldn't load/);
  expect(screen.queryByRole("combobox", { name: "Date range" })).toBeNull();
}

describe("a private dashboard", () => {
  test("without a share link shows only that it is private", async () => {
    await viewAndShare();
    renderStats("/stats");
    await settle();
    expectOnlyThePrivatePage(/Ask the site's owner for a share link/);
    // Only `settings` is asked: no figure query is even sent.
    expect(bridge.watchedArgs("stats:getPageViewStats")).toEqual([]);
  });

  test("with a share link shows the figures, every query carrying its token", async () => {
    // A view 70 days ago: the 30 days shown have the 30 before them to compare with, asked with `summary` and `timeseries`.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() - 70 * 24 * 60 * 60 * 1000);
    await bridge.mutation(api.stats.recordPageView, { path: "/hello", pageType: "post", sessionId: crypto.randomUUID() });
    vi.useRealTimers();
    const { token } = await viewAndShare();
    renderStats(`/stats?token=${token}`);
    await settle();
    expect(screen.queryByTestId("private-dashboard")).toBeNull();
    expect(cardValue("stat-total-views")).toBe("2");
    expect(cardValue("stat-range-pageviews")).toBe("1");
    for (const name of STATS_QUERIES) {
      expect(bridge.watchedArgs(name).length, name).toBeGreaterThan(0);
      for (const args of bridge.watchedArgs(name)) expect(args, name).toMatchObject({ token });
    }
  });

  test("keeps the token when the range changes", async () => {
    const { token } = await viewAndShare();
    renderStats(`/stats?token=${token}`);
    await settle();
    fireEvent.change(screen.getByRole("combobox", { name: "Date range" }), { target: { value: "7d" } });
    await settle();
    expect(new URLSearchParams(screen.getByTestId("location").textContent!).get("token")).toBe(token);
    expect(cardValue("stat-range-pageviews")).toBe("1");
  });

  test("with a link that does not work says so", async () => {
    await viewAndShare();
    renderStats("/stats?token=not-a-real-token");
    await settle();
    expectOnlyThePrivatePage(/This share link doesn't work/);
  });

  test("switches to the private page by itself when its link is revoked", async () => {
    const { id, token } = await viewAndShare();
    renderStats(`/stats?token=${token}`);
    await settle();
    expect(cardValue("stat-total-views")).toBe("1");
    await act(async () => {
      await bridge.t.mutation(internal.stats.revokeShareLink, { id: id as never });
      await bridge.refresh();
    });
    await settle();
    expectOnlyThePrivatePage(/This share link doesn't work/);
  });
});

test("a public dashboard sends no token and shows its figures", async () => {
  vi.stubEnv("STATS_VISIBILITY", "public");
  await viewAndShare();
  renderStats("/stats");
  await settle();
  expect(screen.queryByTestId("private-dashboard")).toBeNull();
  expect(cardValue("stat-total-views")).toBe("1");
  for (const name of STATS_QUERIES) for (const args of bridge.watchedArgs(name)) expect(args, name).not.toHaveProperty("token");
});
