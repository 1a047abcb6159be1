import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { tokenHash } from "../../src/component/operate/shareLinks";
import { DIRECT_SOURCE, LEGACY_IMPORT_ROWS_PER_CHUNK, VISIT_SETTLE_GRACE_MS, VISIT_TIMEOUT_MS } from "../../src/shared/config";
import { visitAttributes } from "../../src/component/record/visitAttributes";
import { MINUTE, T0 } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { expectExactActiveNow, storedFigures, type Figures } from "../support/recount";
import { generateViews, sessionId, type ViewRow } from "../support/seed";
import { USER_AGENTS } from "../support/visitWorkload";
import { settle } from "../support/worker";

// Upgrading from the version before the component: its rows sit in the app's own tables (convex/schema.ts keeps
// their shape), and `stats:backfillAggregates` must move each into the component exactly once, then rebuild.

const LEGACY_TOKEN = "legacy-share-token-that-opens-the-private-dashboard";
const [CHROME, FIREFOX] = [USER_AGENTS[0], USER_AGENTS[4]];

/** The figures the raw rows make, counted here from the rows themselves. */
function figuresOf(views: ViewRow[]): Figures {
  const viewsByPath: Record<string, number> = {};
  const firstSeenBySession: Record<string, number> = {};
  for (const { path, sessionId, timestamp } of views) {
    viewsByPath[path] = (viewsByPath[path] ?? 0) + 1;
    firstSeenBySession[sessionId] = Math.min(firstSeenBySession[sessionId] ?? Infinity, timestamp);
  }
  return {
    totalPageViews: views.length,
    uniqueVisitors: Object.keys(firstSeenBySession).length,
    distinctPages: Object.keys(viewsByPath).length,
    trackingSince: Math.min(...views.map((view) => view.timestamp)),
    viewsByPath,
    firstSeenBySession,
  };
}

/** The previous version's state: rows written into the app's own tables by its schema. */
async function seedPreviousVersion(t: TestConvex, views: ViewRow[]) {
  for (let i = 0; i < views.length; i += 4000) {
    await t.run(async (ctx) => {
      for (const row of views.slice(i, i + 4000)) await ctx.db.insert("pageViews", row);
    });
  }
  await t.run(async (ctx) => {
    await ctx.db.insert("activeSessions", { sessionId: views[0].sessionId, currentPath: views[0].path, lastSeen: T0 - 86_400_000 });
    await ctx.db.insert("shareLinks", { label: "team", tokenHash: await tokenHash(LEGACY_TOKEN), createdAt: T0 - 1 });
  });
}

const legacyRows = (t: TestConvex) =>
  t.run(async (ctx) => ({
    pageViews: (await ctx.db.query("pageViews").collect()).length,
    activeSessions: (await ctx.db.query("activeSessions").collect()).length,
    shareLinks: (await ctx.db.query("shareLinks").collect()).length,
  }));
const componentViews = (t: TestConvex) => t.runInStats(async (ctx) => (await ctx.db.query("pageViews").collect()).length);

/** The old tables are empty, each old view is in the component once, and the figures equal a count of the raw rows. */
async function expectEveryRowMovedOnce(t: TestConvex, views: ViewRow[]) {
  expect(await legacyRows(t)).toEqual({ pageViews: 0, activeSessions: 0, shareLinks: 0 });
  expect(await componentViews(t)).toBe(views.length);
  expect(await storedFigures(t)).toEqual(figuresOf(views));
  await expectExactActiveNow(t);
}

