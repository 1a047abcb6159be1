import { describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { API_KEY_REQUESTS_PER_HOUR, WATCH_LEASE_MS } from "../../src/shared/config";
import { DAY, HOUR, MINUTE, T0, advanceTo, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { ACCEPTED, DOCUMENTED, SITE_ID } from "../support/plausibleQueries";
import { USER_AGENTS } from "../support/visitWorkload";
import { settle } from "../support/worker";
import { measureInStats } from "../support/metrics";
import { useApiKey } from "../../src/component/operate/apiKeys";

/**
 * Plausible's Stats API v2 through the HTTP route (`POST /api/v2/query`, prds/compat.md): its keys (made, listed,
 * stored hashed, revoked; 401 and 429), and Plausible's documented example queries, sent as written, answering the
 * same figures as our own Stats API (summary, timeseries, breakdown) on the same traffic. Every request sent here is
 * in tests/support/plausibleQueries.ts, which statsQuery.test.ts checks against Plausible's JSON Schema.
 */

useFakeClock(T0 - 3 * DAY);

type Answer = { results: { metrics: number[]; dimensions: string[] }[]; meta: Record<string, unknown>; query: Record<string, unknown> };
const ask = (t: TestConvex, query: unknown, key?: string) =>
  t.fetch("/api/v2/query", { method: "POST", headers: { "Content-Type": "application/json", ...(key === undefined ? {} : { Authorization: `Bearer ${key}` }) }, body: JSON.stringify(query) });
const answered = async (t: TestConvex, query: unknown, key: string): Promise<Answer> => {
  const response = await ask(t, query, key);
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body as Answer;
};
const newKey = async (t: TestConvex, label = "Reporting") => (await t.action(internal.stats.createApiKey, { label })).key;

/** A Plausible tracker's event from a visitor (its IP and user agent: Plausible's daily visitor). */
const send = (t: TestConvex, body: object, visitor: number) =>
  t
    .withRequestMetadata({ ip: `203.0.113.${visitor}`, userAgent: USER_AGENTS[visitor % USER_AGENTS.length] })
    .fetch("/api/event", { method: "POST", headers: { "Content-Type": "text/plain", "User-Agent": USER_AGENTS[visitor % USER_AGENTS.length] }, body: JSON.stringify({ d: SITE_ID, ...body }) });
const view = (t: TestConvex, visitor: number, path: string, referrer?: string) => send(t, { n: "pageview", u: `https://${SITE_ID}${path}`, ...(referrer ? { r: referrer } : {}) }, visitor);

/** Four days of traffic from Plausible's tracker: sources, pages, a goal's conversions with a property, another event. */
async function seedTraffic(t: TestConvex): Promise<void> {
  await t.mutation(internal.stats.createGoal, { name: "Signup", event: "Signup" });
  const days: [number, () => Promise<unknown>][] = [
    [T0 - 3 * DAY + HOUR, async () => {
      await view(t, 1, "/", "https://www.google.com/");
      await view(t, 1, "/blog/post-1");
      await send(t, { n: "Signup", u: `https://${SITE_ID}/blog/post-1`, p: { plan: "pro" } }, 1);
    }],
    [T0 - 2 * DAY + 5 * HOUR, async () => {
      await view(t, 2, "/pricing?utm_source=newsletter&utm_campaign=launch");
      await view(t, 3, "/Blog/Post-2", "https://www.google.com/");
      await send(t, { n: "Signup", u: `https://${SITE_ID}/Blog/Post-2`, p: { plan: "free" } }, 3);
    }],
    [T0 - DAY + 9 * HOUR, async () => {
      await view(t, 4, "/", "https://news.ycombinator.com/item?id=1");
      await view(t, 4, "/pricing");
      await view(t, 4, "/blog/post-1");
    }],
    [T0 + HOUR, async () => {
      await view(t, 1, "/");
      await view(t, 5, "/blog/post-1", "https://www.google.com/");
      await send(t, { n: "Download", u: `https://${SITE_ID}/blog/post-1`, p: { file: "a.pdf" } }, 5);
      await send(t, { n: "Signup", u: `https://${SITE_ID}/blog/post-1`, p: { plan: "pro" } }, 5);
    }],
    [T0 + 2 * HOUR + 30 * MINUTE, async () => {
      await view(t, 6, "/pricing", "https://news.ycombinator.com/");
    }],
  ];
  for (const [at, visits] of days) {
    advanceTo(at);
    await visits();
    advanceTo(at + 10 * MINUTE);
  }
  advanceTo(T0 + 10 * HOUR);
  await settle(t);
}

const SEVEN_DAYS = { from: T0 - 6 * DAY, to: T0 + DAY };
const percent = (share: number | undefined) => Math.round((share ?? NaN) * 10_000) / 100;
const bySortedValue = <T extends { value: string; visitors: number }>(rows: T[]) => [...rows].sort((a, b) => b.visitors - a.visitors || (a.value < b.value ? -1 : 1));
const hourLabel = (t: number) => `${new Date(t).toISOString().slice(0, 10)} ${new Date(t).toISOString().slice(11, 13)}:00:00`;

describe("Stats API keys", () => {
  test("a key is shown once, listed by its label, stored as its SHA-256; a revoked, wrong or missing key, or another site's, is a 401", async () => {
    const t = createTestConvex();
    const made = await t.action(internal.stats.createApiKey, { label: "  Reporting  " });
    expect(made).toMatchObject({ label: "Reporting" });
    expect(made.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await t.query(internal.stats.listApiKeys, {})).toEqual([{ id: made.id, label: "Reporting", createdAt: Date.now() }]);
    const stored = await t.runInStats((ctx) => ctx.db.query("apiKeys").collect());
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(made.key)));
    expect(stored.map(({ keyHash }) => keyHash)).toEqual([Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("")]);
    expect(JSON.stringify(stored)).not.toContain(made.key);
    await expect(t.action(internal.stats.createApiKey, { label: " " })).rejects.toThrow(/label must be 1 to/);

    expect((await ask(t, ACCEPTED.figures, made.key)).status).toBe(200);
    const missing = await ask(t, ACCEPTED.figures);
    expect([missing.status, await missing.json()]).toEqual([401, { error: "Missing API key. Please use a valid Plausible API key as a Bearer Token." }]);
    const wrong = await ask(t, ACCEPTED.figures, `${made.key.slice(0, -1)}x`);
    expect([wrong.status, (await wrong.json()).error]).toEqual([401, expect.stringContaining("Invalid API key or site ID")]);
    const unknownSite = await ask(t, { ...ACCEPTED.figures, site_id: "elsewhere.example" }, made.key);
    expect(unknownSite.status).toBe(401);
    // A site's keys open that site only: the blog's key, asking for the docs site (registered on the same router).
    expect((await ask(t, { ...ACCEPTED.figures, site_id: "docs.example.com" }, made.key)).status).toBe(401);

    expect(await t.mutation(internal.stats.revokeApiKey, { id: made.id })).toEqual({ revoked: true });
    expect(await t.mutation(internal.stats.revokeApiKey, { id: made.id })).toEqual({ revoked: false });
    expect((await ask(t, ACCEPTED.figures, made.key)).status).toBe(401);
  });

  test(`a key makes ${API_KEY_REQUESTS_PER_HOUR} requests an hour: past them a 429 with Retry-After, until its bucket refills`, async () => {
    const t = createTestConvex();
    const key = await newKey(t);
    expect((await ask(t, ACCEPTED.figures, key)).status).toBe(200);
    // Checking and counting a key reads its row by its hash and writes its bucket there (the patch reads the row again),
    // and reads the watch the first request took (a renewal within half a lease writes nothing).
    const { result, cost } = await measureInStats(t, (ctx) => useApiKey(ctx, key, Date.now()));
    expect(result).toEqual({ allowed: true });
    console.log(`useApiKey: ${JSON.stringify(cost)}`);
    expect(cost).toMatchObject({ documentsRead: 3, documentsWritten: 1, databaseQueries: 2 });
    // The bucket as the hour's other requests would leave it: empty now.
    await t.runInStats(async (ctx) => {
      const [row] = await ctx.db.query("apiKeys").collect();
      await ctx.db.patch(row._id, { requests: { value: 0, ts: Date.now() } });
    });
    const limited = await ask(t, ACCEPTED.figures, key);
    expect([limited.status, limited.headers.get("Retry-After"), (await limited.json()).error]).toEqual([429, "6", `Too many API requests. Your API key is limited to ${API_KEY_REQUESTS_PER_HOUR} requests per hour.`]);
    advanceTo(Date.now() + HOUR / API_KEY_REQUESTS_PER_HOUR);
    expect((await ask(t, ACCEPTED.figures, key)).status).toBe(200);
  });

  test("a client of the API watches as a dashboard does: the worker folds its next questions' views within seconds; a refused request watches nothing", async () => {
    const t = createTestConvex();
    const key = await newKey(t);
    const watchUntil = () => t.runInStats(async (ctx) => (await ctx.db.query("dashboardWatch").first())?.until ?? null);
    expect((await ask(t, ACCEPTED.figures, "not-a-key")).status).toBe(401);
    expect(await watchUntil()).toBeNull();
    expect((await ask(t, ACCEPTED.figures, key)).status).toBe(200);
    expect(await watchUntil()).toBe(Date.now() + WATCH_LEASE_MS);
  });

  test("a bad query is a 400 naming it, once the key is good; a body that is not JSON too", async () => {
    const t = createTestConvex();
    const key = await newKey(t);
    const refused = await ask(t, DOCUMENTED.utm.query, key);
    expect([refused.status, (await refused.json()).error]).toEqual([400, expect.stringContaining("Several dimensions")]);
    const notJson = await t.fetch("/api/v2/query", { method: "POST", headers: { Authorization: `Bearer ${key}` }, body: "{site_id" });
    expect(notJson.status).toBe(400);
  });
});

