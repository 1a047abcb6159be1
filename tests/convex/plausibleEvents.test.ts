import { describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { FOREIGN_URL_MAX_BYTES, HEARTBEAT_DEDUP_MS, MAX_VISIT_FIELD_BYTES } from "../../src/shared/config";
import { DAY, HOUR, T0, advanceTo, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { propPairs } from "../../src/component/record/eventFields";
import { settle } from "../support/worker";
import { USER_AGENTS } from "../support/visitWorkload";
import { muteBackfillLogs, runBackfill } from "../support/backfill";
import { recountScrollDepths, storedScrollDepths } from "../support/recount";

/**
 * Plausible's Events API on POST /api/event (prds/compat.md): its body's long and short keys, its answers (202 `ok`,
 * 400 `{"errors"}`), the site's domains, and its daily visitor: a hash of the day's salt, the site, the client's IP
 * and user agent, which is never stored; the salt is deleted once its day has ended.
 */

useFakeClock(T0 + 10 * HOUR);

const SITE = "blog.example.com";
const send = (t: TestConvex, body: unknown, ip = "203.0.113.7", userAgent = USER_AGENTS[0]) =>
  t.withRequestMetadata({ ip, userAgent }).fetch("/api/event", { method: "POST", headers: { "Content-Type": "text/plain", "User-Agent": userAgent }, body: JSON.stringify(body) });
const rows = (t: TestConvex) =>
  t.runInStats(async (ctx) => ({
    views: await ctx.db.query("pageViews").collect(),
    events: await ctx.db.query("customEvents").collect(),
    visits: await ctx.db.query("visits").collect(),
    salts: await ctx.db.query("visitorSalts").collect(),
  }));

describe("Plausible's Events API", () => {
  test("a pageview, short keys or long, is a view of its path with the visit's referrer and UTM; 202 with body ok", async () => {
    const t = createTestConvex();
    const short = await send(t, { n: "pageview", u: `https://${SITE}/pricing?utm_source=newsletter&utm_campaign=launch#top`, d: SITE, r: "https://news.ycombinator.com/item?id=1" });
    expect([short.status, await short.text()]).toEqual([202, "ok"]);
    const long = await send(t, { name: "pageview", url: `https://${SITE}/about`, domain: SITE, referrer: null }, "198.51.100.9");
    expect(long.status).toBe(202);
    const { views, visits } = await rows(t);
    expect(views.map(({ path }) => path).sort()).toEqual(["/about", "/pricing"]);
    expect(visits.find((visit) => visit.entryPage === "/pricing")).toMatchObject({ referrer: "news.ycombinator.com/item", utmSource: "newsletter", utmCampaign: "launch" });
  });

  test("a custom event keeps its props (an object or JSON in a string) and revenue; an invalid revenue is dropped, the event kept; engagement extends the visit", async () => {
    const t = createTestConvex();
    await send(t, { n: "pageview", u: `https://${SITE}/pricing`, d: SITE });
    await send(t, { n: "Signup", u: `https://${SITE}/pricing`, d: SITE, p: JSON.stringify({ plan: "pro", seats: 3, nested: { a: 1 }, blank: " " }), $: { amount: "29.90", currency: "USD" } });
    await send(t, { n: "Download", u: `https://${SITE}/pricing`, d: SITE, props: { file: "a.pdf" }, revenue: "not json" });
    advanceTo(Date.now() + 5 * 60_000);
    await send(t, { n: "engagement", u: `https://${SITE}/pricing`, d: SITE, sd: 80, e: 300_000 });
    const { events, visits } = await rows(t);
    expect(events.map(({ name, props, revenue }) => ({ name, props: propPairs(props), revenue }))).toEqual([
      { name: "Signup", props: [{ key: "plan", value: "pro" }, { key: "seats", value: "3" }], revenue: { minorUnits: 2990, currency: "USD" } },
      { name: "Download", props: [{ key: "file", value: "a.pdf" }], revenue: undefined },
    ]);
    expect(visits).toHaveLength(1);
    expect(visits[0].lastActivity - visits[0].start).toBe(5 * 60_000);
  });

  test("hash mode keeps the route in the path; a bad body is a 400 naming each field, and nothing is written", async () => {
    const t = createTestConvex();
    await send(t, { n: "pageview", u: `https://${SITE}/#/settings`, d: SITE, h: 1 });
    expect((await rows(t)).views.map(({ path }) => path)).toEqual(["/%23/settings"]);
    const refused = async (body: object) => {
      const response = await send(t, body);
      return { status: response.status, body: await response.json() };
    };
    expect(await refused({ n: "pageview", d: SITE, u: "" })).toEqual({ status: 400, body: { errors: { url: ["is required"] } } });
    expect(await refused({ n: "pageview", d: SITE, u: `https://${SITE}/${"a".repeat(FOREIGN_URL_MAX_BYTES)}` })).toMatchObject({ status: 400, body: { errors: { url: [expect.any(String)] } } });
    expect(await refused({ n: "pageview", d: SITE, u: "data:text/html,hello" })).toEqual({ status: 400, body: { errors: { url: ["is invalid"] } } });
    expect(await refused({ name: 5.5, u: `https://${SITE}/`, d: SITE, p: { ["k".repeat(301)]: "v" } })).toMatchObject({ status: 400, body: { errors: expect.any(Object) } });
    expect((await rows(t)).views).toHaveLength(1);
    expect((await rows(t)).events).toHaveLength(0);
  });

  test("a referrer is cut to its limit; a domain the site does not name records nothing (202, dropped); a bot's likewise", async () => {
    const t = createTestConvex();
    const elsewhere = await send(t, { n: "pageview", u: "https://other.example.org/", d: "other.example.org" });
    expect([elsewhere.status, elsewhere.headers.get("x-plausible-dropped")]).toEqual([202, "1"]);
    const bot = await send(t, { n: "pageview", u: `https://${SITE}/`, d: SITE }, undefined, "Googlebot/2.1 (+http://www.google.com/bot.html)");
    expect(bot.status).toBe(202);
    expect((await rows(t)).views).toHaveLength(0);
    // A comma-separated list: recorded for the site it names.
    await send(t, { n: "pageview", u: `https://${SITE}/x`, d: `other.example.org, ${SITE}`, r: `https://ref.example/${"r".repeat(3 * MAX_VISIT_FIELD_BYTES)}` });
    const { visits } = await rows(t);
    expect(visits).toHaveLength(1);
    expect(visits[0].referrer).toMatch(/^ref\.example\/r+$/);
    expect(new TextEncoder().encode(visits[0].referrer ?? "").length).toBeLessThanOrEqual(MAX_VISIT_FIELD_BYTES);
  });

  test("a visitor is one a day: the same IP and browser are one visitor today and a new one tomorrow; the IP is stored nowhere, and an ended day's salt is deleted", async () => {
    const t = createTestConvex();
    const ip = "192.0.2.44";
    await send(t, { n: "pageview", u: `https://${SITE}/a`, d: SITE }, ip);
    await send(t, { n: "pageview", u: `https://${SITE}/b`, d: SITE }, ip);
    await send(t, { n: "pageview", u: `https://${SITE}/a`, d: SITE }, "192.0.2.45");
    await send(t, { n: "pageview", u: `https://${SITE}/a`, d: SITE }, ip, USER_AGENTS[1]);
    advanceTo(T0 + DAY + 10 * HOUR);
    await send(t, { n: "pageview", u: `https://${SITE}/a`, d: SITE }, ip);
    await settle(t);
    const { views, salts } = await rows(t);
    const sessions = (from: number) => new Set(views.filter((view) => view.timestamp >= from && view.timestamp < from + DAY).map((view) => view.sessionId));
    expect(sessions(T0).size).toBe(3);
    expect(sessions(T0 + DAY).size).toBe(1);
    expect([...sessions(T0)]).not.toContain([...sessions(T0 + DAY)][0]);
    expect(views.every((view) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(view.sessionId))).toBe(true);
    const stored = await t.runInStats(async (ctx) => Promise.all(["pageViews", "visits", "activeSessions", "customEvents", "visitorSalts"].map((table) => ctx.db.query(table as "pageViews").collect())));
    const everything = JSON.stringify(stored, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value));
    expect(everything).not.toContain(ip);
    expect(salts.map(({ day }) => day)).toEqual([T0, T0 + DAY]);
    await t.mutation(internal.stats.cleanupStaleSessions, {});
    expect((await rows(t)).salts.map(({ day }) => day)).toEqual([T0 + DAY]);
    expect((await t.query(api.stats.summary, { from: T0, to: T0 + 2 * DAY })).visitors).toBe(4);
  });
});

describe("engagement's scroll depth", () => {
  const engage = (t: TestConvex, path: string, sd: unknown, ip: string) => send(t, { n: "engagement", u: `https://${SITE}${path}`, d: SITE, sd, e: 1_000 }, ip);
  const view = (t: TestConvex, path: string, ip: string) => send(t, { n: "pageview", u: `https://${SITE}${path}`, d: SITE }, ip);
  const DAY_RANGE = { from: T0, to: T0 + DAY };
  const pages = async (t: TestConvex) => Object.fromEntries((await t.query(api.stats.breakdown, { ...DAY_RANGE, property: "page" })).map((row) => [row.value, row]));
  const pricingSummary = (t: TestConvex) => t.query(api.stats.summary, { ...DAY_RANGE, filters: [{ property: "page", op: "is", value: "/pricing" }] });

  test("a page's scroll depth is the mean of its visits' deepest scrolls there: raised by a deeper one later, bad values dropped as Plausible drops them; a recount and a backfill agree", async () => {
    const t = createTestConvex();
    const [a, b, c, d] = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"];
    for (const ip of [a, b, c, d]) await view(t, "/pricing", ip);
    advanceTo(Date.now() + 60_000);
    expect(await (await engage(t, "/pricing", 40, a)).text()).toBe("ok");
    advanceTo(Date.now() + 5_000);
    // Inside the heartbeat's dedup window, a deeper scroll is still kept; a shallower one never lowers it.
    await engage(t, "/pricing", 70, a);
    await engage(t, "/pricing", 20, a);
    // A page this visit never viewed: kept on the visit, counted for no page.
    await engage(t, "/docs", 50, a);
    // Digits in a string, as Plausible reads them; then values Plausible drops (the engaged time keeps the event: 202).
    await engage(t, "/pricing", "25", b);
    for (const bad of [12.5, -3, "x", "", null, true, [80]]) expect((await engage(t, "/pricing", bad, b)).status).toBe(202);
    // Over 100 is read as 100. D has only viewed the page so far.
    await engage(t, "/pricing", 250, c);
    const depthsOf = async () => (await rows(t)).visits.map(({ scrollDepths }) => scrollDepths);
    expect(await depthsOf()).toEqual([
      [{ path: "/pricing", depth: 70 }, { path: "/docs", depth: 50 }],
      [{ path: "/pricing", depth: 25 }],
      [{ path: "/pricing", depth: 100 }],
      undefined,
    ]);
    await settle(t);
    expect((await pages(t))["/pricing"]).toMatchObject({ pageviews: 4, visitors: 4, scrollDepth: (70 + 25 + 100) / 3 });
    expect((await pages(t))["/docs"]).toBeUndefined();
    expect((await pricingSummary(t)).scrollDepth).toBe((70 + 25 + 100) / 3);
    // The site has no scroll depth of its own (Plausible's needs a page).
    expect(await t.query(api.stats.summary, DAY_RANGE)).not.toHaveProperty("scrollDepth");

    // D's first scroll, folded; then a deeper one inside the dedup window, which changes the visit's scroll only (not its
    // last activity), and the worker folds that too.
    await engage(t, "/pricing", 30, d);
    const firstBeat = Date.now();
    await settle(t);
    expect((await pages(t))["/pricing"].scrollDepth).toBe((70 + 25 + 100 + 30) / 4);
    expect(Date.now() - firstBeat).toBeLessThan(HEARTBEAT_DEDUP_MS);
    const dLastActivity = (await rows(t)).visits[3].lastActivity;
    await engage(t, "/pricing", 45, d);
    expect((await rows(t)).visits[3]).toMatchObject({ lastActivity: dLastActivity, scrollDepths: [{ path: "/pricing", depth: 45 }] });
    await settle(t);
    expect((await pages(t))["/pricing"].scrollDepth).toBe((70 + 25 + 100 + 45) / 4);
    // A deeper scroll later moves the figure by the difference, as the worker folds it.
    advanceTo(Date.now() + 60_000);
    await engage(t, "/pricing", 55, b);
    await settle(t);
    expect((await pages(t))["/pricing"].scrollDepth).toBe((70 + 55 + 100 + 45) / 4);
    // The same visitor's next visit (after 30 minutes away) is a visit of its own, with its own deepest scroll.
    advanceTo(Date.now() + 40 * 60_000);
    await view(t, "/pricing", a);
    await engage(t, "/pricing", 10, a);
    await settle(t);
    const expected = (70 + 55 + 100 + 45 + 10) / 5;
    expect((await pages(t))["/pricing"].scrollDepth).toBe(expected);
    expect(await storedScrollDepths(t)).toEqual(await recountScrollDepths(t));
    expect(await recountScrollDepths(t)).toEqual({ "/pricing": { visits: 5, sum: 280 } });

    // Settled, then rebuilt from the visits' rows by a backfill: the same figures.
    advanceTo(Date.now() + 2 * HOUR);
    await settle(t);
    expect((await pages(t))["/pricing"].scrollDepth).toBe(expected);
    muteBackfillLogs();
    expect((await runBackfill(t))?.state).toBe("done");
    expect((await pages(t))["/pricing"].scrollDepth).toBe(expected);
    expect((await pricingSummary(t)).scrollDepth).toBe(expected);
    expect(await storedScrollDepths(t)).toEqual({ "/pricing": { visits: 5, sum: 280 } });
  });

  test("an engagement with neither a scroll depth nor an engaged time is a 400, as Plausible answers; our own format's heartbeat takes a whole 0–100 or names it", async () => {
    const t = createTestConvex();
    await view(t, "/pricing", "192.0.2.9");
    const refused = await send(t, { n: "engagement", u: `https://${SITE}/pricing`, d: SITE, sd: "deep", e: 0 }, "192.0.2.9");
    expect([refused.status, await refused.json()]).toEqual([400, { errors: { event_name: ["engagement event requires a valid integer value for at least one of 'sd' or 'e' fields"] } }]);
    expect((await send(t, { n: "engagement", u: `https://${SITE}/pricing`, d: SITE, sd: 0 }, "192.0.2.9")).status).toBe(202);
    expect((await rows(t)).visits[0].scrollDepths).toEqual([{ path: "/pricing", depth: 0 }]);
    const ours = (scrollDepth: number) =>
      t.fetch("/api/event", { method: "POST", headers: { "Content-Type": "text/plain", "User-Agent": USER_AGENTS[0] }, body: JSON.stringify({ type: "heartbeat", sessionId: crypto.randomUUID(), path: "/a", scrollDepth }) });
    const tooDeep = await ours(101);
    expect([tooDeep.status, await tooDeep.json()]).toEqual([400, { error: "scrollDepth must be a whole number from 0 to 100; got 101", field: "scrollDepth" }]);
    expect((await ours(50)).status).toBe(202);
  });
});

describe("several sites", () => {
  test("an event naming two sites' domains is recorded in each, as its own daily visitor there; each site's endpoint takes the other's events too", async () => {
    const t = createTestConvex();
    await send(t, { n: "pageview", u: `https://${SITE}/shared`, d: `${SITE},docs.example.com` });
    const docsViews = await t.runInStats((ctx) => ctx.db.query("pageViews").collect(), "docsStats");
    expect((await rows(t)).views.map(({ path }) => path)).toEqual(["/shared"]);
    expect(docsViews.map(({ path }) => path)).toEqual(["/shared"]);
    // The docs' own endpoint, with the blog's domain only: recorded in the blog.
    const viaDocs = await t.withRequestMetadata({ ip: "203.0.113.8", userAgent: USER_AGENTS[0] }).fetch("/docs/api/event", {
      method: "POST",
      headers: { "Content-Type": "text/plain", "User-Agent": USER_AGENTS[0] },
      body: JSON.stringify({ n: "pageview", u: `https://${SITE}/via-docs`, d: SITE }),
    });
    expect(viaDocs.status).toBe(202);
    expect((await rows(t)).views.map(({ path }) => path).sort()).toEqual(["/shared", "/via-docs"]);
  });
});
