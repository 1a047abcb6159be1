import { convexTest } from "convex-test";
import { register } from "convex-live-stats/test";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";

const modules = import.meta.glob("../convex/**/*.*s");

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.unstubAllEnvs());

/**
 * Lets the sites' background workers fold what was sent, as while their dashboards are open (unwatched, views wait
 * up to an hour to be folded together): a minute of fake time in small steps.
 */
async function settle(t: ReturnType<typeof app>) {
  await t.mutation(api.stats.watchDashboard, {});
  await t.mutation(api.docsStats.watchDashboard, {});
  for (let step = 0; step < 120; step++) {
    vi.advanceTimersByTime(500);
    await t.finishInProgressScheduledFunctions();
  }
}

function app() {
  const t = convexTest({ modules, transactionLimits: true });
  register(t);
  register(t, "docsStats");
  return t;
}

const visitor = "5a0c6f1e-8b4d-4c3a-9e2f-1d7b6a5c4e3f";

test("a view is counted", async () => {
  const t = app();
  await t.mutation(api.stats.recordPageView, { path: "/pricing", pageType: "page", sessionId: visitor });
  await settle(t);
  const stats = await t.query(api.stats.getPageViewStats, {});
  expect(stats).toMatchObject({ totalPageViews: 1, uniqueVisitors: 1, distinctPages: 1 });
  expect(stats.pageStats).toEqual([{ path: "/pricing", title: "/pricing", pageType: "page", views: 1 }]);
});

test("the two sites stay apart", async () => {
  const t = app();
  await t.mutation(api.stats.recordPageView, { path: "/", pageType: "home", sessionId: visitor });
  await t.mutation(api.docsStats.recordPageView, { path: "/guide", pageType: "page", sessionId: visitor });
  await t.mutation(api.docsStats.recordPageView, { path: "/api", pageType: "page", sessionId: visitor });
  await settle(t);
  expect((await t.query(api.stats.getPageViewStats, {})).pageStats.map((page) => page.path)).toEqual(["/"]);
  expect((await t.query(api.docsStats.getPageViewStats, {})).pageStats.map((page) => page.path).sort()).toEqual(["/api", "/guide"]);
});

test("/api/event and /docs/api/event each take events for their own site", async () => {
  const t = app();
  const send = (route: string, path: string) =>
    t.fetch(route, { method: "POST", headers: { "Content-Type": "text/plain" }, body: JSON.stringify({ type: "pageview", sessionId: visitor, path }) });
  expect((await send("/api/event", "/from-blog")).status).toBe(202);
  expect((await send("/docs/api/event", "/from-docs")).status).toBe(202);
  await settle(t);
  expect((await t.query(api.stats.getPageViewStats, {})).pageStats.map((page) => page.path)).toEqual(["/from-blog"]);
  expect((await t.query(api.docsStats.getPageViewStats, {})).pageStats.map((page) => page.path)).toEqual(["/from-docs"]);
});

test("a private dashboard opens for whom the app's canRead lets in, and for no one else", async () => {
  vi.stubEnv("STATS_VISIBILITY", "private");
  const t = app();
  await expect(t.query(api.stats.getPageViewStats, {})).rejects.toThrow(/private/);
  const owner = t.withIdentity({ subject: "owner" });
  expect(await owner.query(api.stats.getPageViewStats, {})).toMatchObject({ totalPageViews: 0 });
  expect(await owner.query(api.stats.settings, {})).toMatchObject({ visibility: "private", canRead: true });
});
