import { beforeAll, describe, expect, test } from "vitest";
import { ConvexError } from "convex/values";
import { api } from "../../convex/_generated/api";
import {
  BREAKDOWN_PROPERTIES,
  FILTER_OPS,
  FILTER_SCAN_MAX_BYTES,
  FILTER_SNAPSHOT_MS,
  MAX_FILTERS,
  VISIT_PROPERTIES,
  VISIT_SETTLE_GRACE_MS,
  VISIT_TIMEOUT_MS,
  type BreakdownProperty,
} from "../../src/shared/config";
import { DAY, HOUR, MINUTE, T0, advanceTo, useFakeClock, minuteOf } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { random, sessionId } from "../support/seed";
import { runCleanup } from "../support/calls";
import { expectedFiltered, expectedFilteredBreakdown, expectedFilteredSeries, type OpFilter, type Truth } from "../support/timeTruth";
import { USER_AGENTS, generateVisitCalls, replayAndRecount } from "../support/visitWorkload";
import { startBackfill } from "../support/backfill";
import { settle } from "../support/worker";

/**
 * Filters that combine (prds/filters.md): up to three, each `is`, `isNot` or `contains`, on every property, checked
 * against a brute-force recount of the raw rows over random ranges, with some visits settled (read from their packed
 * blocks) and some still in progress (read from what the worker folded of them).
 */

useFakeClock(T0, "all");

const t = createTestConvex();
const DAYS = 4;
const CALLS = generateVisitCalls({ visitors: 90, start: T0, days: DAYS, seed: 41 });
const END = CALLS.at(-1)!.at;
let truth: Truth;

// Stops while the last visits are still open: those are read from the snapshot, the rest from blocks.
beforeAll(async () => void (truth = await replayAndRecount(t, CALLS)), 600_000);


/** Values of a property that occur (pages: every path viewed). */
function valuesOf(property: BreakdownProperty): string[] {
  const values = property === "page" ? truth.views.map((view) => view.path) : truth.visits.map((visit) => visit[property]);
  return [...new Set(values.filter((value): value is string => value !== undefined))].sort();
}

/** One to three random filters, never a single `is` (that one reads buckets: tests/convex/stats.visits.test.ts). */
function randomFilters(next: () => number): OpFilter[] {
  const pick = <T,>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  for (;;) {
    const filters: OpFilter[] = [];
    for (let i = 0, count = 1 + Math.floor(next() * MAX_FILTERS); i < count; i++) {
      const property = pick(BREAKDOWN_PROPERTIES);
      const op = pick(FILTER_OPS);
      const value = pick(valuesOf(property));
      // A part of a value, in another case: `contains` ignores case.
      const part = value.length <= 2 ? value : value.slice(1, 1 + Math.max(2, Math.floor(next() * value.length)));
      filters.push({ property, op, value: op === "contains" ? (next() < 0.5 ? part.toUpperCase() : part) : value });
    }
    if (filters.length > 1 || filters[0].op !== "is") return filters;
  }
}

