import { describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { SESSION_MINUTES_PACKED_BYTES, SESSION_MINUTES_READ_MAX } from "../../src/shared/config";
import { DAY, HOUR, MINUTE, T0, advanceTo, minuteOf, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { KEEP_ALL_DETAIL, useEnv } from "../support/env";
import { pageTypeOf, pathName, random, sessionId, type ViewRow } from "../support/seed";
import { expectedSummary, insertAndFoldViews, rankPages, readTruth } from "../support/timeTruth";
import { expectedConversionsBreakdown, expectedGoalsBreakdown, readEvents, visitsWithSteps, type GoalDefinition } from "../support/conversionTruth";
import { USER_AGENTS, generateVisitCalls, replayAndRecount, withEvents } from "../support/visitWorkload";
import { settle } from "../support/worker";

/**
 * A session's minutes packed on its visitScopes row (derive/sessionMinutes.ts): views folded out of time order, a
 * session past the packing cap (its other minutes kept as rows), an upgrade from a row per minute, and a goal's
 * history folded after its live conversions; every figure against a recount of the raw rows.
 */
useFakeClock(T0, "all");
useEnv(KEEP_ALL_DETAIL);

const START = T0 + 10 * DAY;
/** A session with a view a minute on many pages: its minutes pass the cap. */
const BOT = sessionId(500);
const BOT_VIEWS = 1_500;

/** Views of 60 sessions over ten days on 20 pages, and the bot's, a minute apart over its first days. */
function generate(seed: number, start: number): ViewRow[] {
  const next = random(seed);
  const views: ViewRow[] = [];
  for (let session = 0; session < 60; session++) {
    for (let visit = 0, visits = 1 + Math.floor(next() * 4); visit < visits; visit++) {
      let at = start + Math.floor(next() * 10 * DAY);
      for (let view = 0, count = 1 + Math.floor(next() * 4); view < count; view++) {
        const path = pathName(Math.floor(20 * next() ** 2));
        views.push({ path, pageType: pageTypeOf(path), sessionId: sessionId(session), timestamp: at });
        at += Math.floor(next() * 5 * MINUTE);
      }
    }
  }
  for (let i = 0; i < BOT_VIEWS; i++) {
    const path = pathName(i % 30);
    views.push({ path, pageType: pageTypeOf(path), sessionId: BOT, timestamp: start + i * MINUTE + Math.floor(next() * MINUTE) });
  }
  return views;
}

/** Two thirds in time order, the rest afterwards in random order (views that reach the fold late). */
function lateOrder(views: ViewRow[], seed: number): ViewRow[] {
  const shuffle = random(seed);
  const late = views.filter(() => shuffle() < 1 / 3);
  const lateSet = new Set(late);
  const inOrder = views.filter((view) => !lateSet.has(view)).sort((a, b) => a.timestamp - b.timestamp);
  return [...inOrder, ...late.sort(() => shuffle() - 0.5)];
}

async function expectExact(t: TestConvex, label: string): Promise<void> {
  const truth = { views: (await readTruth(t)).views, visits: [] };
  const next = random(17);
  const span = { from: START - DAY, to: START + 22 * DAY };
  for (let i = 0; i < 60; i++) {
    const from = minuteOf(span.from + Math.floor(next() * (span.to - span.from)));
    const range = { from, to: minuteOf(Math.min(span.to, from + MINUTE + Math.floor(next() ** 2 * 12 * DAY))) };
    expect(await t.query(api.stats.summary, range), `${label}: ${JSON.stringify(range)}`).toEqual(expectedSummary(truth, range));
  }
  for (const range of [span, { from: START + 2 * DAY + 7 * MINUTE, to: START + 3 * DAY + 11 * MINUTE }]) {
    const rows = await t.query(api.stats.breakdown, { ...range, property: "page", limit: 40 });
    expect(rows.map(({ title: _title, ...row }) => row), `${label}: pages ${JSON.stringify(range)}`).toEqual(rankPages(truth.views, range));
  }
}

/** Every session's minutes by page, packed and in rows, as "session path minute". */
async function keptMinutes(t: TestConvex): Promise<string[]> {
  return await t.runInStats(async (ctx) => {
    const packed = (await ctx.db.query("visitScopes").collect()).flatMap(({ sessionId, packedMinutes }) =>
      (packedMinutes?.scopes ?? []).flatMap((scope, i) => packedMinutes!.minutes[i].map((minute) => `${sessionId} ${scope} ${minute}`)),
    );
    const rows = (await ctx.db.query("sessionMinutes").collect()).map(({ sessionId, scope, minute }) => `${sessionId} ${scope} ${minute}`);
    return [...packed, ...rows];
  });
}

const pageMinutesOf = (views: ViewRow[]) => new Set(views.map((view) => `${view.sessionId} ${view.path} ${Math.floor(view.timestamp / MINUTE)}`));

describe("page minutes packed per session", () => {
  const t = createTestConvex();
  const first = generate(3, START);

  test("views folded out of time order, and a session past the cap, count exactly; the cap bounds the row", async () => {
    await insertAndFoldViews(t, lateOrder(first, 5));
    await expectExact(t, "folded late");
    const rows = await t.runInStats(async (ctx) => await ctx.db.query("visitScopes").collect());
    const bot = rows.find((row) => row.sessionId === BOT)!;
    // The bot's row holds what fits, the rest are rows of its own; every other session packs all its minutes.
    expect(bot.packedMinutes?.rows).toBe(true);
    // The cap counts scopes and minutes (near enough), not the object's own field names.
    expect(JSON.stringify(bot.packedMinutes).length).toBeLessThanOrEqual(SESSION_MINUTES_PACKED_BYTES + 64);
    expect(rows.filter((row) => row.sessionId !== BOT).every((row) => row.packedMinutes !== undefined && row.packedMinutes.rows === undefined)).toBe(true);
    const overflow = await t.runInStats(async (ctx) => await ctx.db.query("sessionMinutes").collect());
    expect(overflow.length).toBeGreaterThan(BOT_VIEWS / 3);
    expect(overflow.every((row) => row.sessionId === BOT)).toBe(true);
    // Packed and in rows, each page minute once, and none for the site.
    const kept = await keptMinutes(t);
    expect(kept.length).toBe(pageMinutesOf(first).size);
    expect(new Set(kept)).toEqual(pageMinutesOf(first));
  }, 300_000);

  test("after an upgrade from a row per minute, returning sessions take their rows over and count exactly", async () => {
    // The layout from before: a sessionMinutes row per page minute (and, older still, the site's), nothing packed.
    const siteRows = await t.runInStats(async (ctx) => {
      let site = 0;
      for (const row of await ctx.db.query("visitScopes").collect()) {
        const { scopes, minutes } = row.packedMinutes!;
        for (const [i, scope] of scopes.entries()) {
          for (const minute of minutes[i]) {
            await ctx.db.insert("sessionMinutes", { sessionId: row.sessionId, scope, minute });
            // The first sessions' site rows, from before the site's minutes were read from the pages'.
            if (row.sessionId < sessionId(5)) site += (await ctx.db.insert("sessionMinutes", { sessionId: row.sessionId, scope: "", minute }), 1);
          }
        }
        // Its first view: a visitors row of its own.
        if (row.firstSeen !== undefined) await ctx.db.insert("visitors", { sessionId: row.sessionId, firstSeen: row.firstSeen });
        await ctx.db.delete(row._id);
      }
      return site;
    });
    expect(siteRows).toBeGreaterThan(0);
    // Half the sessions come back (the bot among them, with more rows than a session takes over), some with views older than their latest.
    const returning = generate(7, START + 8 * DAY).filter((view) => view.sessionId === BOT || Number.parseInt(view.sessionId.slice(-3), 16) % 2 === 0);
    await insertAndFoldViews(t, lateOrder(returning, 9));
    await expectExact(t, "after the upgrade");
    const met = new Set(returning.map((view) => view.sessionId));
    const rows = await t.runInStats(async (ctx) => await ctx.db.query("visitScopes").collect());
    expect(rows.map((row) => row.sessionId).sort()).toEqual([...met].sort());
    expect(rows.find((row) => row.sessionId === BOT)?.packedMinutes?.rows).toBe(true);
    const left = await t.runInStats(async (ctx) => await ctx.db.query("sessionMinutes").collect());
    // Sessions met again moved their rows onto their row (the bot kept its: more than SESSION_MINUTES_READ_MAX); the others' wait.
    expect(left.filter((row) => row.sessionId === BOT).length).toBeGreaterThan(SESSION_MINUTES_READ_MAX);
    expect(left.some((row) => row.sessionId !== BOT && met.has(row.sessionId))).toBe(false);
    expect(left.some((row) => !met.has(row.sessionId))).toBe(true);
  }, 300_000);
});

describe("event minutes packed per session", () => {
  test("a goal's history folded after its live conversions, on sessions upgraded from event rows, counts exactly; the site's minutes hold no event's", async () => {
    const t = createTestConvex();
    const start = T0 + 40 * DAY;
    const calls = withEvents(generateVisitCalls({ visitors: 25, start, days: 2, seed: 31 }));
    await replayAndRecount(t, calls);
    advanceTo(calls.at(-1)!.at + HOUR);
    await settle(t);
    const eventScopes = await t.runInStats(async (ctx) =>
      (await ctx.db.query("visitScopes").collect()).flatMap((row) => row.packedMinutes!.scopes.filter((scope) => scope.startsWith("event"))),
    );
    expect(eventScopes.length).toBeGreaterThan(10);
    // Even visitors' sessions go back to the layout from before: their events' minutes as eventMinutes rows.
    await t.runInStats(async (ctx) => {
      for (const row of await ctx.db.query("visitScopes").collect()) {
        if (Number.parseInt(row.sessionId.slice(-3), 16) % 2 === 1) continue;
        const { scopes, minutes } = row.packedMinutes!;
        for (const [i, scope] of scopes.entries()) {
          const table = scope.startsWith("/") ? "sessionMinutes" : "eventMinutes";
          for (const minute of minutes[i]) await ctx.db.insert(table, { sessionId: row.sessionId, scope, minute });
        }
        await ctx.db.patch(row._id, { packedMinutes: undefined });
      }
    });
    // Goals with buckets of their own: their history is folded after the conversions of this batch, older minutes after newer ones.
    const goals: GoalDefinition[] = [
      { name: "Team of two", event: "Signup", props: [{ key: "plan", value: "team" }, { key: "seats", value: "2" }] },
      { name: "Read a post", page: "/post-*" },
    ];
    for (const { name, event, page, props } of goals) await t.mutation(internal.stats.createGoal, { name, ...(event ? { event } : { page: page! }), ...(props ? { props } : {}) });
    for (const visitor of [0, 1, 2, 3]) {
      advanceTo(Date.now() + MINUTE);
      const session = sessionId(visitor);
      await t.mutation(api.stats.recordPageView, { path: "/post-1", pageType: "post", sessionId: session, visit: { userAgent: USER_AGENTS[1] } });
      await t.mutation(api.stats.trackEvent, { sessionId: session, name: "Signup", path: "/post-1", props: { plan: "team", seats: "2" } });
    }
    await settle(t);
    expect((await t.runInStats((ctx) => ctx.db.query("goalFolds").collect())).map(({ done }) => done)).toEqual([true, true]);
    const range = { from: start, to: minuteOf(Date.now()) + MINUTE };
    const truth = await readTruth(t);
    const events = await readEvents(t);
    const summary = await t.query(api.stats.summary, range);
    expect(summary).toEqual(expectedSummary(truth, range));
    const rows = await t.query(api.stats.breakdown, { ...range, property: "goal", limit: 100 });
    const all = visitsWithSteps(truth, events);
    expect(rows).toEqual(expectedGoalsBreakdown(all, truth, events, goals, range, summary.visitors));
    // Events and their properties from their own buckets: sessions that sent one again (upgraded or not) are one visitor.
    for (const target of ["event", "prop:plan", "prop:seats"]) {
      expect(await t.query(api.stats.breakdown, { ...range, property: target, limit: 100 }), target).toEqual(expectedConversionsBreakdown(all, goals, target, range, []));
    }
    // Every session met again (the goals' history met most) took its event rows over; the others' wait.
    const { left, unpacked } = await t.runInStats(async (ctx) => ({
      left: (await ctx.db.query("eventMinutes").collect()).map((row) => row.sessionId),
      unpacked: (await ctx.db.query("visitScopes").collect()).filter((row) => row.packedMinutes === undefined).map((row) => row.sessionId),
    }));
    expect(unpacked.length).toBeLessThan(eventScopes.length);
    expect(left.every((session) => unpacked.includes(session))).toBe(true);
  }, 300_000);
});
