import { beforeAll, describe, expect, test } from "vitest";
import { ConvexError } from "convex/values";
import { api, internal } from "../../convex/_generated/api";
import { FILTER_OPS, VISIT_PROPERTIES, VISIT_SETTLE_GRACE_MS, VISIT_TIMEOUT_MS } from "../../src/shared/config";
import { DAY, HOUR, MINUTE, T0, advanceTo, minuteOf, useFakeClock } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { random, sessionId } from "../support/seed";
import { muteBackfillLogs, startBackfill } from "../support/backfill";
import { settle } from "../support/worker";
import { runCleanup } from "../support/calls";
import { KEEP_ALL_DETAIL, useEnv } from "../support/env";
import { USER_AGENTS, generateVisitCalls, replayAndRecount, replayCalls, withEvents } from "../support/visitWorkload";
import {
  expectedConversionPropertyBreakdown,
  expectedConversionSummary,
  expectedConversionsBreakdown,
  expectedFunnel,
  expectedGoalsBreakdown,
  readEvents,
  type Events,
  visitsWithSteps,
  type AnyFilter,
  type GoalDefinition,
} from "../support/conversionTruth";
import { readTruth, type Truth } from "../support/timeTruth";

/**
 * Goals, event properties and funnels (prds/events.md) against a brute-force recount of the raw rows (views, visits,
 * custom events) over random ranges and filters: goals of every kind made after the traffic (so they cover all
 * history), step filters combined with the filters of pages and visit properties, settled visits and visits in
 * progress alike; then funnels' edges one by one.
 */

useFakeClock(T0, "all");
// Event goals read their buckets over any whole-minute range: every detail kept (the rollup: stats.rollup.test.ts).
useEnv(KEEP_ALL_DETAIL);

const t = createTestConvex();
const DAYS = 3;
const CALLS = withEvents(generateVisitCalls({ visitors: 70, start: T0, days: DAYS, seed: 23 }));
const END = CALLS.at(-1)!.at;
const GOALS: GoalDefinition[] = [
  { name: "Sign-ups", event: "Signup" },
  { name: "Pro sign-ups", event: "Signup", props: [{ key: "plan", value: "pro" }] },
  { name: "Team of two", event: "Signup", props: [{ key: "plan", value: "team" }, { key: "seats", value: "2" }] },
  { name: "Purchases", event: "Purchase" },
  { name: "Checkouts", event: "Checkout" },
  { name: "Read a post", page: "/post-*" },
  { name: "Anywhere", page: "/**" },
];
const FUNNELS = [
  { name: "Checkout", steps: ["Read a post", "Checkouts", "Purchases"] },
  { name: "Sign up then buy", steps: ["Sign-ups", "Checkouts", "Purchases", "Read a post"] },
];
let truth: Truth;
let all: ReturnType<typeof visitsWithSteps>;
let events: Events;

beforeAll(async () => {
  truth = await replayAndRecount(t, CALLS);
  events = await readEvents(t);
  all = visitsWithSteps(truth, events);
  // Goals and funnels made after the traffic: they cover all of it.
  for (const { name, event, page, props } of GOALS) await t.mutation(internal.stats.createGoal, { name, ...(event ? { event } : { page: page! }), ...(props ? { props } : {}) });
  for (const funnel of FUNNELS) await t.mutation(internal.stats.createFunnel, funnel);
  // The worker folds the history of goals with buckets of their own.
  await settle(t);
}, 600_000);

/** One to three filters: one step filter (a goal, an event, an event property), maybe with filters of pages and visit properties. */
function randomFilters(next: () => number): AnyFilter[] {
  const pick = <T,>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  const step = pick<AnyFilter>([
    { property: "goal", op: "is", value: pick(GOALS).name },
    { property: "event", op: pick(FILTER_OPS), value: pick(["Signup", "Purchase", "Checkout", "Download", "sign"]) },
    { property: "prop:plan", op: pick(FILTER_OPS), value: pick(["pro", "team", "free", "e"]) },
  ]);
  const filters = [step];
  for (let i = 0, more = Math.floor(next() * 3); i < more; i++) {
    const property = pick(["page", "source", "browser", "device"] as const);
    const values = property === "page" ? truth.views.map((view) => view.path) : truth.visits.map((visit) => visit[property]).filter((value) => value !== undefined);
    filters.push({ property, op: pick(FILTER_OPS), value: pick(values) });
  }
  return filters;
}

