import { describe, expect, test } from "vitest";
import { internal } from "../../convex/_generated/api";
import { HOUR, T0, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { propPairs } from "../../src/component/record/eventFields";
import { USER_AGENTS } from "../support/visitWorkload";
import { expectExactFigures } from "../support/recount";
import { settle } from "../support/worker";

/**
 * Umami's `POST /api/send` (prds/compat.md): a site named by its Umami website id, views and custom events (data as
 * props, revenue), Umami's answers, bots, identify, and the preflight its `x-umami-cache` header needs; then our
 * tracker's, Plausible's and Umami's traffic together, recounted.
 */

useFakeClock(T0 + 10 * HOUR);

const send = (t: TestConvex, body: unknown, userAgent = USER_AGENTS[0]) =>
  t.withRequestMetadata({ ip: "203.0.113.20", userAgent }).fetch("/api/send", {
    method: "POST",
    headers: { "Content-Type": "application/json", "User-Agent": userAgent, "x-umami-cache": "" },
    body: JSON.stringify(body),
  });
const rows = (t: TestConvex) =>
  t.runInStats(async (ctx) => ({ views: await ctx.db.query("pageViews").collect(), events: await ctx.db.query("customEvents").collect(), visits: await ctx.db.query("visits").collect() }));

describe("Umami's /api/send", () => {
  test("the owner's command gives the site its website id, the same each time", async () => {
    const t = createTestConvex();
    const { websiteId } = await t.action(internal.stats.umamiWebsite, {});
    expect(websiteId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await t.action(internal.stats.umamiWebsite, {})).toEqual({ websiteId });
  });

  test("a view and a custom event (data as props, revenue) are recorded for the site; Umami's answer names the session", async () => {
    const t = createTestConvex();
    const { websiteId: website } = await t.action(internal.stats.umamiWebsite, {});
    const payload = { website, hostname: "blog.example.com", screen: "1440x900", language: "de-DE", title: "Pricing", referrer: "https://www.google.com/" };
    const view = await send(t, { type: "event", payload: { ...payload, url: "/pricing?utm_source=newsletter" } });
    const answer = await view.json();
    expect([view.status, answer]).toEqual([200, { cache: expect.any(String), sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/), visitId: expect.any(String) }]);
    const event = await send(t, { type: "event", payload: { ...payload, url: "/pricing", name: "Signup", data: { plan: "pro", seats: 3, nested: { a: 1 }, revenue: 29.5, currency: "USD" } } });
    expect((await event.json()).sessionId).toBe(answer.sessionId);
    const { views, events, visits } = await rows(t);
    expect(views.map(({ path, sessionId }) => [path, sessionId])).toEqual([["/pricing", answer.sessionId]]);
    expect(visits[0]).toMatchObject({ utmSource: "newsletter", screen: "Desktop", language: "de" });
    expect(events.map(({ name, props, revenue }) => ({ name, props: propPairs(props), revenue }))).toEqual([
      { name: "Signup", props: [{ key: "plan", value: "pro" }, { key: "seats", value: "3" }, { key: "nested.a", value: "1" }], revenue: { minorUnits: 2950, currency: "USD" } },
    ]);
  });

  test("a bot hears beep boop; identify and an unknown website record nothing; the preflight allows x-umami-cache", async () => {
    const t = createTestConvex();
    const { websiteId: website } = await t.action(internal.stats.umamiWebsite, {});
    const bot = await send(t, { type: "event", payload: { website, url: "/" } }, "Googlebot/2.1 (+http://www.google.com/bot.html)");
    expect([bot.status, await bot.json()]).toEqual([200, { beep: "boop" }]);
    expect((await send(t, { type: "identify", payload: { website, data: { user: "x" } } })).status).toBe(200);
    const unknown = await send(t, { type: "event", payload: { website: "00000000-0000-4000-8000-000000000000", url: "/" } });
    expect([unknown.status, await unknown.json()]).toEqual([400, { error: expect.stringContaining("website") }]);
    expect((await send(t, { type: "view", payload: { website } })).status).toBe(400);
    expect(await rows(t)).toEqual({ views: [], events: [], visits: [] });
    const preflight = await t.fetch("/api/send", { method: "OPTIONS", headers: { Origin: "https://blog.example.com", "Access-Control-Request-Method": "POST" } });
    expect(preflight.headers.get("Access-Control-Allow-Headers")).toContain("x-umami-cache");
  });
});

describe("mixed traffic", () => {
  test("our tracker's, Plausible's and Umami's events together: every figure equals a recount of the raw rows", async () => {
    const t = createTestConvex();
    const { websiteId: website } = await t.action(internal.stats.umamiWebsite, {});
    const post = (path: string, body: unknown, ip: string, userAgent: string) =>
      t.withRequestMetadata({ ip, userAgent }).fetch(path, { method: "POST", headers: { "Content-Type": "text/plain", "User-Agent": userAgent }, body: JSON.stringify(body) });
    for (let visitor = 0; visitor < 12; visitor++) {
      const ip = `198.51.100.${visitor}`;
      const userAgent = USER_AGENTS[visitor % USER_AGENTS.length];
      const path = `/post-${visitor % 4}`;
      if (visitor % 3 === 0) await post("/api/event", { type: "pageview", sessionId: crypto.randomUUID(), path }, ip, userAgent);
      else if (visitor % 3 === 1) await post("/api/event", { n: "pageview", u: `https://blog.example.com${path}`, d: "blog.example.com" }, ip, userAgent);
      else await post("/api/send", { type: "event", payload: { website, url: path, hostname: "blog.example.com" } }, ip, userAgent);
    }
    await settle(t);
    const truth = await expectExactFigures(t);
    expect(truth.totalPageViews).toBe(12);
  });
});
