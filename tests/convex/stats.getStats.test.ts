import { beforeEach, describe, expect, test } from "vitest";
import type { FunctionReturnType } from "convex/server";
import { api } from "../../convex/_generated/api";
import { MAX_PAGE_SIZE, SESSION_TIMEOUT_MS, TOP_PAGES_LIMIT } from "../../src/shared/config";
import { saveContent } from "../../convex/model/content";
import { advanceTo, DAY, MINUTE, SECOND, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { insertPathStats, insertRows, sessionId } from "../support/seed";
import { heartbeat, runCleanup, viewPage } from "../support/calls";
import { settle } from "../support/worker";

useFakeClock(T0);
let t: TestConvex;
beforeEach(() => {
  t = createTestConvex();
});

type PageStatsPage = FunctionReturnType<typeof api.stats.listPageStats>;
/** What the dashboard shows once the worker has folded everything sent so far. */
const stats = async () => {
  await settle(t);
  return await t.query(api.stats.getStats, {});
};

/** Views each path gets, from different visitors so none is deduplicated. */
async function viewPaths(viewsByPath: Record<string, number>) {
  let visitor = 0;
  for (const [path, views] of Object.entries(viewsByPath)) {
    for (let i = 0; i < views; i++) await viewPage(t, visitor++, path);
  }
}

test("an empty deployment reports zeros and no tracking start", async () => {
  expect(await stats()).toEqual({
    totalPageViews: 0,
    uniqueVisitors: 0,
    trackingSince: null,
    distinctPages: 0,
    pageStats: [],
    backfill: null,
    activeVisitors: 0,
    activeByPath: [],
  });
  expect(await t.query(api.content.publishedCounts, {})).toEqual({ publishedPosts: 0, publishedPages: 0 });
});

describe("active visitors", () => {
  test("a session counts until its last heartbeat is 2 minutes old, and leaves at the cleanup cron's next run", async () => {
    await heartbeat(t, 1, "/a");
    await settle(t);
    advanceTo(T0 + SESSION_TIMEOUT_MS - SECOND);
    await runCleanup(t);
    expect((await stats()).activeVisitors).toBe(1);
    advanceTo(T0 + SESSION_TIMEOUT_MS + 20 * SECOND);
    await runCleanup(t);
    expect(await stats()).toMatchObject({ activeVisitors: 0, activeByPath: [] });
  });

  test("activeByPath is sorted by count, then by path", async () => {
    const sessionsByPath = { "/b": 1, "/a": 1, "/c": 3, "/d": 2 };
    let visitor = 0;
    for (const [path, count] of Object.entries(sessionsByPath)) {
      for (let i = 0; i < count; i++) await heartbeat(t, visitor++, path);
    }
    expect(await stats()).toMatchObject({
      activeVisitors: 7,
      activeByPath: [
        { path: "/c", title: "/c", count: 3 },
        { path: "/d", title: "/d", count: 2 },
        { path: "/a", title: "/a", count: 1 },
        { path: "/b", title: "/b", count: 1 },
      ],
    });
  });

  test("only the sessions that timed out leave a path's count", async () => {
    await heartbeat(t, 1, "/a");
    advanceTo(T0 + MINUTE);
    await heartbeat(t, 2, "/a");
    await heartbeat(t, 3, "/b");
    advanceTo(T0 + SESSION_TIMEOUT_MS + 1);
    await runCleanup(t);
    expect(await stats()).toMatchObject({
      activeVisitors: 2,
      activeByPath: [
        { path: "/a", title: "/a", count: 1 },
        { path: "/b", title: "/b", count: 1 },
      ],
    });
  });
});

describe("page-view figures", () => {
  test("totals, unique visitors and distinct pages", async () => {
    await viewPaths({ "/a": 3, "/b": 2 });
    await viewPage(t, 0, "/b"); // visitor 0 again: a view, not a visitor
    expect(await stats()).toMatchObject({ totalPageViews: 6, uniqueVisitors: 5, distinctPages: 2 });
  });

  test("trackingSince is the earliest view, even one recorded before the live tracker", async () => {
    await viewPage(t, 1, "/a");
    expect((await stats()).trackingSince).toBe(T0);
    await insertRows(t, "pageViews", [{ path: "/old", pageType: "post", sessionId: sessionId(2), timestamp: T0 - DAY }]);
    expect((await stats()).trackingSince).toBe(T0 - DAY);
  });

  test("published posts and pages count only published rows, and follow edits", async () => {
    await t.run(async (ctx) => {
      for (const slug of ["one", "two", "three"]) await saveContent(ctx, "posts", { slug, title: slug, published: true, date: "2024-01-01" });
      await saveContent(ctx, "posts", { slug: "draft", title: "Draft", published: false, date: "2024-01-01" });
      for (const slug of ["about", "now"]) await saveContent(ctx, "pages", { slug, title: slug, published: true });
    });
    expect(await t.query(api.content.publishedCounts, {})).toMatchObject({ publishedPosts: 3, publishedPages: 2 });

    await t.run(async (ctx) => {
      await saveContent(ctx, "posts", { slug: "two", title: "two", published: false, date: "2024-01-01" });
      await saveContent(ctx, "posts", { slug: "draft", title: "Draft", published: true, date: "2024-01-01" });
      await saveContent(ctx, "pages", { slug: "now", title: "now", published: false });
    });
    expect(await t.query(api.content.publishedCounts, {})).toMatchObject({ publishedPosts: 3, publishedPages: 1 });
  });
});

describe("pageStats", () => {
  test("pages are ranked by views and titled: fixed routes, then content by slug, else the path", async () => {
    await t.run(async (ctx) => {
      await saveContent(ctx, "posts", { slug: "hello-world", title: "Hello, World", published: true, date: "2024-01-01" });
      await saveContent(ctx, "pages", { slug: "about", title: "About me", published: true });
    });
    await viewPaths({ "/stats": 1, "/about": 2, "/": 5, "/hello-world/": 4, "/nowhere": 3 });

    // The site's own routes and content name a page's type; the tracker's report only for other paths.
    expect((await stats()).pageStats).toEqual([
      { path: "/", title: "Home", pageType: "home", views: 5 },
      { path: "/hello-world", title: "Hello, World", pageType: "post", views: 4 },
      { path: "/nowhere", title: "/nowhere", pageType: "post", views: 3 },
      { path: "/about", title: "About me", pageType: "page", views: 2 },
      { path: "/stats", title: "Stats", pageType: "stats", views: 1 },
    ]);
  });

  test("an unpublished post's title stays private: the public dashboard shows its path", async () => {
    await t.run(async (ctx) => {
      await saveContent(ctx, "posts", { slug: "secret-plans", title: "My secret plans", published: false, date: "2024-01-01" });
    });
    await viewPage(t, 1, "/secret-plans");
    expect((await stats()).pageStats.map((page) => page.title)).toEqual(["/secret-plans"]);
  });

  test("a published page wins over an unpublished post with the same slug, as on the site", async () => {
    await t.run(async (ctx) => {
      await saveContent(ctx, "posts", { slug: "now", title: "Old draft", published: false, date: "2024-01-01" });
      await saveContent(ctx, "pages", { slug: "now", title: "What I'm doing now", published: true });
    });
    await viewPage(t, 1, "/now");
    expect((await stats()).pageStats.map((page) => page.title)).toEqual(["What I'm doing now"]);
  });

  test(`only the top ${TOP_PAGES_LIMIT} pages are in getStats; listPageStats pages through all of them`, async () => {
    const paths = Array.from({ length: TOP_PAGES_LIMIT + 10 }, (_, i) => `/p${String(i).padStart(2, "0")}`);
    // Page i has i+1 views, so the ranking is strict. Written as the worker writes them, minus 1,830 views.
    await t.runInStats(async (ctx) => {
      for (const [i, path] of paths.entries()) await insertPathStats(ctx, path, i + 1);
    });
    const byViews = [...paths].reverse();

    const { pageStats, distinctPages } = await stats();
    expect(distinctPages).toBe(paths.length);
    expect(pageStats.map((page) => page.path)).toEqual(byViews.slice(0, TOP_PAGES_LIMIT));

    const listed: string[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page: PageStatsPage = await t.query(api.stats.listPageStats, { paginationOpts: { cursor, numItems: 25 } });
      listed.push(...page.page.map((row) => row.path));
      if (page.isDone) break;
      cursor = page.continueCursor;
    }
    expect(listed).toEqual(byViews);
  });

  test("listPageStats clamps numItems, so a huge page stays a bounded read", async () => {
    await t.runInStats(async (ctx) => {
      for (let i = 0; i < 150; i++) await insertPathStats(ctx, `/p${i}`, i + 1);
    });
    const page = await t.query(api.stats.listPageStats, { paginationOpts: { cursor: null, numItems: 1e9 } });
    expect(page.page).toHaveLength(MAX_PAGE_SIZE);
    expect(page.isDone).toBe(false);
    const tiny = await t.query(api.stats.listPageStats, { paginationOpts: { cursor: null, numItems: -5 } });
    expect(tiny.page).toHaveLength(1);
  });
});