describe("Plausible's documented queries answer our Stats API's figures", () => {
  test("on four days of Plausible tracker traffic, each query as written answers what summary, timeseries and breakdown answer", async () => {
    const t = createTestConvex();
    await seedTraffic(t);
    const key = await newKey(t);
    const summary = (args: object) => t.query(api.stats.summary, { ...SEVEN_DAYS, ...args });
    const breakdown = (property: string, args: object = {}) => t.query(api.stats.breakdown, { ...SEVEN_DAYS, property, limit: 1000, ...args });

    // visitors and events (page views and custom events) for 7d.
    const week = await summary({});
    expect(week.visitors).toBe(7);
    const customEvents = (await breakdown("event")).reduce((sum, row) => sum + (row.events ?? 0), 0);
    expect(customEvents).toBe(4);
    expect((await answered(t, DOCUMENTED.aggregate.query, key)).results).toEqual([{ metrics: [week.visitors, week.pageviews + customEvents], dimensions: [] }]);
    expect((await answered(t, DOCUMENTED.aggregate.query, key)).query).toMatchObject({ date_range: ["2023-12-26T00:00:00+00:00", "2024-01-01T23:59:59+00:00"], order_by: [["visitors", "desc"]] });

    // Every figure of a summary.
    expect((await answered(t, ACCEPTED.figures, key)).results).toEqual([
      { metrics: [week.visitors, week.visits, week.pageviews, Math.round(week.viewsPerVisit * 100) / 100, Math.round(week.bounceRate * 100), Math.round(week.visitDurationMs / 1000)], dimensions: [] },
    ]);

    // Ranges with no traffic: zeros, as the summary says.
    for (const [query, from, to] of [
      [DOCUMENTED.firstRequest.query, Date.UTC(2024, 5, 1), Date.UTC(2024, 6, 2)],
      [DOCUMENTED.customDateRange.query, Date.UTC(2024, 7, 1), Date.UTC(2024, 7, 16)],
    ] as const) {
      const ours = await t.query(api.stats.summary, { from, to });
      expect((await answered(t, query, key)).results[0].metrics[0]).toBe(ours.visitors);
    }

    // Today by the hour, with every hour's label: only hours with visitors in `results`.
    const today = await t.query(api.stats.timeseries, { from: T0, to: T0 + DAY, interval: "hour" });
    const hours = await answered(t, DOCUMENTED.timeLabels.query, key);
    expect(hours.results).toEqual(today.filter((row) => row.visitors > 0).map((row) => ({ metrics: [row.visitors], dimensions: [hourLabel(row.start)] })));
    expect(hours.results.length).toBe(2);
    expect(hours.meta.time_labels).toEqual(today.map((row) => hourLabel(row.start)));

    // Case-insensitive contains on the page.
    const blog = await summary({ filters: [{ property: "page", op: "contains", value: "blog" }] });
    expect(blog.visitors).toBe(4);
    expect((await answered(t, DOCUMENTED.caseInsensitive.query, key)).results).toEqual([{ metrics: [blog.visitors], dimensions: [] }]);

    // A breakdown by source, ordered by visitors as Plausible orders it.
    const sources = bySortedValue(await breakdown("source"));
    expect(sources.map(({ value }) => value)).toEqual(["Google", "Hacker News", "Direct / None", "Newsletter"]);
    expect((await answered(t, ACCEPTED.sources, key)).results).toEqual(
      sources.map((row) => ({ metrics: [row.visitors, row.visits, row.pageviews, Math.round(row.bounceRate! * 100), Math.round(row.visitDurationMs! / 1000)], dimensions: [row.value] })),
    );

    // Days: the series' days with traffic, labelled by date.
    const days = await t.query(api.stats.timeseries, { ...SEVEN_DAYS, interval: "day" });
    const daily = await answered(t, ACCEPTED.days, key);
    expect(daily.results).toEqual(
      days.filter((row) => row.visitors > 0).map((row) => ({ metrics: [row.visitors, row.pageviews, row.visits, Math.round(row.bounceRate * 100)], dimensions: [new Date(row.start).toISOString().slice(0, 10)] })),
    );
    expect(daily.results.map(({ dimensions }) => dimensions[0])).toEqual(["2023-12-29", "2023-12-30", "2023-12-31", "2024-01-01"]);
    expect((await answered(t, ACCEPTED.daysLabelled, key)).meta.time_labels).toHaveLength(7);

    // A goal: its converted visitors, conversions and conversion rate (in %).
    const signup = await summary({ filters: [{ property: "goal", op: "is", value: "Signup" }] });
    expect([signup.visitors, signup.events]).toEqual([3, 3]);
    expect((await answered(t, ACCEPTED.goal, key)).results).toEqual([{ metrics: [signup.visitors, signup.events!, percent(signup.conversionRate)], dimensions: [] }]);
    const goals = await breakdown("goal");
    expect((await answered(t, ACCEPTED.goals, key)).results).toEqual(goals.map((row) => ({ metrics: [row.visitors, row.events!, percent(row.conversionRate)], dimensions: [row.value] })));

    // A goal's property.
    const plans = bySortedValue(await breakdown("prop:plan", { filters: [{ property: "goal", op: "is", value: "Signup" }] }));
    expect(plans.map(({ value, visitors }) => [value, visitors])).toEqual([["pro", 2], ["free", 1]]);
    expect((await answered(t, ACCEPTED.props, key)).results).toEqual(plans.map((row) => ({ metrics: [row.visitors, row.events!], dimensions: [row.value] })));

    // is and contains, ANDed: Google's visits' pages containing "post", any case.
    const googlePosts = bySortedValue(await breakdown("page", { filters: [{ property: "source", op: "is", value: "Google" }, { property: "page", op: "contains", value: "post" }] }));
    expect(googlePosts.map(({ value }) => value).sort()).toEqual(["/Blog/Post-2", "/blog/post-1"]);
    expect((await answered(t, ACCEPTED.isAndContains, key)).results).toEqual(googlePosts.map((row) => ({ metrics: [row.visitors, row.pageviews!], dimensions: [row.value] })));
    const notHome = await summary({ filters: [{ property: "page", op: "isNot", value: "/" }] });
    expect((await answered(t, ACCEPTED.isNot, key)).results).toEqual([{ metrics: [notHome.visitors, notHome.visits], dimensions: [] }]);

    // Pages by views ascending, the second and third: and how many rows there are.
    const pages = [...(await breakdown("page"))].sort((a, b) => a.pageviews! - b.pageviews! || (a.value < b.value ? -1 : 1));
    const paged = await answered(t, ACCEPTED.paged, key);
    expect(paged.results).toEqual(pages.slice(1, 3).map((row) => ({ metrics: [row.visitors, row.pageviews!], dimensions: [row.value] })));
    expect(paged.meta).toEqual({ total_rows: pages.length });

    // Dates and datetimes: the same range as 7d; today until 10:00.
    expect((await answered(t, ACCEPTED.dates, key)).results[0].metrics).toEqual([week.visitors]);
    const morning = await t.query(api.stats.summary, { from: T0 - DAY, to: T0 + 10 * HOUR });
    expect((await answered(t, ACCEPTED.dateTimes, key)).results[0].metrics).toEqual([morning.pageviews]);
    expect((await answered(t, ACCEPTED.hours, key)).results.map(({ dimensions }) => dimensions[0])).toEqual(["2024-01-01 01:00:00", "2024-01-01 02:00:00"]);

    // The documented queries we do not answer: a 400 naming why, never a figure.
    for (const [name, { answered: answer, query }] of Object.entries(DOCUMENTED)) {
      if (answer === true) continue;
      const response = await ask(t, query, key);
      expect([response.status, (await response.json()).error], name).toEqual([400, expect.stringContaining(answer)]);
    }
  });
});