describe("filters that combine", () => {
  test("summary, series and breakdowns under random filters and ranges match a recount, settled visits and visits in progress alike", async () => {
    const open = await t.runInStats((ctx) => ctx.db.query("visitFolds").collect());
    const blocks = await t.runInStats((ctx) => ctx.db.query("visitBlocks").collect());
    expect(open.length, "visits still in progress").toBeGreaterThan(0);
    expect(blocks.length, "settled visits in blocks").toBeGreaterThan(0);
    const next = random(7);
    let answered = 0;
    for (let i = 0; i < 40; i++) {
      const filters = randomFilters(next);
      const from = minuteOf(T0 + Math.floor(next() * DAYS * DAY));
      const to = i % 4 === 0 ? minuteOf(END) + MINUTE : minuteOf(from + MINUTE + Math.floor(next() * 2 * DAY));
      const range = { from, to };
      const label = `${JSON.stringify(filters)} ${from}–${to}`;
      const expected = expectedFiltered(truth, range, filters);
      expect(await t.query(api.stats.summary, { ...range, filters }), `summary ${label}`).toEqual(expected);
      if (expected.visits > 0) answered++;
      const interval = to - from > DAY ? "day" : "hour";
      expect(await t.query(api.stats.timeseries, { ...range, filters, interval, timeZone: "Asia/Kolkata" }), `series ${label}`).toEqual(
        expectedFilteredSeries(truth, range, interval, "Asia/Kolkata", filters),
      );
      const property = BREAKDOWN_PROPERTIES[i % BREAKDOWN_PROPERTIES.length];
      const rows = (await t.query(api.stats.breakdown, { ...range, filters, property, limit: 100 })).map(({ title: _title, ...row }) => row);
      expect(rows, `breakdown ${property} ${label}`).toEqual(expectedFilteredBreakdown(truth, property, range, filters).slice(0, 100));
    }
    // Most questions match something: the recount is not of empty answers.
    expect(answered).toBeGreaterThan(20);
  });

  test("a dashboard's question under filters scans once and answers as the single queries do; its history is answered whole (null)", async () => {
    const filters: OpFilter[] = [
      { property: "source", op: "isNot", value: "Direct / None" },
      { property: "page", op: "contains", value: "POST" },
    ];
    const range = { from: T0, to: minuteOf(END) + MINUTE };
    const question = { ...range, filters, interval: "day", breakdowns: [{ property: "page" }, { property: "browser" }] };
    const { range: answer } = await t.query(api.stats.dashboardStats, { range: question });
    if (answer === null || "error" in answer) throw new Error("expected figures");
    expect(answer.summary).toEqual(await t.query(api.stats.summary, { ...range, filters }));
    expect(answer.series).toEqual(await t.query(api.stats.timeseries, { ...range, filters, interval: "day" }));
    expect(answer.breakdowns[1]).toEqual({ rows: await t.query(api.stats.breakdown, { ...range, filters, property: "browser" }) });
    expect(await t.query(api.stats.dashboardHistory, { range: question, before: T0 + DAY })).toBeNull();
  });

  test("the older `filter` is one `is`; a page's `is` and `is not` take any spelling of its path", async () => {
    const range = { from: T0, to: T0 + 2 * DAY };
    const google = { property: "source", value: "Google" };
    expect(await t.query(api.stats.summary, { ...range, filters: [{ ...google, op: "is" }] })).toEqual(await t.query(api.stats.summary, { ...range, filter: google }));
    const spelled = await t.query(api.stats.breakdown, { ...range, property: "browser", filters: [{ property: "page", op: "isNot", value: "/post-1/" }] });
    expect(spelled).toEqual(await t.query(api.stats.breakdown, { ...range, property: "browser", filters: [{ property: "page", op: "isNot", value: "/post-1" }] }));
  });

  test("bad filters are refused with their field", async () => {
    const range = { from: T0, to: T0 + DAY };
    const refusal = async (args: object) => ((await t.query(api.stats.summary, { ...range, ...args }).catch((error: unknown) => error)) as ConvexError<{ field: string }>).data;
    const is = (value: string) => ({ property: "source", op: "is", value });
    expect(await refusal({ filters: [is("a"), is("b"), is("c"), is("d")] })).toMatchObject({ code: "INVALID_ARGUMENT", field: "filters" });
    expect(await refusal({ filters: [{ property: "source", op: "startsWith", value: "G" }] })).toMatchObject({ code: "INVALID_ARGUMENT", field: "filters[0].op" });
    expect(await refusal({ filters: [is("a"), { property: "colour", op: "is", value: "red" }] })).toMatchObject({ code: "INVALID_ARGUMENT", field: "filters[1].property" });
    expect(await refusal({ filters: [{ property: "source", op: "contains", value: "" }] })).toMatchObject({ code: "INVALID_ARGUMENT", field: "filters[0].value" });
    expect(await refusal({ filters: [is("a")], filter: { property: "source", value: "b" } })).toMatchObject({ code: "INVALID_ARGUMENT", field: "filter" });
  });

  test("the backfill rebuilds the blocks: every filtered figure the same after it", async () => {
    const filters: OpFilter[] = [{ property: "device", op: "isNot", value: "Desktop" }];
    const range = { from: T0, to: minuteOf(END) + MINUTE };
    const before = [await t.query(api.stats.summary, { ...range, filters }), await t.query(api.stats.breakdown, { ...range, filters, property: "source" })];
    await startBackfill(t);
    await settle(t, 30 * MINUTE);
    expect([await t.query(api.stats.summary, { ...range, filters }), await t.query(api.stats.breakdown, { ...range, filters, property: "source" })]).toEqual(before);
    expect(before[0]).toEqual(expectedFiltered(truth, range, filters));
  }, 120_000);
});