function randomRange(next: () => number, i: number) {
  const from = minuteOf(T0 + Math.floor(next() * DAYS * DAY));
  return { from, to: i % 4 === 0 ? minuteOf(END) + MINUTE : minuteOf(from + MINUTE + Math.floor(next() * 2 * DAY)) };
}

describe("conversions under filters", () => {
  test("summary, series and breakdowns under a goal, event or property filter match a recount, with conversions, rates and revenue", async () => {
    expect((await t.runInStats((ctx) => ctx.db.query("visitFolds").collect())).length, "visits still in progress").toBeGreaterThan(0);
    const next = random(11);
    let converted = 0;
    for (let i = 0; i < 30; i++) {
      const filters = randomFilters(next);
      const range = randomRange(next, i);
      const label = `${JSON.stringify(filters)} ${range.from}–${range.to}`;
      const expected = expectedConversionSummary(all, GOALS, range, filters);
      expect(await t.query(api.stats.summary, { ...range, filters }), `summary ${label}`).toEqual(expected);
      if (expected.events > 0) converted++;
      const series = await t.query(api.stats.timeseries, { ...range, filters, interval: "day", timeZone: "UTC" });
      expect(series.reduce((sum, row) => sum + (row.events ?? 0), 0), `series ${label}`).toBe(expected.events);
      const property = (["page", "source", "browser", "entryPage"] as const)[i % 4];
      const rows = (await t.query(api.stats.breakdown, { ...range, filters, property, limit: 100 })).map(({ title: _title, ...row }) => row);
      expect(rows, `breakdown ${property} ${label}`).toEqual(expectedConversionPropertyBreakdown(all, GOALS, property, range, filters).slice(0, 100));
      for (const target of ["goal", "event", "prop:plan", "props"]) {
        expect(await t.query(api.stats.breakdown, { ...range, filters, property: target, limit: 100 }), `${target} ${label}`).toEqual(
          expectedConversionsBreakdown(all, GOALS, target, range, filters).slice(0, 100),
        );
      }
    }
    expect(converted).toBeGreaterThan(12);
  }, 120_000);

  test("goals broken down without filters match a recount, every kind from buckets (goals of pages and of property values from their own)", async () => {
    expect((await t.runInStats((ctx) => ctx.db.query("goalFolds").collect())).map(({ done }) => done)).toEqual([true, true, true, true]);
    const next = random(12);
    for (let i = 0; i < 10; i++) {
      const range = randomRange(next, i);
      const rows = await t.query(api.stats.breakdown, { ...range, property: "goal", limit: 100 });
      const { visitors } = await t.query(api.stats.summary, range);
      expect(rows, JSON.stringify(range)).toEqual(expectedGoalsBreakdown(all, truth, events, GOALS, range, visitors));
      expect(await t.query(api.stats.breakdown, { ...range, property: "prop:seats", limit: 100 })).toEqual(expectedConversionsBreakdown(all, GOALS, "prop:seats", range, []));
    }
  });

  test("funnels over random ranges and filters match a recount", async () => {
    const next = random(13);
    let reached = 0;
    for (let i = 0; i < 20; i++) {
      const range = randomRange(next, i);
      const filters = randomFilters(next).filter(({ property }) => property === "page" || (VISIT_PROPERTIES as readonly string[]).includes(property));
      for (const { name, steps } of FUNNELS) {
        const expected = expectedFunnel(all, GOALS, steps, range, filters);
        expect(await t.query(api.stats.funnel, { ...range, funnel: name, filters }), `${name} ${JSON.stringify(filters)} ${JSON.stringify(range)}`).toEqual(expected);
        reached += expected.at(-1)!.visits;
      }
    }
    expect(reached).toBeGreaterThan(0);
  });

  test("a dashboard's question under a goal filter scans once and answers as the single queries do", async () => {
    const range = { from: T0, to: minuteOf(END) + MINUTE };
    const filters = [{ property: "goal", op: "is", value: "Purchases" }];
    const question = { ...range, filters, interval: "day", breakdowns: [{ property: "source" }, { property: "prop:plan" }, { property: "goal" }] };
    const { range: answer } = await t.query(api.stats.dashboardStats, { range: question });
    if (answer === null || "error" in answer) throw new Error("expected figures");
    expect(answer.summary).toEqual(await t.query(api.stats.summary, { ...range, filters }));
    expect(answer.summary.revenue).toBeGreaterThan(0);
    expect(answer.series).toEqual(await t.query(api.stats.timeseries, { ...range, filters, interval: "day" }));
    for (const [i, { property }] of question.breakdowns.entries()) expect(answer.breakdowns[i]).toEqual({ rows: await t.query(api.stats.breakdown, { ...range, filters, property }) });
    const funnel = await t.query(api.stats.dashboardFunnel, { ...range, funnel: "Checkout" });
    expect(funnel).toEqual({ steps: await t.query(api.stats.funnel, { ...range, funnel: "Checkout" }) });
    expect(await t.query(api.stats.conversionSetup, {})).toMatchObject({ goals: GOALS, funnels: FUNNELS });
  });

  test("the backfill rebuilds every visit's steps: goals and funnels the same after it, visits in progress included", async () => {
    const range = { from: T0, to: minuteOf(END) + MINUTE };
    const ask = async () => [
      await t.query(api.stats.summary, { ...range, filters: [{ property: "goal", op: "is", value: "Read a post" }] }),
      await t.query(api.stats.breakdown, { ...range, property: "goal" }),
      await t.query(api.stats.funnel, { ...range, funnel: "Sign up then buy" }),
    ];
    const before = await ask();
    await startBackfill(t);
    await settle(t, 30 * MINUTE);
    // Visits in progress included: the batch that ends the backfill publishes them again.
    expect(await ask()).toEqual(before);
  }, 120_000);
});

