import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { HEARTBEAT_DEDUP_MS, LIVE_ROW_REFRESH_MS } from "../../src/shared/config";
import * as ActiveVisitors from "../../src/component/read/activeVisitors";
import * as PageStats from "../../src/component/read/pageStats";
import { heartbeat, viewPage } from "../support/calls";
import { advanceTo, T0, useFakeClock } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { NOW, afterDedup, beat, track, busySite, conflictRate, footprintOf, overlap, ownerOf, sampleFootprints, steadyState, view, type Call } from "../support/hotPathConflicts";
import { conflicts, readsInStats } from "../support/readSet";
import { BATCH_WORKER_COMPONENT, STATS_COMPONENT } from "../support/convexBackend";
import { sessionId } from "../support/seed";
import { settle } from "../support/worker";
import { tablesOf, writesOf } from "../support/writeSet";

/**
 * The hot path shares nothing. Each visitor call is run against a deployment
 * in steady state (traffic flowing, the stats worker running) and we look at
 * every document it wrote, in the app and in every component, and at every
 * index range it read (in components too: tests/support/recordedReads.ts).
 * Two calls conflict under Convex's optimistic concurrency only if one writes
 * into the other's reads; we run both from the same state and intersect.
 * New visitors and new pages share nothing either: the site-wide caps are the
 * stats worker's (src/component/derive/siteCaps.ts).
 */

useFakeClock(T0);

afterEach(() => vi.restoreAllMocks());

// The blog's analytics live in its stats component; its batch worker inside it.
const stats = (table: string) => `${STATS_COMPONENT}/${table}`;

describe("each hot-path call writes only its own session's documents", () => {
  // [name, call, tables written]
  const cases: [string, Call, string[]][] = [
    // A view also starts or extends its session's own visit row (its rate limit reads its own views: no write).
    ["a new visitor's first view", view(10, "/a"), [stats("pageViews"), stats("visits")]],
    ["a returning visitor's view of a known page", view(1, "/b"), [stats("pageViews"), stats("visits")]],
    ["a view of a brand-new page", view(1, "/new"), [stats("pageViews"), stats("visits")]],
    ["a new visitor's first view of a brand-new page", view(10, "/new"), [stats("pageViews"), stats("visits")]],
    ["a new session's first heartbeat", beat(10, "/a"), [stats("activeSessions")]],
    ["a page change", beat(1, "/b"), [stats("activeSessions")]],
    // A session with an open visit keeps its live state on it: one document.
    ["a heartbeat inside an open visit", beat(99, "/elsewhere"), [stats("visits")]],
    // A custom event is activity of its session's open visit (visitor 99's), and nothing else is written.
    ["a custom event inside an open visit", track(99, "Signup"), [stats("customEvents"), stats("visits")]],
    ["a custom event of a session with no open visit", track(1, "Signup"), [stats("customEvents")]],
  ];

  test.each(cases)("%s", async (_, call, tables) => {
    const t = await steadyState();
    await afterDedup(t);
    const writes = await writesOf(t, () => call.run(t));
    expect(tablesOf(writes)).toEqual(tables);
    for (const write of writes) expect(ownerOf(write).every((owner) => owner === sessionId(call.visitor))).toBe(true);
  });

  test("a same-page heartbeat changes only the session's own rows: its visit, and its live row once LIVE_ROW_REFRESH_MS have passed", async () => {
    const t = await steadyState();
    await afterDedup(t);
    // Its visit ended hours ago, and its live row was written 10 s ago: nothing to write.
    expect(await writesOf(t, () => heartbeat(t, 1, "/a"))).toEqual([]);
    advanceTo(NOW + LIVE_ROW_REFRESH_MS);
    await t.finishInProgressScheduledFunctions();
    const writes = await writesOf(t, () => heartbeat(t, 1, "/a"));
    // No token: a same-page beat passes the dedup at most every 10 s, under the limit (record/record.ts).
    expect(writes).toMatchObject([{ component: STATS_COMPONENT, table: "activeSessions", change: "changed" }]);
    expect(writes).toHaveLength(1);
  });

  test("a repeat view and a repeat heartbeat within their windows write nothing", async () => {
    const t = await steadyState();
    await t.finishInProgressScheduledFunctions();
    expect(await writesOf(t, () => viewPage(t, 99, "/warm"))).toEqual([]);
    expect(await writesOf(t, () => heartbeat(t, 1, "/a"))).toEqual([]);
  });

  test("only the call that wakes an idle worker writes its trigger documents, once", async () => {
    const t = createTestConvex();
    const first = await writesOf(t, () => viewPage(t, 1, "/a"));
    expect(tablesOf(first)).toEqual(expect.arrayContaining([stats("pageViews"), stats("batchWorker/workers")]));
    const second = await writesOf(t, () => viewPage(t, 2, "/a"));
    expect(tablesOf(second)).toEqual([stats("pageViews"), stats("visits")]);
  });
});

