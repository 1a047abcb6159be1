import { describe, expect, test } from "vitest";
import { StatsQueryError, formatStatsAnswer, parseStatsQuery, type StatsSite } from "../../src/client/http/statsQuery";
import { DAY, HOUR, T0 } from "../support/clock";
import { ACCEPTED, DOCUMENTED, REFUSED, SITE_ID } from "../support/plausibleQueries";
import { PLAUSIBLE_QUERY_SCHEMA, plausibleQueryCheck } from "../support/plausibleQuerySchema";

/**
 * Plausible's Stats API v2 requests as questions to our Stats API (src/client/http/statsQuery.ts): what is accepted
 * and how it is resolved, what is refused and in which words, and how our figures are written back.
 */

const SITE: StatsSite = { timeZone: "UTC", now: T0 + 10 * HOUR, trackingSince: T0 - 20 * DAY };
const parse = (query: unknown, site = SITE) => parseStatsQuery(query, site);
const refusal = (query: unknown) => {
  try {
    parse(query);
  } catch (error) {
    if (error instanceof StatsQueryError) return error.message;
    throw error;
  }
  return null;
};

describe("parsing Plausible's queries", () => {
  test("the documented examples we answer parse; those we refuse are refused naming why", () => {
    for (const [name, { answered, query }] of Object.entries(DOCUMENTED)) {
      if (answered === true) expect(refusal(query), name).toBeNull();
      else expect(refusal(query), name).toContain(answered);
    }
  });

  test("each accepted query in the docs' style parses", () => {
    for (const [name, query] of Object.entries(ACCEPTED)) expect(refusal(query), name).toBeNull();
  });

  test("each refused query is refused in the words that name it", () => {
    for (const { query, error } of REFUSED) expect(refusal(query), JSON.stringify(query)).toContain(error);
  });

  test("date ranges resolve in the site's zone as Plausible resolves them, both dates included", () => {
    const zoned = { ...SITE, timeZone: "Europe/Berlin" };
    const range = (date_range: unknown, site = SITE) => parse({ site_id: SITE_ID, metrics: ["visitors"], date_range }, site).range;
    expect(range("day")).toEqual({ from: T0, to: T0 + DAY });
    expect(range("7d")).toEqual({ from: T0 - 6 * DAY, to: T0 + DAY });
    expect(range("28d")).toEqual({ from: T0 - 27 * DAY, to: T0 + DAY });
    expect(range("30d")).toEqual({ from: T0 - 30 * DAY, to: T0 + DAY });
    expect(range("month")).toEqual({ from: T0, to: Date.UTC(2024, 1, 1) });
    expect(range("6mo")).toEqual({ from: Date.UTC(2023, 7, 1), to: Date.UTC(2024, 1, 1) });
    expect(range("12mo")).toEqual({ from: Date.UTC(2023, 1, 1), to: Date.UTC(2024, 1, 1) });
    expect(range("year")).toEqual({ from: T0, to: Date.UTC(2025, 0, 1) });
    expect(range("all")).toEqual({ from: T0 - 20 * DAY, to: T0 + DAY });
    expect(range(["2023-12-01", "2023-12-31"])).toEqual({ from: Date.UTC(2023, 11, 1), to: T0 });
    expect(range(["2023-12-01", "2023-12-31"], zoned)).toEqual({ from: Date.UTC(2023, 11, 1) - HOUR, to: T0 - HOUR });
    expect(range(["2024-01-01T00:00:00+03:00", "2024-01-01T11:59:59+03:00"])).toEqual({ from: T0 - 3 * HOUR, to: T0 + 9 * HOUR });
    expect(parse({ site_id: SITE_ID, metrics: ["visitors"], date_range: "7d" }, zoned).resolved.date_range).toEqual(["2023-12-26T00:00:00+01:00", "2024-01-01T23:59:59+01:00"]);
  });

  test("dimensions become one question; filters ours; order_by and pagination take Plausible's defaults", () => {
    expect(parse(ACCEPTED.figures).question).toEqual({ kind: "aggregate" });
    expect(parse(ACCEPTED.days).question).toEqual({ kind: "timeseries", interval: "day" });
    expect(parse(ACCEPTED.hours).question).toEqual({ kind: "timeseries", interval: "hour" });
    expect(parse(ACCEPTED.sources).question).toEqual({ kind: "breakdown", property: "source" });
    expect(parse(ACCEPTED.props).question).toEqual({ kind: "breakdown", property: "prop:plan" });
    expect(parse(ACCEPTED.isAndContains).filters).toEqual([
      { property: "source", op: "is", value: "Google" },
      { property: "page", op: "contains", value: "post" },
    ]);
    expect(parse(ACCEPTED.isNot).filters).toEqual([{ property: "page", op: "isNot", value: "/" }]);
    expect(parse(ACCEPTED.days).orderBy).toEqual([["time:day", "asc"], ["visitors", "desc"]]);
    expect(parse(ACCEPTED.sources).orderBy).toEqual([["visitors", "desc"]]);
    expect(parse(ACCEPTED.sources)).toMatchObject({ limit: 10_000, offset: 0 });
    // A case rule we do not have answers the same for a value without letters.
    expect(refusal({ site_id: SITE_ID, metrics: ["visitors"], date_range: "7d", filters: [["contains", "event:page", ["/2024/"]]] })).toBeNull();
    // `events` without an event filter adds custom events to a summary's page views.
    expect(parse(DOCUMENTED.aggregate.query).addsCustomEvents).toBe(true);
    expect(parse(ACCEPTED.goal).addsCustomEvents).toBe(false);
  });
});

