import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { HEARTBEAT_DEDUP_MS } from "../../src/shared/config";
import * as ActiveVisitors from "../../src/component/read/activeVisitors";
import * as PageStats from "../../src/component/read/pageStats";
import { heartbeat, viewPage } from "../support/calls";
import { advanceTo, T0, useFakeClock } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { afterDedup, beat, capOf, isSiteCapShard, overlap, ownerOf, steadyState, view, type Call } from "../support/hotPathConflicts";
import { conflicts, readsInStats } from "../support/readSet";
import { RATE_LIMITER_COMPONENT, STATS_COMPONENT } from "../support/convexBackend";
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
 * The one shared thing is by design: a new visitor or a new page takes a
 * token from one shard of a site-wide cap (src/component/record/rateLimits.ts).
 */

useFakeClock(T0);

afterEach(() => vi.restoreAllMocks());

// The blog's analytics live in its stats component; its rate limiter and batch worker inside it.
const stats = (table: string) => `${STATS_COMPONENT}/${table}`;

describe("each hot-path call writes only its own session's documents", () => {
  const OWN_LIMITS = stats("rateLimiter/rateLimits");
  // [name, call, tables written, site-wide caps it takes a token from]
  const cases: [string, Call, string[], string[]][] = [
    // A view also starts or extends its session's own visit row, and takes from its own rate-limit bucket.
    ["a new visitor's first view", view(10, "/a"), [stats("pageViews"), OWN_LIMITS, stats("visits")], ["newVisitors"]],
    ["a returning visitor's view of a known page", view(1, "/b"), [stats("pageViews"), OWN_LIMITS, stats("visits")], []],
    ["a view of a brand-new page", view(1, "/new"), [stats("pageViews"), OWN_LIMITS, stats("visits")], ["newPaths"]],
    ["a new visitor's first view of a brand-new page", view(10, "/new"), [stats("pageViews"), OWN_LIMITS, stats("visits")], ["newPaths", "newVisitors"]],
    ["a new session's first heartbeat", beat(10, "/a"), [stats("activeSessions"), OWN_LIMITS], ["newVisitors"]],
    ["a page change", beat(1, "/b"), [stats("activeSessions"), OWN_LIMITS], []],
    ["a heartbeat inside an open visit", beat(99, "/elsewhere"), [stats("activeSessions"), OWN_LIMITS, stats("visits")], []],
  ];

  test.each(cases)("%s", async (_, call, tables, siteCaps) => {
    const t = await steadyState();
    await afterDedup(t);
    const writes = await writesOf(t, () => call.run(t));
    expect(tablesOf(writes)).toEqual(tables);
    const shared = writes.filter(isSiteCapShard);
    expect(shared.map(capOf).sort()).toEqual(siteCaps);
    for (const write of writes.filter((w) => !isSiteCapShard(w))) {
      expect(ownerOf(write).every((owner) => owner === sessionId(call.visitor))).toBe(true);
    }
  });

  test("a same-page heartbeat after 10 s changes only the session's own rows", async () => {
    const t = await steadyState();
    await afterDedup(t);
    const writes = await writesOf(t, () => heartbeat(t, 1, "/a"));
    // writesOf sorts by component path: the limiter's (nested in the stats component) before the component's own.
    expect(writes).toMatchObject([
      {
        component: RATE_LIMITER_COMPONENT,
        table: "rateLimits",
        change: "changed",
        docs: [{ name: "sessionHeartbeats", key: sessionId(1) }, { name: "sessionHeartbeats", key: sessionId(1) }],
      },
      { component: STATS_COMPONENT, table: "activeSessions", change: "changed" },
    ]);
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
    expect(tablesOf(second)).toEqual([stats("pageViews"), stats("rateLimiter/rateLimits"), stats("visits")]);
  });
});

describe("two visitors never conflict", () => {
  const pairs: [string, Call, Call][] = [
    ["two returning visitors on the same page", view(1, "/b"), view(2, "/b")],
    ["two returning visitors on different pages", view(1, "/b"), view(2, "/c")],
    ["two page changes to the same page", beat(1, "/b"), beat(2, "/b")],
    ["a view and a heartbeat on the same page", view(1, "/a"), beat(2, "/a")],
  ];

  test.each(pairs)("%s", async (_, a, b) => {
    expect(await overlap(a, b)).toEqual([]);
  });

  // New visitors and new pages share only the shards of the site-wide caps (40 for new visitors by default).
  // The limiter reads one random shard, and a second if the first exists, then writes one of them:
  // two calls conflict only when one writes a shard the other read (prds/howtoavoidwriteconflicts.md).
  const newcomers: [string, Call, Call][] = [
    ["two new visitors on the same page", view(10, "/a"), view(11, "/a")],
    ["two new visitors on different pages", view(10, "/a"), view(11, "/b")],
    ["a new visitor's view and another's first heartbeat", view(10, "/a"), beat(11, "/a")],
  ];

  test.each(newcomers)("%s: no conflict when they draw different shards", async (_, a, b) => {
    expect(await overlap(a, b, { a: [0.01], b: [0.26] })).toEqual([]);
  });

  test.each(newcomers)("%s: only the shard both drew conflicts", async (_, a, b) => {
    const conflicting = await overlap(a, b, { a: [0.01], b: [0.01] });
    expect(conflicting.length).toBeGreaterThan(0);
    expect(conflicting.every(isSiteCapShard)).toBe(true);
    expect(new Set(conflicting.map(capOf))).toEqual(new Set(["newVisitors"]));
  });

  test("two first views of one brand-new page conflict once, on the page's first view and the new-path shard", async () => {
    const conflicting = await overlap(view(1, "/new"), view(2, "/new"), { a: [0.01], b: [0.26] });
    expect(conflicting.length).toBeGreaterThan(0);
    expect(conflicting.every((write) => write.table === "pageViews")).toBe(true);
  });
});

describe("the worker keeps the dashboard's two halves apart", () => {
  test("folding heartbeats writes nothing getPageViewStats reads, and folding views nothing getActiveVisitors reads", async () => {
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

    await viewPage(t, 21, "/d");
    await viewPage(t, 1, "/c");
    const viewFold = await writesOf(t, () => settle(t));
    expect(tablesOf(viewFold)).toEqual(expect.arrayContaining([stats("counters"), stats("pathStats"), stats("visitors")]));
    expect(conflicts(viewFold, activeReads)).toEqual([]);
  });
});