describe("funnels, edge by edge", () => {
  test("steps in order within one visit: out of order, skipped, split over two visits, and past the 30-minute timeout", async () => {
    const tc = createTestConvex();
    const start = T0 + 10 * DAY;
    await tc.mutation(internal.stats.createGoal, { name: "Pricing", page: "/pricing" });
    await tc.mutation(internal.stats.createGoal, { name: "Signed up", event: "Signup" });
    await tc.mutation(internal.stats.createGoal, { name: "Paid", event: "Purchase" });
    await tc.mutation(internal.stats.createFunnel, { name: "Buy", steps: ["Pricing", "Signed up", "Paid"] });
    // Each call a second after the one before, so every step has its own time.
    let clock = start;
    const tick = () => advanceTo((clock += 1000));
    const view = async (visitor: number, path: string) => {
      tick();
      await tc.mutation(api.stats.recordPageView, { path, pageType: "page", sessionId: sessionId(visitor), visit: { userAgent: USER_AGENTS[0] } });
    };
    const send = async (visitor: number, name: string) => {
      tick();
      await tc.mutation(api.stats.trackEvent, { sessionId: sessionId(visitor), name, path: "/pricing" });
    };
    // 1: all three in order (3). 2: signs up before seeing pricing, then pays (pricing only: 1). 3: pricing, then pays
    // without signing up (skips a step: 1). 4: pricing, signs up, pays 31 minutes later (no visit is open), then in a new
    // visit without pricing (2, and 0). 5: pricing, signs up, pays 29 minutes later, still in the visit (3). 6: signs up
    // before any view (in no visit), then pricing, signs up and pays (3).
    await view(1, "/pricing");
    await send(1, "Signup");
    await send(1, "Purchase");
    await view(2, "/");
    await send(2, "Signup");
    await view(2, "/pricing");
    await send(2, "Purchase");
    await view(3, "/pricing");
    await send(3, "Purchase");
    await view(4, "/pricing");
    await send(4, "Signup");
    await view(5, "/pricing");
    await send(5, "Signup");
    await send(6, "Signup");
    await view(6, "/pricing");
    await send(6, "Signup");
    await send(6, "Purchase");
    clock = start + 29 * MINUTE;
    await send(5, "Purchase");
    clock = start + 31 * MINUTE;
    await send(4, "Purchase");
    await view(4, "/home");
    await send(4, "Purchase");
    const range = { from: start - HOUR, to: start + 2 * HOUR };
    await settle(tc);
    advanceTo(Date.now() + MINUTE);
    await settle(tc);
    const expected = [
      { goal: "Pricing", visits: 6 },
      { goal: "Signed up", visits: 4 },
      { goal: "Paid", visits: 3 },
    ];
    // Live, from the snapshot of visits in progress; then settled, from their blocks: the same.
    expect(await tc.query(api.stats.funnel, { ...range, funnel: "Buy" })).toEqual(expected);
    advanceTo(Date.now() + VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS + 2 * MINUTE);
    await runCleanup(tc);
    await settle(tc);
    expect(await tc.query(api.stats.funnel, { ...range, funnel: "Buy" })).toEqual(expected);
    // A visit counts in the range holding its start: visitor 4's second visit alone starts after the first minute.
    expect(await tc.query(api.stats.funnel, { from: start + MINUTE, to: start + 2 * HOUR, funnel: "Buy" })).toEqual([
      { goal: "Pricing", visits: 0 },
      { goal: "Signed up", visits: 0 },
      { goal: "Paid", visits: 0 },
    ]);
    expect((await tc.query(api.stats.summary, { from: start + MINUTE, to: start + 2 * HOUR })).visits).toBe(1);
  });

  test("bad funnels, goals and funnel questions are refused with their field, and nothing is written", async () => {
    const tc = createTestConvex();
    await tc.mutation(internal.stats.createGoal, { name: "A", event: "A" });
    await tc.mutation(internal.stats.createGoal, { name: "B", page: "/b/**" });
    const refused = async (promise: Promise<unknown>) => ((await promise.catch((e: unknown) => e)) as ConvexError<{ code: string; field: string }>).data;
    expect(await refused(tc.mutation(internal.stats.createFunnel, { name: "One", steps: ["A"] }))).toMatchObject({ code: "INVALID_ARGUMENT", field: "steps" });
    expect(await refused(tc.mutation(internal.stats.createFunnel, { name: "Nine", steps: Array(9).fill("A") }))).toMatchObject({ field: "steps" });
    expect(await refused(tc.mutation(internal.stats.createFunnel, { name: "Unknown", steps: ["A", "C"] }))).toMatchObject({ field: "steps[1]" });
    expect(await refused(tc.mutation(internal.stats.createGoal, { name: "Both", event: "A", page: "/a" }))).toMatchObject({ field: "event" });
    expect(await refused(tc.mutation(internal.stats.createGoal, { name: "Neither" }))).toMatchObject({ field: "event" });
    expect(await refused(tc.mutation(internal.stats.createGoal, { name: "Page props", page: "/a", props: [{ key: "k", value: "v" }] }))).toMatchObject({ field: "props" });
    expect(await refused(tc.mutation(internal.stats.createGoal, { name: "Not a path", page: "blog/*" }))).toMatchObject({ field: "page" });
    await tc.mutation(internal.stats.createFunnel, { name: "AB", steps: ["A", "B"] });
    expect(await refused(tc.mutation(internal.stats.createFunnel, { name: "AB", steps: ["B", "A"] }))).toMatchObject({ field: "name" });
    // A goal a funnel uses stays until the funnel goes.
    expect(await refused(tc.mutation(internal.stats.deleteGoal, { name: "A" }))).toMatchObject({ field: "name", message: expect.stringContaining('"AB"') });
    const range = { from: T0, to: T0 + DAY };
    expect(await refused(tc.query(api.stats.funnel, { ...range, funnel: "Nope" }))).toMatchObject({ code: "INVALID_ARGUMENT", field: "funnel" });
    expect(await refused(tc.query(api.stats.funnel, { ...range, funnel: "AB", filters: [{ property: "goal", op: "is", value: "A" }] }))).toMatchObject({ field: "filters" });
    expect(await refused(tc.query(api.stats.summary, { ...range, filters: [{ property: "goal", op: "is", value: "Nope" }] }))).toMatchObject({ field: "filters[0].value" });
    expect(await refused(tc.query(api.stats.summary, { ...range, filters: [{ property: "goal", op: "contains", value: "A" }] }))).toMatchObject({ field: "filters[0].op" });
    expect(await refused(tc.query(api.stats.summary, { ...range, filters: [{ property: "prop:", op: "is", value: "A" }] }))).toMatchObject({ field: "filters[0].property" });
    expect(await tc.query(internal.stats.listFunnels, {})).toMatchObject([{ name: "AB", steps: ["A", "B"] }]);
    expect(await tc.mutation(internal.stats.deleteFunnel, { name: "AB" })).toEqual({ deleted: true });
    expect(await tc.mutation(internal.stats.deleteGoal, { name: "A" })).toEqual({ deleted: true });
  });
});

