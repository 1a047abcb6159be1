import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { strFromU8, unzipSync } from "fflate";
import { api, internal } from "../../convex/_generated/api";
import { BREAKDOWN_PROPERTIES } from "../../src/shared/config";
import { saveContent } from "../../convex/model/content";
import { MINUTE, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { csvRecords, parseCsv } from "../support/csvParse";
import { sessionId } from "../support/seed";
import { settle } from "../support/worker";

const HOUR = 60 * MINUTE;
// Monday 2024-01-01, 10:00 UTC: the views below are on that day and the one after.
const NOW = T0 + 10 * HOUR;
useFakeClock(NOW);
let t: TestConvex;
beforeEach(() => {
  t = createTestConvex();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0";
const FORMULA = '=HYPERLINK("http://evil.example","click")';
const CAMPAIGN = 'Spring, "big" sale';
const TITLE = 'Commas, "quotes" and ünïcode';

/** Visits with awkward values: a formula, commas and quotes, non-ASCII, in UTM values, a referrer and a title. */
async function seedAwkwardVisits() {
  await t.run(async (ctx) => {
    await saveContent(ctx, "posts", { slug: "café", title: TITLE, published: true, date: "2024-01-01" });
  });
  const view = (visitor: number, path: string, visit: Record<string, string>) =>
    t.mutation(api.stats.recordPageView, { path, pageType: "post", sessionId: sessionId(visitor), visit: { ...visit, userAgent: FIREFOX } });
  await view(1, "/café", { utmSource: FORMULA, utmCampaign: CAMPAIGN });
  await view(2, "/a", { utmSource: "東京ニュース", referrer: "https://example.com/x,y" });
  await view(3, "/a", { utmSource: "東京ニュース" });
  vi.advanceTimersByTime(20 * HOUR);
  await view(4, "/b", {});
  await settle(t);
}

async function get(query: string, headers: Record<string, string> = {}) {
  return await t.fetch(`/api/export?${query}`, { method: "GET", headers });
}

async function csvOf(query: string, headers: Record<string, string> = {}) {
  const response = await get(query, headers);
  expect(response.status, await response.clone().text()).toBe(200);
  return await response.text();
}

const DAYS = "from=2024-01-01&to=2024-01-02";

describe("GET /api/export", () => {
  test("a breakdown as CSV: UTF-8 with a BOM, quoted where it must be, formulas defused, non-ASCII whole", async () => {
    await seedAwkwardVisits();
    const response = await get(`property=utmSource&${DAYS}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toBe('attachment; filename="stats-utmSource-2024-01-01-to-2024-01-02.csv"');
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    expect(parseCsv(text)[0]).toEqual(["utm_source", "visitors", "visits", "pageviews", "bounce_rate", "visit_duration"]);
    expect(csvRecords(text)).toEqual([
      { utm_source: "東京ニュース", visitors: "2", visits: "2", pageviews: "2", bounce_rate: "100", visit_duration: "0" },
      { utm_source: `'${FORMULA}`, visitors: "1", visits: "1", pageviews: "1", bounce_rate: "100", visit_duration: "0" },
    ]);
    expect(csvRecords(await csvOf(`property=utmCampaign&${DAYS}`))).toMatchObject([{ utm_campaign: CAMPAIGN }]);
    expect(csvRecords(await csvOf(`property=referrer&${DAYS}`))).toMatchObject([{ referrer: "example.com/x,y" }]);
  });

  test("pages with their titles, every row up to the most a breakdown returns (past the dashboard's 10)", async () => {
    await seedAwkwardVisits();
    for (let i = 0; i < 12; i++) await t.mutation(api.stats.recordPageView, { path: `/p${i}`, pageType: "post", sessionId: sessionId(100 + i) });
    await settle(t);
    const pages = csvRecords(await csvOf(`property=page&${DAYS}`));
    expect(pages).toHaveLength(15);
    expect(pages[0]).toEqual({ page: "/a", title: "/a", visitors: "2", pageviews: "2" });
    // Sent as "/café", counted as a browser spells it; the blog's titles decode it to find the post.
    expect(pages.find((row) => row.page === "/caf%C3%A9")).toEqual({ page: "/caf%C3%A9", title: TITLE, visitors: "1", pageviews: "1" });
  });

  test("paths with commas, quotes and non-ASCII characters come through a CSV parser as the dashboard's rows have them", async () => {
    // Sent → counted: quotes and non-ASCII percent-encoded as a browser sends them (canonicalPath), commas as they are.
    const paths = {
      '/sale,"half"-price': "/sale,%22half%22-price",
      "/naïve/日本語": "/na%C3%AFve/%E6%97%A5%E6%9C%AC%E8%AA%9E",
      "/a,b,,c": "/a,b,,c",
      '/"quoted"': "/%22quoted%22",
      "/a,%2c,c": "/a,%2C,c",
      "/=1+1": "/=1+1",
    };
    for (const [i, path] of Object.keys(paths).entries()) await t.mutation(api.stats.recordPageView, { path, pageType: "post", sessionId: sessionId(200 + i) });
    await settle(t);
    const pages = csvRecords(await csvOf(`property=page&${DAYS}`)).map((row) => row.page);
    // A path starts with "/", so even "/=1+1" is no formula and keeps its exact text.
    expect(pages.sort()).toEqual(Object.values(paths).sort());
  });

  test("the time series by day, each date ISO in the site's zone", async () => {
    vi.stubEnv("STATS_TIME_ZONE", "Europe/Berlin");
    await seedAwkwardVisits();
    const text = await csvOf(`property=timeseries&${DAYS}&interval=day`);
    expect(parseCsv(text)[0]).toEqual(["date", "visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"]);
    expect(csvRecords(text)).toEqual([
      { date: "2024-01-01T00:00:00+01:00", visitors: "3", views_per_visit: "1", visits: "3", pageviews: "3", bounce_rate: "100", visit_duration: "0" },
      { date: "2024-01-02T00:00:00+01:00", visitors: "1", views_per_visit: "1", visits: "1", pageviews: "1", bounce_rate: "100", visit_duration: "0" },
    ]);
    // Without an interval, the one the dashboard's chart starts with: hours for two days.
    const hours = csvRecords(await csvOf(`property=timeseries&${DAYS}`));
    expect(hours).toHaveLength(48);
    expect(hours[11]).toMatchObject({ date: "2024-01-01T11:00:00+01:00", pageviews: "3" });
  });

  test("ranges: dates, milliseconds, a named period, and 30 days by default", async () => {
    await seedAwkwardVisits();
    const byDates = await csvOf(`property=source&${DAYS}`);
    expect(await csvOf(`property=source&from=${T0}&to=${T0 + 2 * 24 * HOUR}`)).toBe(byDates);
    // The views moved the clock to January 2.
    const today = csvRecords(await csvOf("property=source&period=today"));
    expect(today).toEqual(csvRecords(await csvOf("property=source&from=2024-01-02&to=2024-01-02")));
    expect(today).toMatchObject([{ source: "Direct / None", visits: "1" }]);
    const response = await get("property=source");
    expect(response.headers.get("Content-Disposition")).toContain("stats-source-2023-12-04-to-2024-01-02.csv");
  });

  test("a filter narrows every row to what matches it", async () => {
    await seedAwkwardVisits();
    expect(csvRecords(await csvOf(`property=page&${DAYS}&filter=${encodeURIComponent("utmSource:東京ニュース")}`))).toEqual([
      { page: "/a", title: "/a", visitors: "2", pageviews: "2" },
    ]);
  });

  test("custom events, goals and funnels: each name's visitors, events, conversion rate and revenue, each funnel's steps; under filters too", async () => {
    await seedAwkwardVisits();
    await t.mutation(api.stats.trackEvent, { sessionId: sessionId(2), name: "Signup", path: "/a", revenue: { amount: "29.50", currency: "USD" } });
    await t.mutation(internal.stats.createGoal, { name: "Sign-ups", event: "Signup" });
    await t.mutation(internal.stats.createGoal, { name: "Saw a", page: "/a" });
    await t.mutation(internal.stats.createFunnel, { name: "Sign up on a", steps: ["Saw a", "Sign-ups"] });
    await settle(t);
    const signup = { visitors: "1", events: "1", conversion_rate: "25", revenue: "29.5", average_revenue: "29.5" };
    expect(csvRecords(await csvOf(`property=event&${DAYS}`))).toEqual([{ event: "Signup", ...signup }]);
    const goals = csvRecords(await csvOf(`property=goal&${DAYS}`));
    expect(goals).toContainEqual({ goal: "Sign-ups", ...signup });
    expect(goals.map(({ goal }) => goal).sort()).toEqual(["Saw a", "Sign-ups"]);
    const funnel = csvRecords(await csvOf(`property=funnels&${DAYS}`));
    expect(funnel.map(({ funnel: name, step, goal }) => [name, step, goal])).toEqual([
      ["Sign up on a", "1", "Saw a"],
      ["Sign up on a", "2", "Sign-ups"],
    ]);
    expect(Number(funnel[1].visits)).toBeLessThanOrEqual(Number(funnel[0].visits));
    // Under a filter: the events of the visits it matches; the ZIP has them all, and leaves out funnels only under a goal filter.
    const filtered = unzipSync(new Uint8Array(await (await get(`property=all&${DAYS}&filter=source:Google`)).arrayBuffer()));
    expect(Object.keys(filtered)).toEqual(expect.arrayContaining(["event.csv", "goal.csv", "funnels.csv"]));
    const byGoal = unzipSync(new Uint8Array(await (await get(`property=all&${DAYS}&filter=${encodeURIComponent("goal:Sign-ups")}`)).arrayBuffer()));
    expect(Object.keys(byGoal)).not.toContain("funnels.csv");
    expect(csvRecords(strFromU8(byGoal["timeseries.csv"])).length).toBeGreaterThan(0);
  });

  test("filters combine: repeated, each `is` (:), `is not` (!:) or `contains` (~:)", async () => {
    await seedAwkwardVisits();
    const filters = ["page!:/b", "referrer~:EXAMPLE"].map((text) => `filter=${encodeURIComponent(text)}`).join("&");
    expect(csvRecords(await csvOf(`property=utmSource&${DAYS}&${filters}`))).toEqual([
      { utm_source: "東京ニュース", visitors: "1", visits: "1", pageviews: "1", bounce_rate: "100", visit_duration: "0" },
    ]);
  });

  test("property=all: a ZIP of the time series and every breakdown, each the file its own URL gives", async () => {
    await seedAwkwardVisits();
    const response = await get(`property=all&${DAYS}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/zip");
    expect(response.headers.get("Content-Disposition")).toBe('attachment; filename="stats-all-2024-01-01-to-2024-01-02.zip"');
    const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(["timeseries", ...BREAKDOWN_PROPERTIES, "event", "goal", "funnels"].map((name) => `${name}.csv`).sort());
    for (const name of ["timeseries", "utmSource", "page"]) {
      expect(strFromU8(files[`${name}.csv`]), name).toBe(await csvOf(`property=${name}&${DAYS}`));
    }
  });

  test("a bad request is a 400 naming the field", async () => {
    const refusal = async (query: string) => {
      const response = await get(query);
      return { status: response.status, body: await response.json() };
    };
    expect(await refusal(DAYS)).toMatchObject({ status: 400, body: { field: "property" } });
    expect(await refusal(`property=visitors&${DAYS}`)).toMatchObject({ status: 400, body: { field: "property" } });
    expect(await refusal("property=page&from=2024-01-01")).toMatchObject({ status: 400, body: { field: "to" } });
    expect(await refusal("property=page&from=2024-02-30&to=2024-03-01")).toMatchObject({ status: 400, body: { field: "from" } });
    expect(await refusal(`property=page&from=${T0 + 1}&to=${T0 + HOUR}`)).toMatchObject({ status: 400, body: { field: "from" } });
    expect(await refusal("property=page&period=all")).toMatchObject({ status: 400, body: { field: "period" } });
    expect(await refusal(`property=page&${DAYS}&filter=nocolon`)).toMatchObject({ status: 400, body: { field: "filter" } });
    expect(await refusal(`property=page&${DAYS}&filter=colour:red`)).toMatchObject({ status: 400, body: { field: "filter", error: expect.stringContaining("property must be goal, event, prop:<key> or one of") } });
    expect(await refusal(`property=page&${DAYS}&filter=source~:`)).toMatchObject({ status: 400, body: { field: "filter" } });
    expect(await refusal(`property=timeseries&${DAYS}&interval=fortnight`)).toMatchObject({ status: 400, body: { field: "interval" } });
    // Beyond the range of a Date: a 400, not the RangeError of writing it as a date.
    expect(await refusal("property=page&from=99999999999999999999&to=199999999999999999999")).toMatchObject({ status: 400, body: { field: "from" } });
    expect(await refusal(`property=timeseries&from=${T0}&to=99999999999999999999`)).toMatchObject({ status: 400, body: { field: "to" } });
  });
});

describe("GET /api/export of a private dashboard", () => {
  const OWNER_READ_TOKEN = "owner-read-token-of-128-bits";
  beforeEach(() => {
    vi.stubEnv("STATS_VISIBILITY", "private");
    vi.stubEnv("STATS_READ_TOKEN", OWNER_READ_TOKEN);
  });

  test("refuses 401 without a token or with a wrong one", async () => {
    for (const headers of [{}, { Authorization: "Bearer wrong" }, { Authorization: "Basic b3duZXI6eA==" }] as Record<string, string>[]) {
      const response = await get(`property=page&${DAYS}`, headers);
      expect(response.status).toBe(401);
      expect(response.headers.get("WWW-Authenticate")).toBe("Bearer");
      expect(await response.json()).toMatchObject({ field: "Authorization" });
    }
    expect((await get(`property=page&${DAYS}&token=wrong`)).status).toBe(401);
  });

  test("answers with STATS_READ_TOKEN as a bearer token, or a share link's token, until it is revoked", async () => {
    await seedAwkwardVisits();
    expect(csvRecords(await csvOf(`property=page&${DAYS}`, { Authorization: `Bearer ${OWNER_READ_TOKEN}` }))).toHaveLength(3);
    const link = await t.action(internal.stats.createShareLink, { label: "team" });
    expect(csvRecords(await csvOf(`property=page&${DAYS}&token=${link.token}`))).toHaveLength(3);
    expect(csvRecords(await csvOf(`property=page&${DAYS}`, { Authorization: `Bearer ${link.token}` }))).toHaveLength(3);
    await t.mutation(internal.stats.revokeShareLink, { id: link.id });
    expect((await get(`property=page&${DAYS}&token=${link.token}`)).status).toBe(401);
  });
});