describe("two visitors never conflict", () => {
  const pairs: [string, Call, Call][] = [
    ["two returning visitors on the same page", view(1, "/b"), view(2, "/b")],
    ["two returning visitors on different pages", view(1, "/b"), view(2, "/c")],
    ["two page changes to the same page", beat(1, "/b"), beat(2, "/b")],
    ["a view and a heartbeat on the same page", view(1, "/a"), beat(2, "/a")],
    // Newcomers too: the site-wide caps are the worker's, and whether a page is new is not asked on the hot path.
    ["two new visitors on the same page", view(10, "/a"), view(11, "/a")],
    ["two new visitors on different pages", view(10, "/a"), view(11, "/b")],
    ["a new visitor's view and another's first heartbeat", view(10, "/a"), beat(11, "/a")],
    ["two returning visitors, each on a new page", view(1, "/new-1"), view(2, "/new-2")],
    ["two first views of one brand-new page", view(1, "/new"), view(2, "/new")],
    ["two new visitors, each on a new page", view(10, "/new-1"), view(11, "/new-2")],
    ["two custom events of one name", track(1, "Signup"), track(2, "Signup")],
    ["a custom event and another's view of its page", track(99, "Signup"), view(2, "/a")],
  ];

  test.each(pairs)("%s", async (_, a, b) => {
    expect(await overlap(a, b)).toEqual([]);
  });
});

describe("the goal for newcomers on a busy site: at most 5% of pairs conflict on the same page, 2% across pages", () => {
  // A call that draws at random (a sharded limiter picks its shards so) is sampled with seeded draws; every pair of samples counts.
  const SAMPLES = 12;
  // (First views of one brand-new page, and returning visitors each on a new page: 0 above, for any draw.)
  const goals: [string, Call, Call, number][] = [
    ["two new visitors on the same page", view(10, "/a"), view(11, "/a"), 0.05],
    ["two new visitors on different pages", view(10, "/a"), view(11, "/b"), 0.02],
    ["a new visitor's view and another's first heartbeat", view(10, "/a"), beat(11, "/b"), 0.02],
  ];

  test.each(goals)("%s", { timeout: 120_000 }, async (_, a, b, goal) => {
    const rate = conflictRate(await sampleFootprints(a, SAMPLES, 1, busySite), await sampleFootprints(b, SAMPLES, 2, busySite));
    expect(rate.rate).toBeLessThanOrEqual(goal);
  });
});

describe("the worker holds newcomers to the site-wide caps where no visitor waits", () => {
  test("judging a new visitor, a new session's first heartbeat and a new page writes nothing another visitor's call reads", async () => {
    const others = [view(1, "/b"), view(12, "/a"), view(13, "/newer"), beat(14, "/a"), beat(2, "/c")];
    const reads = [];
    for (const call of others) reads.push((await footprintOf(call)).reads);
    const t = await steadyState();
    await afterDedup(t);
    await viewPage(t, 10, "/new");
    await heartbeat(t, 11, "/a");

    // Without the worker's own run state: settle lets it go idle, which steady traffic never does (the trigger test above).
    const fold = (await writesOf(t, () => settle(t))).filter((write) => write.component !== BATCH_WORKER_COMPONENT);

    // Its buckets, and the heartbeat-first session's own row, marked as let through.
    expect(tablesOf(fold)).toEqual(expect.arrayContaining([stats("siteCaps"), stats("activeSessions")]));
    for (const read of reads) expect(conflicts(fold, read)).toEqual([]);
  });
});

describe("the worker keeps the dashboard's two halves apart", () => {
  test("folding heartbeats writes nothing getPageViewStats reads, and folding views nothing getActiveVisitors reads unless they move a session in it", async () => {
    const t = await steadyState();
    await settle(t);
    const pageViewReads = await readsInStats(t, (ctx) => PageStats.getPageViewStats(ctx));
    const activeReads = await readsInStats(t, (ctx) => ActiveVisitors.getActiveVisitors(ctx));

    advanceTo(Date.now() + HEARTBEAT_DEDUP_MS);
    await heartbeat(t, 1, "/b");
    await heartbeat(t, 20, "/c");
    const heartbeatFold = await writesOf(t, () => settle(t));
    expect(tablesOf(heartbeatFold)).toEqual(expect.arrayContaining([stats("activePages"), stats("counters"), stats("liveSessions")]));
    const before = await t.query(api.stats.getPageViewStats, {});
    expect(conflicts(heartbeatFold, pageViewReads)).toEqual([]);
    expect(await t.query(api.stats.getPageViewStats, {})).toEqual(before);

    // A view is its session's presence too ("active now" follows visits): views of the pages their sessions are live on move only their lastSeen.
    await viewPage(t, 20, "/c");
    await viewPage(t, 1, "/b");
    const viewFold = await writesOf(t, () => settle(t));
    expect(tablesOf(viewFold)).toEqual(expect.arrayContaining([stats("counters"), stats("pathStats"), stats("visitScopes")]));
    expect(conflicts(viewFold, activeReads)).toEqual([]);

    // A view that brings a session into "active now" changes it.
    const activeNow = await t.query(api.stats.getActiveVisitors, {});
    await viewPage(t, 21, "/d");
    expect(conflicts(await writesOf(t, () => settle(t)), activeReads)).not.toEqual([]);
    expect(await t.query(api.stats.getActiveVisitors, {})).toEqual({ ...activeNow, activeVisitors: activeNow.activeVisitors + 1, activeByPath: expect.arrayContaining([{ path: "/d", title: "/d", count: 1 }]) });
  });
});