describe("goals with buckets of their own", () => {
  test("a goal of pages made later: counted from the visits' steps at once, from its own buckets once the worker has folded its history; views meanwhile counted once; a backfill, even one it interrupts, the same", async () => {
    muteBackfillLogs();
    const tc = createTestConvex();
    const start = T0 + 40 * DAY;
    const calls = withEvents(generateVisitCalls({ visitors: 25, start, days: 2, seed: 31 }));
    await replayCalls(tc, calls);
    advanceTo(calls.at(-1)!.at + HOUR);
    await settle(tc);
    const posts: GoalDefinition = { name: "Read a post", page: "/post-*" };
    const range = { from: start, to: minuteOf(Date.now()) + MINUTE };
    const recount = async (scanned: string[], goals: GoalDefinition[]) => {
      const truth = await readTruth(tc);
      const events = await readEvents(tc);
      const { visitors } = await tc.query(api.stats.summary, range);
      return expectedGoalsBreakdown(visitsWithSteps(truth, events), truth, events, goals, range, visitors, scanned);
    };
    const goalRows = () => tc.query(api.stats.breakdown, { ...range, property: "goal", limit: 100 });
    await tc.mutation(internal.stats.createGoal, posts);
    // Before the worker's next batch: the visits' steps answer.
    expect(await goalRows()).toEqual(await recount([posts.name], [posts]));
    // Views recorded before that batch are folded live into the goal; its history is the rows before them, each once.
    for (const [i, path] of ["/post-1", "/post-2", "/"].entries()) {
      advanceTo(Date.now() + MINUTE);
      await tc.mutation(api.stats.recordPageView, { path, pageType: "post", sessionId: sessionId(900 + i), visit: { userAgent: USER_AGENTS[1] } });
    }
    await settle(tc);
    expect(await tc.runInStats((ctx) => ctx.db.query("goalFolds").collect())).toMatchObject([{ done: true, history: "done" }]);
    const range2 = { from: start, to: minuteOf(Date.now()) + MINUTE };
    const rows = await tc.query(api.stats.breakdown, { ...range2, property: "goal", limit: 100 });
    const truth = await readTruth(tc);
    const events = await readEvents(tc);
    const { visitors } = await tc.query(api.stats.summary, range2);
    expect(rows).toEqual(expectedGoalsBreakdown(visitsWithSteps(truth, events), truth, events, [posts], range2, visitors));
    expect(rows[0].events).toBe(truth.views.filter((view) => view.path.startsWith("/post-")).length);
    // A backfill rebuilds the goal's buckets with everything else; a goal made while it walks starts it again.
    await startBackfill(tc);
    await tc.finishInProgressScheduledFunctions();
    const home: GoalDefinition = { name: "Home", page: "/" };
    await tc.mutation(internal.stats.createGoal, home);
    await settle(tc, 30 * MINUTE);
    expect((await tc.runInStats((ctx) => ctx.db.query("goalFolds").collect())).map(({ done }) => done)).toEqual([true, true]);
    const after = await tc.query(api.stats.breakdown, { ...range2, property: "goal", limit: 100 });
    expect(after).toEqual(expectedGoalsBreakdown(visitsWithSteps(truth, events), truth, events, [posts, home], range2, visitors));
    // Deleting a goal drops its fold.
    await tc.mutation(internal.stats.deleteGoal, { name: "Home" });
    expect(await tc.runInStats((ctx) => ctx.db.query("goalFolds").collect())).toHaveLength(1);
  }, 120_000);
});