describe("upgrading from the version before the component", () => {
  const views = generateViews({ count: 2 * LEGACY_IMPORT_ROWS_PER_CHUNK + 137, sessions: 90, paths: 12 });
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
    delete process.env.STATS_VISIBILITY;
  });

  it("moves every old row into the component once and rebuilds figures that equal a recount of the raw rows", { timeout: 120_000 }, async () => {
    const t = createTestConvex();
    await seedPreviousVersion(t, views);

    await t.mutation(internal.stats.backfillAggregates, {});
    await settle(t);

    await expectEveryRowMovedOnce(t, views);
    // The old share link still opens the dashboard once it is private.
    process.env.STATS_VISIBILITY = "private";
    expect(await t.query(api.stats.settings, { token: LEGACY_TOKEN })).toMatchObject({ visibility: "private", canRead: true });
  });

  it("is resumable and idempotent: stopped after one chunk, run again twice, nothing is moved or counted twice", { timeout: 120_000 }, async () => {
    const t = createTestConvex();
    await seedPreviousVersion(t, views);

    // One chunk moves, then the run is cut off before its continuation (a deploy, a failure): the scheduled rest is cancelled.
    await t.mutation(internal.stats.backfillAggregates, {});
    expect((await legacyRows(t)).pageViews).toBe(views.length - LEGACY_IMPORT_ROWS_PER_CHUNK);
    expect(await componentViews(t)).toBe(LEGACY_IMPORT_ROWS_PER_CHUNK);
    await t.run(async (ctx) => {
      for (const job of await ctx.db.system.query("_scheduled_functions").collect()) {
        if (job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
      }
    });

    await t.mutation(internal.stats.backfillAggregates, {});
    await settle(t);
    await t.mutation(internal.stats.backfillAggregates, {});
    await settle(t);

    await expectEveryRowMovedOnce(t, views);
  });

  describe("a visit that spans the upgrade is one visit: the old version's view at 23:50 and a live one at 00:00 are one visit of two views, entering at the old page", () => {
    const session = sessionId(7);
    const old = T0 - 10 * MINUTE;
    const oldVisit = { sessionId: session, start: old, lastActivity: old, views: 1, entryPage: "/old", exitPage: "/old", ...visitAttributes({ referrer: "https://www.google.com/", userAgent: FIREFOX }) };
    const visitsOf = (t: TestConvex) =>
      t.runInStats(async (ctx) =>
        (await ctx.db.query("visits").collect()).map(({ start, lastActivity, views, entryPage, exitPage, source, browser }) => ({ start, lastActivity, views, entryPage, exitPage, source, browser })),
      );

    it.each([
      ["with the old version's visit: its source and browser", true, { source: "Google", browser: "Firefox" }],
      ["from before visits: the live view's source and browser", false, { source: DIRECT_SOURCE, browser: "Chrome" }],
    ])("%s", { timeout: 120_000 }, async (_, withVisit, attributes) => {
      const t = createTestConvex();
      await t.run(async (ctx) => {
        await ctx.db.insert("pageViews", { path: "/old", pageType: "post", sessionId: session, timestamp: old });
        if (withVisit) await ctx.db.insert("visits", oldVisit);
      });
      // Deployed: the session's next view is counted live, before the old rows are moved.
      await t.mutation(api.stats.recordPageView, { path: "/new", pageType: "post", sessionId: session, visit: { userAgent: CHROME } });
      await settle(t);

      await t.mutation(internal.stats.backfillAggregates, {});
      await settle(t);

      expect(await legacyRows(t)).toMatchObject({ pageViews: 0 });
      expect(await visitsOf(t)).toEqual([{ start: old, lastActivity: T0, views: 2, entryPage: "/old", exitPage: "/new", ...attributes }]);
      const days = { from: T0 - 86_400_000, to: T0 + 86_400_000 };
      const figures = { visits: 1, pageviews: 2, visitors: 1, bounceRate: 0, viewsPerVisit: 2, visitDurationMs: 10 * MINUTE };
      expect(await t.query(api.stats.summary, days)).toMatchObject(figures);
      // Once it has ended, settled and counted once.
      vi.setSystemTime(T0 + VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS + MINUTE);
      await t.mutation(internal.stats.cleanupStaleSessions, {});
      await settle(t);
      expect(await t.runInStats((ctx) => ctx.db.query("visitSettlement").first())).toMatchObject({ lastActivity: T0 });
      expect(await t.query(api.stats.summary, days)).toMatchObject(figures);
      await expectExactActiveNow(t);
    });
  });
});