describe("visits in progress under filters", () => {
  test("a visit shows within a minute (the snapshot's cadence), and counts once while it moves from the snapshot into a block", async () => {
    const tc = createTestConvex();
    const start = T0 + 20 * DAY;
    advanceTo(start);
    await tc.mutation(api.stats.recordPageView, { path: "/a", pageType: "post", sessionId: sessionId(1), visit: { userAgent: USER_AGENTS[0] } });
    await settle(tc);
    const range = { from: start - HOUR, to: start + 2 * HOUR };
    const filters = [{ property: "page", op: "contains", value: "/" }];
    const visitsNow = async () => (await tc.query(api.stats.summary, { ...range, filters })).visits;
    const counts = [await visitsNow()];
    advanceTo(start + 10_000);
    await tc.mutation(api.stats.recordPageView, { path: "/b", pageType: "post", sessionId: sessionId(2), visit: { userAgent: USER_AGENTS[0] } });
    await settle(tc);
    // The second visit waits for the next snapshot: the first is counted as published.
    counts.push(await visitsNow());
    advanceTo(Date.now() + FILTER_SNAPSHOT_MS);
    await settle(tc);
    counts.push(await visitsNow());
    // Both end; settling packs them into a block and publishes an empty snapshot in the same commit.
    advanceTo(Date.now() + VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS + FILTER_SNAPSHOT_MS);
    await runCleanup(tc);
    counts.push(await visitsNow());
    expect(counts).toEqual([1, 1, 2, 2]);
    const packed = await tc.runInStats(async (ctx) => [(await ctx.db.query("visitBlocks").collect()).find((doc) => doc.group === "core")?.visits, (await ctx.db.query("openVisitBlocks").collect()).find((doc) => doc.group === "core")?.visits]);
    expect(packed).toEqual([2, 0]);
  });
});

describe("how far a scan goes", () => {
  test("past the scan's bytes a range is refused with the earliest start it can answer; from there it answers", async () => {
    const tc = createTestConvex();
    advanceTo(T0 + 10 * DAY);
    // Blocks as large as a busy site's: each day's core documents a third of what one call may scan.
    const third = Math.ceil(FILTER_SCAN_MAX_BYTES / 3);
    await tc.runInStats(async (ctx) => {
      for (let day = 0; day < 5; day++) {
        for (const group of ["core", "device"] as const) {
          const data = group === "core" ? String.fromCharCode(0x21, 0x21, 0x22, 0x21 + day) : String.fromCharCode(0x22, 0x21, 0x21, 0x21, 0x21, 0x21);
          await ctx.db.insert("visitBlocks", { day: T0 + day * DAY, part: 0, group, visits: 1, values: JSON.stringify(["Firefox"]), data, bytes: group === "core" ? third : 100 });
        }
      }
    });
    const filters = [{ property: "browser", op: "isNot", value: "Chrome" }];
    const error = await tc.query(api.stats.summary, { from: T0, to: T0 + 5 * DAY, filters }).catch((e: unknown) => e);
    expect((error as ConvexError<{ code: string }>).data).toEqual({ code: "FILTER_TOO_BROAD", field: "filters", availableFrom: T0 + 3 * DAY, message: expect.stringContaining("from ") });
    expect(await tc.query(api.stats.summary, { from: T0 + 3 * DAY, to: T0 + 5 * DAY, filters })).toMatchObject({ visits: 2, visitors: 2, pageviews: 2 });
  });

  test("a site settled before blocks began answers filtered ranges from then on, and names when", async () => {
    const tc = createTestConvex();
    await tc.runInStats((ctx) => ctx.db.insert("visitSettlement", { lastActivity: T0 + HOUR + 30_000, creationTime: 0 }));
    const filters = VISIT_PROPERTIES.slice(0, 2).map((property) => ({ property, op: "contains", value: "/" }));
    const error = await tc.query(api.stats.summary, { from: T0, to: T0 + DAY, filters }).catch((e: unknown) => e);
    expect((error as ConvexError<{ code: string }>).data).toMatchObject({ code: "RANGE_TOO_EARLY", field: "from", availableFrom: T0 + HOUR + MINUTE });
    expect(await tc.query(api.stats.summary, { from: T0 + HOUR + MINUTE, to: T0 + DAY, filters })).toMatchObject({ visits: 0 });
  });
});
