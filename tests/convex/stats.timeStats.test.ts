import { beforeAll, describe, expect, test } from "vitest";
import { ConvexError } from "convex/values";
import { api } from "../../convex/_generated/api";
import { DAY, MINUTE, T0, minuteOf } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { pageTypeOf, pathName, random, sessionId, type ViewRow } from "../support/seed";
import { countRange, expectedSeries, expectedSummary, insertAndFoldViews, rankPages } from "../support/timeTruth";

/**
 * The Stats API against a brute-force recount of the raw rows: 12,000 views
 * over four months (across the US and EU daylight-saving changes) from 900
 * sessions that come back minutes to weeks apart, on 40 pages. Two thirds are
 * folded in time order, the rest afterwards in random order, as views that
 * reach the worker late (a backfill behind live rows, racing tabs) do.
 */
const t = createTestConvex();
const START = Date.UTC(2024, 1, 20);
const SPAN_DAYS = 120;
const VIEWS: ViewRow[] = [];
// The views are folded directly, with no visit rows: visit figures are checked in stats.visits.test.ts.
const TRUTH = { views: VIEWS, visits: [] };

function generate(): void {
  const next = random(7);
  for (let session = 0; VIEWS.length < 12_000; session = (session + 1) % 900) {
    let at = START + Math.floor(next() * SPAN_DAYS * DAY);
    for (let view = 0, views = 1 + Math.floor(next() * 5); view < views; view++) {
      const path = pathName(Math.floor(40 * next() ** 3));
      VIEWS.push({ path, pageType: pageTypeOf(path), sessionId: sessionId(session), timestamp: at });
      at += Math.floor(next() * 4 * MINUTE);
    }
  }
}

beforeAll(async () => {
  generate();
  const shuffle = random(3);
  const late = VIEWS.filter(() => shuffle() < 1 / 3);
  const lateSet = new Set(late);
  const inOrder = VIEWS.filter((view) => !lateSet.has(view)).sort((a, b) => a.timestamp - b.timestamp);
  late.sort(() => shuffle() - 0.5);
  await insertAndFoldViews(t, [...inOrder, ...late]);
}, 900_000);

const at = (text: string) => Date.parse(text);

describe("summary", () => {
  test("200 random whole-minute ranges, from a minute to four months, match a recount", async () => {
    const next = random(11);
    for (let i = 0; i < 200; i++) {
      const from = minuteOf(START - DAY + Math.floor(next() * (SPAN_DAYS + 2) * DAY));
      const to = minuteOf(from + MINUTE + Math.floor(next() ** 3 * SPAN_DAYS * DAY));
      const range = { from, to };
      expect(await t.query(api.stats.summary, range), JSON.stringify(range)).toEqual(expectedSummary(TRUTH, range));
    }
  }, 120_000);

  test("the whole table, and an empty stretch before it", async () => {
    const all = { from: START - DAY, to: START + (SPAN_DAYS + 1) * DAY };
    // No visit rows here (see TRUTH): the visit figures are zero.
    const noVisits = { visits: 0, viewsPerVisit: 0, bounceRate: 0, visitDurationMs: 0 };
    expect(await t.query(api.stats.summary, all)).toEqual({ ...all, pageviews: VIEWS.length, visitors: 900, ...noVisits });
    const before = { from: START - 30 * DAY, to: START };
    expect(await t.query(api.stats.summary, before)).toEqual({ ...before, pageviews: 0, visitors: 0, ...noVisits });
  });
});

describe("timeseries", () => {
  test.each([
    ["UTC", "day", "2024-03-01T00:00Z", "2024-05-01T00:00Z"],
    ["UTC", "hour", "2024-03-10T00:00Z", "2024-03-17T00:00Z"],
    ["UTC", "minute", "2024-03-12T10:00Z", "2024-03-12T18:00Z"],
    ["UTC", "week", "2024-02-26T00:00Z", "2024-06-17T00:00Z"],
    ["UTC", "month", "2024-02-01T00:00Z", "2024-07-01T00:00Z"],
    // Across the US spring-forward (March 10) with a 23-hour day.
    ["America/New_York", "day", "2024-03-01T05:00Z", "2024-03-20T04:00Z"],
    ["America/New_York", "hour", "2024-03-09T05:00Z", "2024-03-12T04:00Z"],
    ["Europe/Berlin", "week", "2024-03-04T00:00Z", "2024-04-29T00:00Z"],
    ["Asia/Kolkata", "day", "2024-03-01T00:00Z", "2024-04-01T00:00Z"],
    ["Asia/Kolkata", "hour", "2024-03-05T00:00Z", "2024-03-07T00:00Z"],
    ["Asia/Kathmandu", "day", "2024-04-01T00:00Z", "2024-04-20T00:00Z"],
    ["Australia/Adelaide", "month", "2024-02-15T00:00Z", "2024-06-15T00:00Z"],
    // Unaligned ends: the first and last buckets are clipped to the range.
    ["America/New_York", "day", "2024-03-08T13:37Z", "2024-03-15T02:11Z"],
  ] as const)("%s by %s from %s to %s matches a recount", async (timeZone, interval, fromText, toText) => {
    const range = { from: at(fromText), to: at(toText) };
    const series = await t.query(api.stats.timeseries, { ...range, interval, timeZone });
    expect(series).toEqual(expectedSeries(TRUTH, range, interval, timeZone));
    expect(series.reduce((sum, row) => sum + row.pageviews, 0)).toBe(countRange(VIEWS, range).pageviews);
  });

  test("the zone defaults to the site's (UTC)", async () => {
    const range = { from: at("2024-03-01T00:00Z"), to: at("2024-03-08T00:00Z") };
    expect(await t.query(api.stats.timeseries, { ...range, interval: "day" })).toEqual(expectedSeries(TRUTH, range, "day", "UTC"));
  });
});

