import { beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { HEARTBEAT_DEDUP_MS } from "../../convex/model/config";
import { saveContent } from "../../convex/model/content";
import * as PageStats from "../../convex/model/pageStats";
import * as PageViews from "../../convex/model/pageViews";
import * as Sessions from "../../convex/model/sessions";
import { accessOf, type Resource } from "../support/access";
import { T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { sessionId } from "../support/seed";
import { heartbeat, pageViewArgs, viewPage } from "../support/calls";

/**
 * Convex re-runs a subscribed query only when a mutation writes into what the
 * query read. The dashboard's two halves must not wake each other: a heartbeat
 * every 30 s per visitor must not re-run the page-view figures, and a page
 * view must not re-run the active-visitor figures. convex-test has no read
 * sets, so we record which tables and components each side touches (at the
 * model layer the thin API functions call) and check they are disjoint, and
 * check the query results do not change.
 */

useFakeClock(T0, "all");
let t: TestConvex;
beforeEach(async () => {
  t = createTestConvex();
  await t.run(async (ctx) => {
    await saveContent(ctx, "posts", { slug: "a", title: "A", published: true, date: "2024-01-01" });
    await saveContent(ctx, "pages", { slug: "b", title: "B", published: true });
  });
  await viewPage(t, 1, "/a");
  await viewPage(t, 2, "/b");
  await heartbeat(t, 1, "/a");
  vi.advanceTimersByTime(HEARTBEAT_DEDUP_MS);
});

const overlap = (writes: Resource[], reads: Resource[]) => writes.filter((w) => reads.includes(w));

describe("a heartbeat never re-runs getPageViewStats", () => {
  const heartbeats: [string, number, string][] = [
    ["a new session", 3, "/a"],
    ["the same path, after the 10 s dedup", 1, "/a"],
    ["a path change", 1, "/b"],
  ];

  test("what getPageViewStats reads", async () => {
    const { reads } = await accessOf(t, (ctx) => PageStats.getPageViewStats(ctx));
    expect(reads).toEqual([
      "component:distinctPaths",
      "component:pageViewsByPath",
      "component:pages",
      "component:posts",
      "component:uniqueVisitors",
      "table:backfillStatus",
      "table:pageViews",
      "table:pages",
      "table:pathStats",
      "table:posts",
    ]);
  });

  test.each(heartbeats)("%s writes none of it, and the figures stay the same", async (_, visitor, path) => {
    const { reads } = await accessOf(t, (ctx) => PageStats.getPageViewStats(ctx));
    const before = await t.query(api.stats.getPageViewStats, {});

    const { writes } = await accessOf(t, (ctx) => Sessions.heartbeat(ctx, sessionId(visitor), path, Date.now()));

    expect(writes.length).toBeGreaterThan(0);
    expect(overlap(writes, reads)).toEqual([]);
    expect(await t.query(api.stats.getPageViewStats, {})).toEqual(before);
  });
});

describe("a page view never re-runs getActiveVisitors", () => {
  const views: [string, number, string][] = [
    ["a new visitor on a new path", 3, "/new"],
    ["a returning visitor on a known path", 1, "/b"],
  ];

  test("what getActiveVisitors reads", async () => {
    const { reads } = await accessOf(t, (ctx) => Sessions.getActiveVisitors(ctx, Date.now()));
    expect(reads).toEqual(["component:activeSessions", "table:activePaths", "table:activeSessions"]);
  });

  test.each(views)("%s writes none of it, and the figures stay the same", async (_, visitor, path) => {
    const { reads } = await accessOf(t, (ctx) => Sessions.getActiveVisitors(ctx, Date.now()));
    const before = await t.query(api.stats.getActiveVisitors, { now: Date.now() });

    const { writes } = await accessOf(t, (ctx) => PageViews.recordPageView(ctx, pageViewArgs(visitor, path), Date.now()));

    expect(writes).toContain("table:pageViews");
    expect(overlap(writes, reads)).toEqual([]);
    expect(await t.query(api.stats.getActiveVisitors, { now: Date.now() })).toEqual(before);
  });
});
