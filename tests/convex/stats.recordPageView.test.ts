import { beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { DEDUP_WINDOW_MS, SESSION_TIMEOUT_MS } from "../../src/shared/config";
import { advanceTo, MINUTE, SECOND, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { sessionId } from "../support/seed";
import { readTables } from "../support/tables";
import { measureViewPage, viewPage } from "../support/calls";
import { settle } from "../support/worker";

useFakeClock(T0);
let t: TestConvex;
beforeEach(() => {
  t = createTestConvex();
});

/** Page-view figures once the worker has folded everything recorded so far. */
const pageViewStats = async () => {
  await settle(t);
  return await t.query(api.stats.getPageViewStats, {});
};
const totalViews = async () => (await pageViewStats()).totalPageViews;

describe("the 30-minute dedup window", () => {
  test("a repeat view inside the window writes nothing at all", async () => {
    await viewPage(t, 1, "/a");
    // The worker's own work meanwhile (the view's session leaves "active now" at its timeout) is not the repeat's.
    advanceTo(T0 + SESSION_TIMEOUT_MS + SECOND);
    await settle(t);
    const before = await readTables(t);
    advanceTo(T0 + DEDUP_WINDOW_MS - 1);

    const { result, cost } = await measureViewPage(t, 1, "/a");

    expect(result).toEqual({ recorded: false, newVisitor: false });
    // documentsWritten counts the aggregates' B-tree nodes too: none of them moved.
    expect(cost.documentsWritten).toBe(0);
    expect(await readTables(t)).toEqual(before);
  });

  test("the same path counts again once the window has passed", async () => {
    await viewPage(t, 1, "/a");
    vi.advanceTimersByTime(DEDUP_WINDOW_MS);

    expect(await viewPage(t, 1, "/a")).toEqual({ recorded: true, newVisitor: false });
    expect(await totalViews()).toBe(2);
  });

  test("A → B → A inside the window is two views", async () => {
    for (const path of ["/a", "/b", "/a"]) {
      await viewPage(t, 1, path);
      vi.advanceTimersByTime(5 * MINUTE);
    }
    expect(await totalViews()).toBe(2);
  });

  test("the window runs from the last counted view, so ignored repeats do not extend it", async () => {
    // A view every 20 minutes: counted at 0, ignored at 20 (20 min after 0), counted at 40 (40 min after 0), ...
    const recorded: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      recorded.push((await viewPage(t, 1, "/a")).recorded);
      vi.advanceTimersByTime(20 * MINUTE);
    }
    expect(recorded).toEqual([true, false, true, false, true, false]);
  });

  test("the window is per session: another visitor on the same path counts", async () => {
    await viewPage(t, 1, "/a");
    expect(await viewPage(t, 2, "/a")).toEqual({ recorded: true, newVisitor: true });
    expect(await totalViews()).toBe(2);
  });
});

describe("unique visitors", () => {
  test("each session is one visitor however many views it makes", async () => {
    for (const path of ["/a", "/b", "/c"]) await viewPage(t, 1, path);
    for (const path of ["/a", "/b"]) await viewPage(t, 2, path);
    await viewPage(t, 3, "/a");

    expect(await pageViewStats()).toMatchObject({ totalPageViews: 6, uniqueVisitors: 3 });
  });

  test("newVisitor is true only for a session's first counted view", async () => {
    expect((await viewPage(t, 1, "/a")).newVisitor).toBe(true);
    expect((await viewPage(t, 1, "/b")).newVisitor).toBe(false);
  });

  test("a visitor's first sighting is the time of their first view", async () => {
    await viewPage(t, 1, "/a");
    vi.advanceTimersByTime(DEDUP_WINDOW_MS * 3);
    await viewPage(t, 1, "/b");
    await settle(t);
    const sessions = await t.runInStats((ctx) => ctx.db.query("visitScopes").collect());
    expect(sessions.map(({ sessionId, firstSeen }) => ({ sessionId, firstSeen }))).toEqual([{ sessionId: sessionId(1), firstSeen: T0 }]);
  });
});

describe("per-path counts", () => {
  test("pathStats keeps each path's exact views and the page type of its first view: a later view cannot relabel it", async () => {
    await viewPage(t, 1, "/a");
    await viewPage(t, 2, "/a");
    await viewPage(t, 3, "/b");
    await t.mutation(api.stats.recordPageView, { path: "/a", pageType: "not-found", sessionId: sessionId(4) });
    await settle(t);

    const rows = await t.runInStats((ctx) => ctx.db.query("pathStats").collect());
    expect(rows.map(({ path, pageType, views }) => ({ path, pageType, views }))).toEqual([
      { path: "/a", pageType: "post", views: 3 },
      { path: "/b", pageType: "post", views: 1 },
    ]);
  });

  test("a view cannot relabel the home page on the dashboard", async () => {
    await viewPage(t, 1, "/");
    await t.mutation(api.stats.recordPageView, { path: "/", pageType: "not-found", sessionId: sessionId(2) });
    await t.mutation(api.stats.recordPageView, { path: "/x", pageType: "home", sessionId: sessionId(2) });
    const { pageStats } = await pageViewStats();
    expect(pageStats.map(({ path, pageType }) => ({ path, pageType }))).toEqual([
      { path: "/", pageType: "home" },
      { path: "/x", pageType: "home" },
    ]);
  });
});