describe("breakdown of pages", () => {
  test("top pages of 40 random ranges match a recount, every figure exact", async () => {
    const next = random(5);
    for (let i = 0; i < 40; i++) {
      const from = minuteOf(START + Math.floor(next() * SPAN_DAYS * DAY));
      const to = minuteOf(from + MINUTE + Math.floor(next() ** 2 * 40 * DAY));
      const limit = 1 + Math.floor(next() * 12);
      const rows = await t.query(api.stats.breakdown, { property: "page", from, to, limit });
      expect(rows.map(({ title: _title, ...row }) => row), JSON.stringify({ from, to, limit })).toEqual(rankPages(VIEWS, { from, to }).slice(0, limit));
    }
  }, 120_000);

  test("every page of four months, with the default limit of 10 and the most, 1,000", async () => {
    const range = { from: START, to: START + SPAN_DAYS * DAY };
    const ranked = rankPages(VIEWS, range);
    const strip = (rows: { title?: string }[]) => rows.map(({ title: _title, ...row }) => row);
    expect(strip(await t.query(api.stats.breakdown, { property: "page", ...range }))).toEqual(ranked.slice(0, 10));
    expect(strip(await t.query(api.stats.breakdown, { property: "page", ...range, limit: 1_000 }))).toEqual(ranked);
  });

  test("rows carry the page's title", async () => {
    const range = { from: START, to: START + SPAN_DAYS * DAY };
    const [home] = (await t.query(api.stats.breakdown, { property: "page", ...range, limit: 40 })).filter((row) => row.value === "/");
    expect(home.title).toBe("Home");
  });
});

describe("bad arguments get a clear ConvexError", () => {
  const from = at("2024-03-01T00:00Z");
  const rejects = async (call: Promise<unknown>, field: string, message: RegExp) => {
    const error = await call.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ field: string; message: string }>).data).toMatchObject({ code: "INVALID_ARGUMENT", field, message: expect.stringMatching(message) });
  };

  test.each([
    ["from >= to", { from, to: from }, "to", /after from/],
    ["reversed", { from, to: from - DAY }, "to", /after from/],
    ["not on a whole minute", { from: from + 1_000, to: from + DAY }, "from", /whole minute/],
    ["not finite", { from: Number.NaN, to: from }, "from", /finite/],
    ["infinite", { from, to: Number.POSITIVE_INFINITY }, "to", /finite/],
    ["longer than 10 years", { from, to: from + 3_700 * DAY }, "to", /10 years/],
  ])("%s", async (_name, range, field, message) => {
    await rejects(t.query(api.stats.summary, range), field, message);
    await rejects(t.query(api.stats.timeseries, { ...range, interval: "day" }), field, message);
    await rejects(t.query(api.stats.breakdown, { ...range, property: "page" }), field, message);
  });

  test("an unknown interval, a zone that is not one, too many buckets", async () => {
    const range = { from, to: from + 30 * DAY };
    await rejects(t.query(api.stats.timeseries, { ...range, interval: "fortnight" }), "interval", /one of minute, hour, day, week, month/);
    await rejects(t.query(api.stats.timeseries, { ...range, interval: "day", timeZone: "Mars/Olympus" }), "timeZone", /not a time zone/);
    await rejects(t.query(api.stats.timeseries, { ...range, interval: "minute" }), "interval", /more than 1,000 buckets/);
  });

  test("an unknown property, a limit out of bounds", async () => {
    const range = { from, to: from + DAY };
    await rejects(t.query(api.stats.breakdown, { ...range, property: "weather" }), "property", /one of page/);
    for (const limit of [0, -1, 1.5, 1_001, Number.NaN]) await rejects(t.query(api.stats.breakdown, { ...range, property: "page", limit }), "limit", /1 to 1,000/);
  });
});

test("the seed has what the checks rely on: returning visitors, months of views, pages of every size", () => {
  const sessions = new Map<string, number[]>();
  for (const view of VIEWS) sessions.set(view.sessionId, [...(sessions.get(view.sessionId) ?? []), view.timestamp]);
  const returning = [...sessions.values()].filter((times) => Math.max(...times) - Math.min(...times) > 7 * DAY).length;
  expect(returning).toBeGreaterThan(600);
  expect(new Set(VIEWS.map((view) => view.path)).size).toBe(40);
  expect(T0).toBeLessThan(START);
});

test("a session packs each page and minute it viewed on its row, and none more for the site: the site's minutes are all of those", async () => {
  const kept = await t.runInStats(async (ctx) => {
    const packed = (await ctx.db.query("visitScopes").collect()).flatMap(({ sessionId, packedMinutes }) =>
      (packedMinutes?.scopes ?? []).flatMap((scope, i) => packedMinutes!.minutes[i].map((minute) => `${sessionId} ${scope} ${minute}`)),
    );
    const rows = (await ctx.db.query("sessionMinutes").collect()).map(({ sessionId, scope, minute }) => `${sessionId} ${scope} ${minute}`);
    return [...packed, ...rows];
  });
  const pageMinutes = new Set(VIEWS.map((view) => `${view.sessionId} ${view.path} ${Math.floor(view.timestamp / MINUTE)}`));
  expect(kept.length).toBe(pageMinutes.size);
  expect(new Set(kept)).toEqual(pageMinutes);
});