describe("scroll_depth", () => {
  test("by event:page, of one page, and of one page by day: the mean of the visits' deepest scrolls there, rounded as Plausible rounds it; null for a page none reported", async () => {
    const t = createTestConvex();
    const engage = (visitor: number, path: string, sd: number) => send(t, { n: "engagement", u: `https://${SITE_ID}${path}`, sd, e: 5_000 }, visitor);
    advanceTo(T0 - DAY + 9 * HOUR);
    await view(t, 2, "/pricing");
    await engage(2, "/pricing", 40);
    await view(t, 3, "/pricing");
    await view(t, 3, "/blog/post-1");
    await engage(3, "/pricing", 55);
    advanceTo(T0 + HOUR);
    await view(t, 4, "/pricing");
    await engage(4, "/pricing", 90);
    await engage(4, "/pricing", 30);
    advanceTo(T0 + 10 * HOUR);
    await settle(t);
    const key = await newKey(t);

    const pages = await t.query(api.stats.breakdown, { ...SEVEN_DAYS, property: "page" });
    expect(pages.map(({ value, scrollDepth }) => [value, scrollDepth])).toEqual([["/pricing", (40 + 55 + 90) / 3], ["/blog/post-1", undefined]]);
    expect((await answered(t, ACCEPTED.scrollByPage, key)).results).toEqual([
      { metrics: [3, 62], dimensions: ["/pricing"] },
      { metrics: [1, null], dimensions: ["/blog/post-1"] },
    ]);
    const pricing = await t.query(api.stats.summary, { ...SEVEN_DAYS, filters: [{ property: "page", op: "is", value: "/pricing" }] });
    expect((await answered(t, ACCEPTED.scrollOfPage, key)).results).toEqual([{ metrics: [pricing.pageviews, Math.round(pricing.scrollDepth!)], dimensions: [] }]);
    // A day of 40 and 55: 47.5, which ClickHouse's round (half to even) makes 48.
    const days = await t.query(api.stats.timeseries, { ...SEVEN_DAYS, interval: "day", filters: [{ property: "page", op: "is", value: "/pricing" }] });
    expect(days.filter((row) => row.scrollDepth !== undefined).map(({ scrollDepth }) => scrollDepth)).toEqual([47.5, 90]);
    expect((await answered(t, ACCEPTED.scrollByDay, key)).results).toEqual([
      { metrics: [48], dimensions: ["2023-12-31"] },
      { metrics: [90], dimensions: ["2024-01-01"] },
    ]);
    // A dashboard's range split at midnight (its history taken back) answers the same depths as the whole range read at once.
    const range = { ...SEVEN_DAYS, interval: "day" as const, breakdowns: [{ property: "page", limit: 10 }], filters: [{ property: "page", op: "is" as const, value: "/pricing" }] };
    for (const asked of [range, { ...range, filters: undefined }]) {
      const whole = (await t.query(api.stats.dashboardStats, { range: asked })).range!;
      const history = (await t.query(api.stats.dashboardHistory, { range: asked, before: T0 }))!;
      // Before midnight: the two visits of 40 and 55 (the page's own summary, or its row of the page breakdown).
      const before = asked.filters === undefined ? history.breakdowns[0]?.rows.find(({ value }) => value === "/pricing")?.figures : history.summary;
      expect(before).toMatchObject({ scrollDepthVisits: 2, scrollDepthSum: 95 });
      expect((await t.query(api.stats.dashboardStats, { range: { ...asked, history } })).range).toEqual(whole);
    }
    const live = (await t.query(api.stats.dashboardStats, { range })).range!;
    if ("error" in live) throw new Error(live.error.message);
    expect(live.summary.scrollDepth).toBe((40 + 55 + 90) / 3);
    // Elsewhere a 400, in Plausible's words where it refuses it too.
    const refused = await ask(t, { site_id: SITE_ID, metrics: ["scroll_depth"], date_range: "7d" }, key);
    expect([refused.status, (await refused.json()).error]).toEqual([400, "Metric `scroll_depth` can only be queried with event:page filters or dimensions."]);
  });
});
