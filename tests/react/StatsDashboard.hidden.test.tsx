import { act, cleanup, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { renderStatsPage } from "../support/renderStatsPage";
import { ConvexTestBridge } from "../support/testBridge";

// A dashboard left open in a background tab costs nothing: it holds no subscription while the tab is
// hidden (so no query re-runs as traffic flows), keeps its figures, and catches up when shown again.

let bridge: ConvexTestBridge;
beforeEach(() => {
  bridge = new ConvexTestBridge();
});
afterEach(async () => {
  cleanup();
  setVisibility("visible");
  await bridge.settled();
});

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
  expect(bridge.watchedQueries().length).toBeGreaterThan(5);

  act(() => setVisibility("hidden"));
  await settle();
  expect(bridge.watchedQueries()).toEqual([]);
  await view("/b");
  expect(bridge.watchedQueries()).toEqual([]);
  expect(totalViews()).toBe("1");

  act(() => setVisibility("visible"));
  await settle();
  expect(totalViews()).toBe("2");
  expect(bridge.watchedQueries().length).toBeGreaterThan(5);
});
