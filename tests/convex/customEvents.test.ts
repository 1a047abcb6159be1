import { afterEach, describe, expect, test, vi } from "vitest";
import { ConvexError } from "convex/values";
import { api, internal } from "../../convex/_generated/api";
import { EVENT_NAME_MAX_CHARS, EVENT_PROP_KEY_MAX_BYTES, EVENT_PROP_VALUE_MAX_BYTES, EVENT_PROPS_MAX, SESSION_EVENTS_PER_MINUTE } from "../../src/shared/config";
import { CURRENCY_VARIABLE } from "../../src/component/record/customEvents";
import { viewPage } from "../support/calls";
import { DAY, HOUR, MINUTE, T0, advanceTo, minuteOf, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { propPairs } from "../../src/component/record/eventFields";
import { random, sessionId } from "../support/seed";
import { countRange, readViews } from "../support/timeTruth";
import { muteBackfillLogs, startBackfill } from "../support/backfill";
import { settle } from "../support/worker";
import { KEEP_ALL_DETAIL, useEnv } from "../support/env";
import { USER_AGENTS } from "../support/visitWorkload";

/**
 * Custom events on the hot path (prds/events.md): what is stored, every limit refused with its field and nothing
 * written, bots and the per-session limit, and POST /api/event's `type: "event"`. Conflicts: stats.writeSets.test.ts.
 */

useFakeClock(T0);
afterEach(() => vi.unstubAllEnvs());

const storedEvents = (t: TestConvex) => t.runInStats((ctx) => ctx.db.query("customEvents").collect());
/** The events stored, their properties as the pairs they were sent as. */
const events = async (t: TestConvex) => (await storedEvents(t)).map((event) => ({ ...event, ...(event.props === undefined ? {} : { props: propPairs(event.props) }) }));
const signup = (visitor: number, extra: Record<string, unknown> = {}) => ({ sessionId: sessionId(visitor), name: "Signup", path: "/pricing", ...extra });

async function refusal(t: TestConvex, args: Record<string, unknown>) {
  const error = await t.mutation(api.stats.trackEvent, args as never).catch((thrown: unknown) => thrown);
  expect(error, JSON.stringify(args).slice(0, 120)).toBeInstanceOf(ConvexError);
  return (error as ConvexError<{ code: string; field?: string; message: string }>).data;
}

describe("trackEvent", () => {
  test("stores the event with its properties as strings and its revenue in minor units, and extends the open visit", async () => {
    const t = createTestConvex();
    await viewPage(t, 1, "/pricing");
    advanceTo(T0 + 2 * MINUTE);
    const args = signup(1, { props: { plan: "pro", seats: 3, trial: false }, revenue: { amount: "29.90", currency: "usd" } });
    expect(await t.mutation(api.stats.trackEvent, args)).toEqual({ recorded: true });
    expect(await events(t)).toMatchObject([
      {
        sessionId: sessionId(1),
        name: "Signup",
        path: "/pricing",
        timestamp: T0 + 2 * MINUTE,
        props: [
          { key: "plan", value: "pro" },
          { key: "seats", value: "3" },
          { key: "trial", value: "false" },
        ],
        revenue: { minorUnits: 2990, currency: "USD" },
      },
    ]);
    const [visit] = await t.runInStats((ctx) => ctx.db.query("visits").collect());
    expect(visit).toMatchObject({ start: T0, lastActivity: T0 + 2 * MINUTE, views: 1 });
    // Stored flat, keys and values alternating: pairs' field names would be 16 bytes a property.
    expect((await storedEvents(t))[0].props).toEqual(["plan", "pro", "seats", "3", "trial", "false"]);
  });

  test("events stored before properties were flat (as pairs) are read as they were: counted, filtered and made goals of", async () => {
    const t = createTestConvex();
    await viewPage(t, 1, "/pricing");
    advanceTo(T0 + MINUTE);
    await t.mutation(api.stats.trackEvent, signup(1, { props: { plan: "pro" } }));
    await t.runInStats(async (ctx) => {
      const [event] = await ctx.db.query("customEvents").collect();
      await ctx.db.patch(event._id, { props: [{ key: "plan", value: "pro" }] });
    });
    await t.mutation(api.stats.trackEvent, signup(2, { props: { plan: "pro" } }));
    await t.mutation(internal.stats.createGoal, { name: "Pro sign-ups", event: "Signup", props: [{ key: "plan", value: "pro" }] });
    advanceTo(T0 + DAY);
    await settle(t);
    const range = { from: T0, to: T0 + DAY };
    expect(await t.query(api.stats.breakdown, { ...range, property: "prop:plan", filters: [{ property: "event", op: "is", value: "Signup" }] })).toMatchObject([{ value: "pro", events: 2 }]);
    expect(await t.query(api.stats.breakdown, { ...range, property: "goal" })).toMatchObject([{ value: "Pro sign-ups", events: 2 }]);
  });

  test("properties as pairs carry keys an object cannot (non-ASCII, a leading $); the site's currency and its decimals hold", async () => {
    const t = createTestConvex();
    vi.stubEnv(CURRENCY_VARIABLE, "jpy");
    await t.mutation(api.stats.trackEvent, signup(1, { props: [{ key: "Größe", value: "M" }, { key: "$plan", value: 1.5 }], revenue: { amount: 4800, currency: "JPY" } }));
    expect(await events(t)).toMatchObject([{ props: [{ key: "Größe", value: "M" }, { key: "$plan", value: "1.5" }], revenue: { minorUnits: 4800, currency: "JPY" } }]);
    expect(await refusal(t, signup(1, { revenue: { amount: "10.5", currency: "JPY" } }))).toMatchObject({ code: "INVALID_ARGUMENT", field: "revenue.amount" });
    expect(await refusal(t, signup(1, { revenue: { amount: 10, currency: "EUR" } }))).toMatchObject({ field: "revenue.currency", message: expect.stringContaining("JPY") });
  });

  test("every limit and bad value is refused with its field, and nothing is written", async () => {
    const t = createTestConvex();
    const manyProps = Object.fromEntries(Array.from({ length: EVENT_PROPS_MAX + 1 }, (_, i) => [`p${i}`, i]));
    const cases: [Record<string, unknown>, string][] = [
      [signup(1, { name: "" }), "name"],
      [signup(1, { name: "x".repeat(EVENT_NAME_MAX_CHARS + 1) }), "name"],
      [signup(1, { name: "Sign\u202eup" }), "name"],
      [signup(1, { name: "pageview" }), "name"],
      [signup(1, { props: manyProps }), "props"],
      [signup(1, { props: [{ key: "k".repeat(EVENT_PROP_KEY_MAX_BYTES + 1), value: "v" }] }), "props (a key)"],
      [signup(1, { props: { plan: "v".repeat(EVENT_PROP_VALUE_MAX_BYTES + 1) } }), "props.plan"],
      [signup(1, { props: { plan: Number.NaN } }), "props.plan"],
      [signup(1, { props: [{ key: "plan", value: "a" }, { key: "plan", value: "b" }] }), "props.plan"],
      [signup(1, { revenue: { amount: "29,90", currency: "USD" } }), "revenue.amount"],
      [signup(1, { revenue: { amount: 1.005, currency: "USD" } }), "revenue.amount"],
      [signup(1, { revenue: { amount: 5, currency: "US Dollar" } }), "revenue.currency"],
      [signup(1, { revenue: { amount: 5, currency: "EUR" } }), "revenue.currency"],
      [signup(1, { path: "pricing" }), "path"],
      [{ ...signup(1), sessionId: "not-a-session" }, "sessionId"],
    ];
    for (const [args, field] of cases) expect(await refusal(t, args)).toMatchObject({ code: "INVALID_ARGUMENT", field });
    expect(await events(t)).toEqual([]);
  });

  test("a bot's event records nothing; past SESSION_EVENTS_PER_MINUTE a minute, RATE_LIMITED", async () => {
    const t = createTestConvex();
    expect(await t.mutation(api.stats.trackEvent, signup(1, { userAgent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)" }))).toEqual({ recorded: false });
    expect(await events(t)).toEqual([]);
    await viewPage(t, 2, "/pricing");
    for (let i = 0; i < SESSION_EVENTS_PER_MINUTE; i++) await t.mutation(api.stats.trackEvent, signup(2, { userAgent: USER_AGENTS[0] }));
    expect(await refusal(t, signup(2))).toMatchObject({ code: "RATE_LIMITED", limit: "sessionEvents" });
    expect(await events(t)).toHaveLength(SESSION_EVENTS_PER_MINUTE);
    advanceTo(T0 + MINUTE + 1);
    expect(await t.mutation(api.stats.trackEvent, signup(2))).toEqual({ recorded: true });
  });
});

describe("POST /api/event with type event", () => {
  const post = (t: TestConvex, body: unknown, userAgent = USER_AGENTS[0]) =>
    t.fetch("/api/event", { method: "POST", headers: { "Content-Type": "text/plain", "User-Agent": userAgent }, body: JSON.stringify(body) });

  test("records it (202), the user agent from the request; a bad field is a 400 naming it, and nothing is written", async () => {
    const t = createTestConvex();
    const response = await post(t, { type: "event", ...signup(1), props: { plan: "pro" }, revenue: { amount: 29, currency: "USD" } });
    expect(response.status).toBe(202);
    expect(await events(t)).toMatchObject([{ name: "Signup", props: [{ key: "plan", value: "pro" }], revenue: { minorUnits: 2900, currency: "USD" } }]);
    const bad = await post(t, { type: "event", ...signup(1), name: "x".repeat(EVENT_NAME_MAX_CHARS + 1) });
    expect([bad.status, await bad.json()]).toEqual([400, { error: expect.stringContaining("name"), field: "name" }]);
    const unknownField = await post(t, { type: "event", ...signup(1), userAgent: "forged" });
    expect([unknownField.status, (await unknownField.json()).field]).toEqual([400, "userAgent"]);
    expect(await events(t)).toHaveLength(1);
  });

  test("property keys an object cannot carry through Convex (non-ASCII, a leading $) arrive as sent", async () => {
    const t = createTestConvex();
    expect((await post(t, { type: "event", ...signup(1), props: { Größe: "M", $plan: 2 } })).status).toBe(202);
    expect(await events(t)).toMatchObject([{ props: [{ key: "Größe", value: "M" }, { key: "$plan", value: "2" }] }]);
  });

  test("a bot's event is answered 202 and not recorded", async () => {
    const t = createTestConvex();
    expect((await post(t, { type: "event", ...signup(1) }, "curl/8.0")).status).toBe(202);
    expect(await events(t)).toEqual([]);
  });
});

describe("breakdown by event", () => {
  // Any whole-minute range of the two days: every detail kept (the rollup: stats.rollup.test.ts).
  useEnv(KEEP_ALL_DETAIL);
  test("each name's events, visitors, conversion rate and revenue match a recount for any whole-minute range, and after a backfill", async () => {
    muteBackfillLogs();
    const t = createTestConvex();
    const next = random(3);
    const NAMES = ["Signup", "Download", "Checkout"];
    // 40 visitors over two days: each views a page, some send events minutes to hours later (in their visit or not).
    for (let visitor = 0; visitor < 40; visitor++) {
      advanceTo(T0 + Math.floor(next() * 2 * DAY));
      await viewPage(t, visitor, "/pricing");
      for (let i = 0, count = Math.floor(next() * 4); i < count; i++) {
        advanceTo(Date.now() + Math.floor(next() * 90) * MINUTE + 1_000);
        const name = NAMES[Math.floor(next() * NAMES.length)];
        const revenue = name === "Checkout" ? { revenue: { amount: `${10 + visitor}.5${i}`, currency: "USD" } } : {};
        await t.mutation(api.stats.trackEvent, signup(visitor, { name, ...revenue }));
      }
    }
    advanceTo(T0 + 3 * DAY);
    await settle(t);
    const rows = await events(t);
    const views = await readViews(t);
    expect(rows.length).toBeGreaterThan(30);
    const expected = (range: { from: number; to: number }) => {
      const visitors = countRange(views, range).visitors;
      const byName = new Map<string, { events: number; sessions: Set<string>; revenue: number }>();
      for (const row of rows) {
        if (row.timestamp < range.from || row.timestamp >= range.to) continue;
        const tally = byName.get(row.name) ?? byName.set(row.name, { events: 0, sessions: new Set(), revenue: 0 }).get(row.name)!;
        tally.events++;
        tally.sessions.add(row.sessionId);
        tally.revenue += row.revenue?.minorUnits ?? 0;
      }
      return [...byName]
        .sort(([a, x], [b, y]) => y.events - x.events || y.sessions.size - x.sessions.size || (a < b ? -1 : 1))
        .map(([value, tally]) => ({
          value,
          visitors: tally.sessions.size,
          events: tally.events,
          conversionRate: visitors === 0 ? 0 : tally.sessions.size / visitors,
          ...(tally.revenue === 0 ? {} : { revenue: tally.revenue / 100, averageRevenue: tally.revenue / tally.events / 100 }),
        }));
    };
    const ranges = Array.from({ length: 12 }, () => {
      const from = minuteOf(T0 + Math.floor(next() * 2 * DAY));
      return { from, to: minuteOf(from + MINUTE + Math.floor(next() * DAY)) };
    });
    const answers = async () => Promise.all(ranges.map((range) => t.query(api.stats.breakdown, { ...range, property: "event" })));
    const before = await answers();
    for (const [i, range] of ranges.entries()) expect(before[i], JSON.stringify(range)).toEqual(expected(range));
    // A dashboard's question answers the same rows, its conversion rates of its summary's visitors.
    const { range: dashboard } = await t.query(api.stats.dashboardStats, { range: { ...ranges[0], interval: "hour", breakdowns: [{ property: "event" }] } });
    expect(dashboard).toMatchObject({ breakdowns: [{ rows: before[0] }] });
    await startBackfill(t);
    await settle(t, 30 * MINUTE);
    expect(await answers()).toEqual(before);
  }, 120_000);

  test("under a filter, counts the events of the visits it matches (their steps: tests/convex/conversions.test.ts), on a dashboard too", async () => {
    const t = createTestConvex();
    const google = { userAgent: USER_AGENTS[0], referrer: "https://www.google.com/" };
    await t.mutation(api.stats.recordPageView, { path: "/pricing", pageType: "page", sessionId: sessionId(1), visit: google });
    await t.mutation(api.stats.trackEvent, signup(1));
    await viewPage(t, 2, "/pricing");
    await t.mutation(api.stats.trackEvent, signup(2));
    await settle(t);
    const range = { from: T0, to: T0 + DAY };
    const rows = [{ value: "Signup", visitors: 1, events: 1, conversionRate: 1 }];
    expect(await t.query(api.stats.breakdown, { ...range, property: "event", filters: [{ property: "source", op: "is", value: "Google" }] })).toEqual(rows);
    const { range: answer } = await t.query(api.stats.dashboardStats, { range: { ...range, interval: "hour", filter: { property: "source", value: "Google" }, breakdowns: [{ property: "event" }] } });
    expect(answer).toMatchObject({ breakdowns: [{ rows }] });
  });
});

describe("goals", () => {
  useEnv(KEEP_ALL_DETAIL);

  test("a goal made after the fact counts all its event's history, exactly; a dashboard's split answer equals the whole one; deleting it leaves the event", async () => {
    const t = createTestConvex();
    for (let visitor = 0; visitor < 12; visitor++) {
      advanceTo(T0 + visitor * 3 * HOUR);
      await viewPage(t, visitor, "/pricing");
      if (visitor % 3 === 0) await t.mutation(api.stats.trackEvent, signup(visitor, { revenue: { amount: "19.99", currency: "USD" } }));
      if (visitor % 4 === 0) await t.mutation(api.stats.trackEvent, signup(visitor, { name: "Download" }));
    }
    advanceTo(T0 + 2 * DAY);
    await settle(t);
    expect(await t.mutation(internal.stats.createGoal, { name: "Sign-ups", event: "Signup" })).toMatchObject({ name: "Sign-ups", event: "Signup" });
    await t.mutation(internal.stats.createGoal, { name: "Downloads", event: "Download" });
    await t.mutation(internal.stats.createGoal, { name: "Never", event: "Nothing yet" });
    const range = { from: T0, to: T0 + 2 * DAY };
    // 12 visitors; sign-ups by visitors 0, 3, 6, 9 (4), downloads by 0, 4, 8 (3).
    expect(await t.query(api.stats.breakdown, { ...range, property: "goal" })).toEqual([
      { value: "Sign-ups", visitors: 4, events: 4, conversionRate: 4 / 12, revenue: 79.96, averageRevenue: 7996 / 4 / 100 },
      { value: "Downloads", visitors: 3, events: 3, conversionRate: 3 / 12 },
    ]);
    const question = { ...range, interval: "hour", breakdowns: [{ property: "goal" }, { property: "event" }] };
    const history = (await t.query(api.stats.dashboardHistory, { range: question, before: T0 + DAY }))!;
    const split = await t.query(api.stats.dashboardStats, { range: { ...question, history } });
    const whole = await t.query(api.stats.dashboardStats, { range: question });
    expect(split.range).toEqual(whole.range);
    expect(whole.range).toMatchObject({ breakdowns: [{ rows: await t.query(api.stats.breakdown, { ...range, property: "goal" }) }, { rows: expect.any(Array) }] });
    expect(await t.mutation(internal.stats.deleteGoal, { name: "Downloads" })).toEqual({ deleted: true });
    expect((await t.query(api.stats.breakdown, { ...range, property: "goal" })).map(({ value }) => value)).toEqual(["Sign-ups"]);
    expect((await t.query(api.stats.breakdown, { ...range, property: "event" })).map(({ value }) => value)).toEqual(["Signup", "Download"]);
  });

  test("a goal's name is unique and checked like an event's", async () => {
    const t = createTestConvex();
    await t.mutation(internal.stats.createGoal, { name: "Sign-ups", event: "Signup" });
    const refused = async (args: { name: string; event: string }) => ((await t.mutation(internal.stats.createGoal, args).catch((e: unknown) => e)) as ConvexError<{ field: string }>).data;
    expect(await refused({ name: "Sign-ups", event: "Other" })).toMatchObject({ code: "INVALID_ARGUMENT", field: "name" });
    expect(await refused({ name: "", event: "Signup" })).toMatchObject({ code: "INVALID_ARGUMENT", field: "name" });
    expect(await refused({ name: "Views", event: "pageview" })).toMatchObject({ code: "INVALID_ARGUMENT", field: "event" });
    expect(await t.query(internal.stats.listGoals, {})).toMatchObject([{ name: "Sign-ups", event: "Signup" }]);
  });
});

describe("breakdown by an event's property", () => {
  useEnv(KEEP_ALL_DETAIL);

  test("prop:<key> under an event's or a goal's filter: each value's visitors, events, conversion rate and revenue, exactly, after a backfill too", async () => {
    muteBackfillLogs();
    const t = createTestConvex();
    // Visitors 0-9 view a page; 0-5 sign up (plan free for the even ones, pro for the odd), 1 twice; 3 and 5 pay.
    for (let visitor = 0; visitor < 10; visitor++) {
      advanceTo(T0 + visitor * HOUR);
      await viewPage(t, visitor, "/pricing");
      if (visitor > 5) continue;
      const plan = visitor % 2 === 0 ? "free" : "pro";
      const revenue = visitor === 3 || visitor === 5 ? { revenue: { amount: "10.00", currency: "USD" } } : {};
      await t.mutation(api.stats.trackEvent, signup(visitor, { props: { plan }, ...revenue }));
      if (visitor === 1) await t.mutation(api.stats.trackEvent, signup(visitor, { props: { plan } }));
    }
    advanceTo(T0 + DAY);
    await settle(t);
    await t.mutation(internal.stats.createGoal, { name: "Sign-ups", event: "Signup" });
    const range = { from: T0, to: T0 + DAY };
    const expected = [
      { value: "pro", visitors: 3, events: 4, conversionRate: 3 / 10, revenue: 20, averageRevenue: 5 },
      { value: "free", visitors: 3, events: 3, conversionRate: 3 / 10 },
    ];
    const byEvent = () => t.query(api.stats.breakdown, { ...range, property: "prop:plan", filters: [{ property: "event", op: "is", value: "Signup" }] });
    expect(await byEvent()).toEqual(expected);
    expect(await t.query(api.stats.breakdown, { ...range, property: "prop:plan", filters: [{ property: "goal", op: "is", value: "Sign-ups" }] })).toEqual(expected);
    // Only the first three visitors' hours: as many events of each plan, so more visitors first.
    expect(await t.query(api.stats.breakdown, { from: T0, to: T0 + 3 * HOUR, property: "prop:plan", filters: [{ property: "event", op: "is", value: "Signup" }] })).toEqual([
      { value: "free", visitors: 2, events: 2, conversionRate: 2 / 3 },
      { value: "pro", visitors: 1, events: 2, conversionRate: 1 / 3 },
    ]);
    // A goal narrowed to one property value counts that value's events alone.
    await t.mutation(internal.stats.createGoal, { name: "Pro sign-ups", event: "Signup", props: [{ key: "plan", value: "pro" }] });
    expect(await t.query(api.stats.breakdown, { ...range, property: "goal" })).toEqual([
      { value: "Sign-ups", visitors: 6, events: 7, conversionRate: 6 / 10, revenue: 20, averageRevenue: 20 / 7 },
      { value: "Pro sign-ups", visitors: 3, events: 4, conversionRate: 3 / 10, revenue: 20, averageRevenue: 5 },
    ]);
    // A goal narrowed to its event's plan keeps to it when broken down by plan (a scan of the visits' steps).
    expect(await t.query(api.stats.breakdown, { ...range, property: "prop:plan", filters: [{ property: "goal", op: "is", value: "Pro sign-ups" }] })).toEqual([expected[0]]);
    await startBackfill(t);
    await settle(t, 30 * MINUTE);
    expect(await byEvent()).toEqual(expected);
    // Without a filter: every event's values of the property.
    expect(await t.query(api.stats.breakdown, { ...range, property: "prop:plan" })).toEqual(expected);
  }, 60_000);
});
