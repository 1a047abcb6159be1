import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { DEDUP_WINDOW_MS, HEARTBEAT_DEDUP_MS } from "../../convex/model/config";
import * as ActiveVisitors from "../../convex/model/activeVisitors";
import * as PageStats from "../../convex/model/pageStats";
import * as Record from "../../convex/model/record";
import { UNKNOWN_ATTRIBUTES } from "../../convex/model/visits";
import { heartbeat, pageViewArgs, viewPage } from "../support/calls";
import { advanceTo, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { conflicts, readsOf } from "../support/readSet";
import { sessionId } from "../support/seed";
import { settle, workerStatus } from "../support/worker";
import { tablesOf, writesOf, type Write } from "../support/writeSet";

/**
 * The hot path shares nothing. Each visitor call is run against a deployment
 * in steady state (traffic flowing, the stats worker running) and we look at
 * every document it wrote, in the app and in every component, and at every
 * index range it read. Two calls conflict under Convex's optimistic
 * concurrency only if one writes into the other's reads; we run both from
 * the same state and intersect.
 */

useFakeClock(T0);

const NOW = T0 + 10 * DEDUP_WINDOW_MS;

/** A deployment with history (visitors 1–3 on /a and /b), folded, then a visitor keeping the worker running. */
async function steadyState(): Promise<TestConvex> {
  const t = createTestConvex();
  for (const [visitor, path] of [[1, "/a"], [2, "/a"], [3, "/b"]] as const) {
    await viewPage(t, visitor, path);
    await heartbeat(t, visitor, path);
  }
  await settle(t);
  advanceTo(NOW);
  for (const visitor of [1, 2, 3]) await heartbeat(t, visitor, "/a");
  await viewPage(t, 99, "/warm");
  expect((await workerStatus(t))?.kind).toBe("running");
  return t;
}

/** Moves the clock past the heartbeat dedup window and lets any worker run that fell due finish first. */
async function afterDedup(t: TestConvex): Promise<void> {
  advanceTo(NOW + HEARTBEAT_DEDUP_MS);
  await t.finishInProgressScheduledFunctions();
  expect((await workerStatus(t))?.kind).toBe("running");
}

type Call = { name: string; visitor: number; run: (t: TestConvex) => Promise<unknown> };
const view = (visitor: number, path: string): Call => ({ name: `view ${path}`, visitor, run: (t) => viewPage(t, visitor, path) });
const beat = (visitor: number, path: string): Call => ({ name: `heartbeat ${path}`, visitor, run: (t) => heartbeat(t, visitor, path) });

/** The documents a written row belongs to: its session id, on either version. */
const ownerOf = (write: Write) => write.docs.map((doc) => (doc as { sessionId?: string }).sessionId);

describe("each hot-path call writes only its own session's documents", () => {
  const cases: [string, Call, string[]][] = [
    // A view also starts or extends its session's own visit row.
    ["a new visitor's first view", view(10, "/a"), ["pageViews", "visits"]],
    ["a returning visitor's view of a known page", view(1, "/b"), ["pageViews", "visits"]],
    ["a view of a brand-new page", view(1, "/new"), ["pageViews", "visits"]],
    ["a new session's first heartbeat", beat(10, "/a"), ["activeSessions"]],
    ["a page change", beat(1, "/b"), ["activeSessions"]],
    ["a heartbeat inside an open visit", beat(99, "/elsewhere"), ["activeSessions", "visits"]],
  ];

  test.each(cases)("%s", async (_, call, tables) => {
    const t = await steadyState();
    await afterDedup(t);
    const writes = await writesOf(t, () => call.run(t));
    expect(tablesOf(writes)).toEqual(tables);
    for (const write of writes) expect(ownerOf(write).every((owner) => owner === sessionId(call.visitor))).toBe(true);
  });

  test("a same-page heartbeat after 10 s changes only the session's own row", async () => {
    const t = await steadyState();
    await afterDedup(t);
    const writes = await writesOf(t, () => heartbeat(t, 1, "/a"));
    expect(writes).toMatchObject([{ component: "", table: "activeSessions", change: "changed" }]);
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
    expect(tablesOf(first)).toEqual(expect.arrayContaining(["pageViews", "batchWorker/workers"]));
    const second = await writesOf(t, () => viewPage(t, 2, "/a"));
    expect(tablesOf(second)).toEqual(["pageViews", "visits"]);
  });
});

describe("two visitors never conflict", () => {
  /** Runs `a` and `b` each from its own copy of the same state; returns what each wrote into the other's reads. */
  async function overlap(a: Call, b: Call) {
    const run = async (call: Call) => {
      const t = await steadyState();
      await afterDedup(t);
      const args = call.name.startsWith("view") ? pageViewArgs(call.visitor, call.name.slice(5)) : null;
      const path = call.name.replace(/^\S+ /, "");
      const reads = await readsOf(t, (ctx) =>
        args ? Record.recordPageView(ctx, args, UNKNOWN_ATTRIBUTES, Date.now()) : Record.heartbeat(ctx, sessionId(call.visitor), path, Date.now()),
      );
      const fresh = await steadyState();
      await afterDedup(fresh);
      const writes = await writesOf(fresh, () => call.run(fresh));
      return { reads, writes };
    };
    const [ra, rb] = [await run(a), await run(b)];
    return [...conflicts(ra.writes, rb.reads), ...conflicts(rb.writes, ra.reads)];
  }

  const pairs: [string, Call, Call][] = [
    ["two new visitors on the same page", view(10, "/a"), view(11, "/a")],
    ["two new visitors on different pages", view(10, "/a"), view(11, "/b")],
    ["two returning visitors on different pages", view(1, "/b"), view(2, "/new")],
    ["two page changes to the same page", beat(1, "/b"), beat(2, "/b")],
    ["a view and a heartbeat on the same page", view(10, "/a"), beat(11, "/a")],
  ];

  test.each(pairs)("%s", async (_, a, b) => {
    expect(await overlap(a, b)).toEqual([]);
  });
});

describe("the worker keeps the dashboard's two halves apart", () => {
  test("folding heartbeats writes nothing getPageViewStats reads, and folding views nothing getActiveVisitors reads", async () => {
    const t = await steadyState();
    await settle(t);
    const pageViewReads = await readsOf(t, (ctx) => PageStats.getPageViewStats(ctx));
    const activeReads = await readsOf(t, (ctx) => ActiveVisitors.getActiveVisitors(ctx));

    advanceTo(Date.now() + HEARTBEAT_DEDUP_MS);
    await heartbeat(t, 1, "/b");
    await heartbeat(t, 20, "/c");
    const heartbeatFold = await writesOf(t, () => settle(t));
    expect(tablesOf(heartbeatFold)).toEqual(expect.arrayContaining(["activePages", "counters", "liveSessions"]));
    const before = await t.query(api.stats.getPageViewStats, {});
    expect(conflicts(heartbeatFold, pageViewReads)).toEqual([]);
    expect(await t.query(api.stats.getPageViewStats, {})).toEqual(before);

    await viewPage(t, 21, "/d");
    await viewPage(t, 1, "/c");
    const viewFold = await writesOf(t, () => settle(t));
    expect(tablesOf(viewFold)).toEqual(expect.arrayContaining(["counters", "pathStats", "visitors"]));
    expect(conflicts(viewFold, activeReads)).toEqual([]);
  });
});
