import { act, screen, within } from "@testing-library/react";
import { beforeEach, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { WATCH_LEASE_MS, WATCH_RENEW_MS } from "../../src/shared/config";
import { renderStatsPage } from "../support/renderStatsPage";
import { ConvexTestBridge, cleanUpAfterEach } from "../support/testBridge";

// A dashboard left open in a background tab costs nothing: it holds no subscription while the tab is
// hidden (so no query re-runs as traffic flows), renews no watch lease (so the worker goes back to its
// unwatched cadence), keeps its figures, and catches up when shown again.

let bridge: ConvexTestBridge;
beforeEach(() => {
  bridge = new ConvexTestBridge();
});
cleanUpAfterEach(() => bridge, () => setVisibility("visible"));

function setVisibility(state: DocumentVisibilityState) {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  document.dispatchEvent(new Event("visibilitychange"));
}

async function settle() {
  await act(() => bridge.settled());
}

const totalViews = () => within(screen.getByTestId("stat-total-views")).getByTestId("stat-value").textContent;

async function view(path: string) {
  await act(() => bridge.mutation(api.stats.recordPageView, { path, pageType: "post", sessionId: crypto.randomUUID() }));
  await settle();
}

test("hidden, the dashboard holds no subscription and keeps its figures; shown again, it catches up", async () => {
  await view("/a");
  renderStatsPage(bridge, "/stats");
  await settle();
  expect(totalViews()).toBe("1");
  expect(bridge.watchedQueries()).toContain("stats:dashboardStats");

  act(() => setVisibility("hidden"));
  await settle();
  expect(bridge.watchedQueries()).toEqual([]);
  await view("/b");
  expect(bridge.watchedQueries()).toEqual([]);
  expect(totalViews()).toBe("1");

  act(() => setVisibility("visible"));
  await settle();
  expect(totalViews()).toBe("2");
  expect(bridge.watchedQueries()).toContain("stats:dashboardStats");
});

test("visible, the dashboard holds the worker's watch lease and renews it; hidden, it renews nothing and the lease lapses", async () => {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"] });
  const lease = () => bridge.t.runInStats(async (ctx) => (await ctx.db.query("dashboardWatch").first())?.until ?? null);
  const renewals = () => bridge.sent("stats:watchDashboard").length;
  renderStatsPage(bridge, "/stats");
  await settle();
  expect(renewals()).toBe(1);
  expect(await lease()).toBe(Date.now() + WATCH_LEASE_MS);
  await act(() => vi.advanceTimersByTimeAsync(2 * WATCH_RENEW_MS));
  await settle();
  expect(renewals()).toBe(3);
  expect(await lease()).toBeGreaterThan(Date.now() + WATCH_LEASE_MS / 2);

  act(() => setVisibility("hidden"));
  await act(() => vi.advanceTimersByTimeAsync(WATCH_LEASE_MS + WATCH_RENEW_MS));
  await settle();
  expect(renewals()).toBe(3);
  expect(await lease()).toBeLessThan(Date.now());

  // Shown again, it takes the lease at once.
  act(() => setVisibility("visible"));
  await settle();
  expect(renewals()).toBe(4);
  expect(await lease()).toBe(Date.now() + WATCH_LEASE_MS);
});
