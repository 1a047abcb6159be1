import { beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { ACTIVE_PATHS_LIMIT, MAX_PATH_BYTES, SESSION_TIMEOUT_MS, TOP_PAGES_LIMIT } from "../../src/shared/config";
import { muteBackfillLogs, runBackfill } from "../support/backfill";
import { heartbeat, measureGetStats, measureViewPage, runCleanup } from "../support/calls";
import { advanceTo, DAY, MINUTE, T0, useFakeClock } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { BUDGETS, expectWithinBudget, measure, MiB } from "../support/metrics";
import { settle } from "../support/worker";
import { DERIVED_ROWS_BATCH, generateSessions, insertActiveSessions, insertLegacyData, insertPathStats } from "../support/seed";

/**
 * The cost targets, in Convex's own deterministic counters. The same checks
 * at 20,000 views are in stats.backfill.scale.test.ts; `npm run bench`
 * prints the figures up to 100,000 views.
 */

const NOW = T0 + 31 * DAY;
useFakeClock(NOW, "all");
beforeAll(() => muteBackfillLogs());

describe("1,000 views on 40 paths", () => {
  const t = createTestConvex();
  beforeAll(async () => {
    await insertLegacyData(t, { views: 1_000, sessions: 100, paths: 40, liveSessions: 0, idleSessions: 0, now: NOW, visitsPerSession: 2 });
    await runBackfill(t);
  }, 120_000);

  test("getStats stays within its budget", async () => {
    const { cost, result } = await measureGetStats(t);
    expect(result).toMatchObject({ totalPageViews: 1_000, distinctPages: 40 });
    expectWithinBudget(cost, BUDGETS.getStats);
  });

  test("recordPageView stays within its budget, for a newcomer on a new path and a regular on a busy one", async () => {
    for (const [visitor, path] of [[1_000_000, "/brand-new"], [1, "/"]] as const) {
      const { cost, result } = await measureViewPage(t, visitor, path);
      expect(result.recorded).toBe(true);
      expectWithinBudget(cost, BUDGETS.recordPageView);
    }
  });

  test("getStats stays within its budget with 3,000 visitors active on the site", async () => {
    await insertActiveSessions(t, generateSessions({ count: 3_000, paths: 40, lastSeen: NOW }));
    const { cost, result } = await measureGetStats(t);
    expect(result.activeVisitors).toBe(3_000);
    expect(result.activeByPath).toHaveLength(40);
    expectWithinBudget(cost, BUDGETS.getStats);
  }, 120_000);
});

describe("10,000 distinct paths", () => {
  const PATHS = 10_000;
  const t = createTestConvex();
  const pathOf = (i: number) => `/p/${i}`;
  // Path i has 1 + (i * 7919) % PATHS views: every count from 1 to 10,000 once, in scrambled order.
  const viewsOf = (i: number) => 1 + ((i * 7919) % PATHS);

  beforeAll(async () => {
    // Each path's row and distinct-pages item, written as the worker writes them on a path's first view
    // (the 50 million views themselves would not add to what getStats reads, only to seeding time).
    for (let i = 0; i < PATHS; i += DERIVED_ROWS_BATCH) {
      await t.runInStats(async (ctx) => {
        for (let j = i; j < Math.min(i + DERIVED_ROWS_BATCH, PATHS); j++) await insertPathStats(ctx, pathOf(j), viewsOf(j));
      });
    }
  }, 300_000);

  test(`getStats holds the top ${TOP_PAGES_LIMIT} pages by views and counts all 10,000, within its budget`, async () => {
    const { cost, result } = await measureGetStats(t);
    expect(result.distinctPages).toBe(PATHS);
    expect(result.pageStats.map((page) => page.views)).toEqual(Array.from({ length: TOP_PAGES_LIMIT }, (_, i) => PATHS - i));
    for (const page of result.pageStats) expect(viewsOf(Number(page.path.slice("/p/".length)))).toBe(page.views);
    expectWithinBudget(cost, BUDGETS.getStats);
  });

  test("recordPageView stays within its budget on an 11th-thousand new path", async () => {
    const { cost } = await measureViewPage(t, 1, "/p/new");
    expectWithinBudget(cost, BUDGETS.recordPageView);
  });
});

describe("hostile paths: the longest allowed, in CJK, on every active page", () => {
  const t = createTestConvex();
  // 100 distinct paths as long as MAX_PATH_BYTES allows in the canonical form, which percent-encodes UTF-8 as
  // browsers send it (9 bytes a CJK character: %E5%AD%97), 4 sessions on each.
  const longPath = (i: number) => `/${String(i).padStart(3, "0")}` + "字".repeat(Math.floor((MAX_PATH_BYTES - 4) / 9));

  beforeAll(async () => {
    for (let i = 0; i < 400; i++) await heartbeat(t, 5_000_000 + i, longPath(i % 100));
    await settle(t);
  }, 300_000);

  test("getActiveVisitors reads a bounded number of documents and bytes", async () => {
    const { cost, result } = await measure(t, (ctx) => ctx.runQuery(api.stats.getActiveVisitors, {}));
    expect(result.activeVisitors).toBe(400);
    expect(result.activeByPath).toHaveLength(ACTIVE_PATHS_LIMIT);
    expectWithinBudget(cost, { documentsRead: 300, bytesRead: 2 * MiB });
  });

  test("the cleanup cron and the worker still expire them all", async () => {
    advanceTo(NOW + SESSION_TIMEOUT_MS + MINUTE);
    await runCleanup(t);
    expect(await t.query(api.stats.getActiveVisitors, {})).toEqual({ activeVisitors: 0, activeByPath: [] });
  }, 120_000);
});