describe("writing our figures as Plausible's", () => {
  test("rates in %, durations in seconds, empty buckets left out but labelled, rows ordered then paged", () => {
    const summary = formatStatsAnswer(parse(ACCEPTED.figures), [{ figures: { visitors: 3, visits: 4, pageviews: 9, viewsPerVisit: 2.25, bounceRate: 0.25, visitDurationMs: 61_600 } }]);
    expect(summary.results).toEqual([{ metrics: [3, 4, 9, 2.25, 25, 62], dimensions: [] }]);
    expect(summary.meta).toEqual({});
    const hours = parse(DOCUMENTED.timeLabels.query);
    const series = formatStatsAnswer(hours, [
      { start: T0, figures: { visitors: 0, pageviews: 0, visits: 0 } },
      { start: T0 + HOUR, figures: { visitors: 2, pageviews: 3, visits: 2 } },
    ]);
    expect(series.results).toEqual([{ metrics: [2], dimensions: ["2024-01-01 01:00:00"] }]);
    expect(series.meta.time_labels).toEqual(["2024-01-01 00:00:00", "2024-01-01 01:00:00"]);
    const rows = ["/a", "/b", "/c", "/d"].map((value, i) => ({ value, figures: { visitors: 1, pageviews: [5, 2, 2, 9][i] } }));
    const paged = formatStatsAnswer(parse(ACCEPTED.paged), rows);
    expect(paged.results).toEqual([
      { metrics: [1, 2], dimensions: ["/c"] },
      { metrics: [1, 5], dimensions: ["/a"] },
    ]);
    expect(paged.meta).toEqual({ total_rows: 4 });
    expect(paged.query).toMatchObject({ site_id: SITE_ID, order_by: [["pageviews", "asc"]], pagination: { limit: 2, offset: 1 } });
  });

  test("scroll depth: a whole %, a half to the even number as ClickHouse rounds; null for a page no visit reported one on, ordered last either way", () => {
    expect(parse(ACCEPTED.scrollByPage).question).toEqual({ kind: "breakdown", property: "page" });
    expect(parse(ACCEPTED.scrollOfPage).question).toEqual({ kind: "aggregate" });
    expect(parse(ACCEPTED.scrollByDay).question).toEqual({ kind: "timeseries", interval: "day" });
    const pages = [
      { value: "/a", figures: { visitors: 4, pageviews: 4, scrollDepth: 46.5 } },
      { value: "/b", figures: { visitors: 3, pageviews: 3 } },
      { value: "/c", figures: { visitors: 2, pageviews: 2, scrollDepth: 47.5 } },
      { value: "/d", figures: { visitors: 1, pageviews: 1, scrollDepth: 80.25 } },
    ];
    expect(formatStatsAnswer(parse(ACCEPTED.scrollByPage), pages).results).toEqual([
      { metrics: [4, 46], dimensions: ["/a"] },
      { metrics: [3, null], dimensions: ["/b"] },
      { metrics: [2, 48], dimensions: ["/c"] },
      { metrics: [1, 80], dimensions: ["/d"] },
    ]);
    const byDepth = (direction: "asc" | "desc") => formatStatsAnswer(parse({ ...ACCEPTED.scrollByPage, order_by: [["scroll_depth", direction]] }), pages).results.map(({ dimensions }) => dimensions[0]);
    expect(byDepth("desc")).toEqual(["/d", "/c", "/a", "/b"]);
    expect(byDepth("asc")).toEqual(["/a", "/c", "/d", "/b"]);
    expect(formatStatsAnswer(parse(ACCEPTED.scrollOfPage), [{ figures: { visitors: 2, pageviews: 5 } }]).results).toEqual([{ metrics: [5, null], dimensions: [] }]);
  });
});

describe("Plausible's JSON Schema as the contract", () => {
  const check = plausibleQueryCheck();
  test.skipIf(check === null)(`every request the tests send validates against ${PLAUSIBLE_QUERY_SCHEMA ?? "(PLAUSIBLE_QUERY_SCHEMA unset)"}`, () => {
    for (const [name, { query }] of Object.entries(DOCUMENTED)) expect(check!(query), name).toBeNull();
    for (const [name, query] of Object.entries(ACCEPTED)) expect(check!(query), name).toBeNull();
    // A refusal of ours that Plausible's schema takes is a difference (prds/compat.md); one it refuses too, a shared rule.
    for (const { query, plausible } of REFUSED) expect(check!(query) === null, JSON.stringify(query)).toBe(plausible);
  });
  test.runIf(check === null)("skipped: set PLAUSIBLE_QUERY_SCHEMA to a local copy of Plausible's priv/json-schemas/query-api-schema.json", () => {
    console.log("Plausible's query schema check skipped: PLAUSIBLE_QUERY_SCHEMA is not set");
  });
});
