import { beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { SESSION_MINUTES_READ_MAX, VISIT_PROPERTIES, VISIT_SETTLE_GRACE_MS, VISIT_TIMEOUT_MS } from "../../src/shared/config";
import { DAY, HOUR, MINUTE, T0, advanceTo, useFakeClock } from "../support/clock";
import { createTestConvex } from "../support/convex";
import { KEEP_ALL_DETAIL, useEnv } from "../support/env";
import { sessionId } from "../support/seed";
import { expectedBreakdown, expectedSummary, readTruth, type Filter } from "../support/timeTruth";
import { generateVisitCalls, replayCalls } from "../support/visitWorkload";
import { settle } from "../support/worker";

/**
 * A session's property values (derive/visitScopes.ts): one row per session
 * with each value's latest visit start, where each visit used to write a
 * `sessionMinutes` row per value. A deployment upgraded from that layout has
 * those rows: a session's first visit after the upgrade takes them over, or,
 * past SESSION_MINUTES_READ_MAX of them, keeps looking values up in them.
 * Figures of every property value stay equal to a recount of the raw rows,
 * with visits settled and in progress.
 */
useFakeClock(T0, "all");
useEnv(KEEP_ALL_DETAIL);
const t = createTestConvex();
const VISITORS = 30;
/** The session with more old rows than a row takes over. */
const CROWDED = sessionId(0);

async function expectPropertyFiguresExact(label: string): Promise<void> {
  const truth = await readTruth(t);
  // Whole hours: a visit property's buckets (off them, its figures come from open visits: stats.visits.test.ts).
  const span = { from: T0, to: Math.ceil((Date.now() + 1) / HOUR) * HOUR };
  const ranges = [span, { from: T0 + 2 * DAY, to: span.to }, { from: span.to - 6 * 60 * MINUTE, to: span.to }];
  for (const range of ranges) {
    for (const property of ["source", "browser", "country", "entryPage"] as const) {
      const rows = await t.query(api.stats.breakdown, { ...range, property, limit: 100 });
      expect(rows.map(({ title: _title, ...row }) => row), `${label}: ${property} ${JSON.stringify(range)}`).toEqual(expectedBreakdown(truth, property, range));
    }
    for (const property of VISIT_PROPERTIES) {
      const value = truth.visits.find((visit) => visit[property] !== undefined)?.[property];
      if (value === undefined) continue;
      const filter: Filter = { property, value };
      expect(await t.query(api.stats.summary, { ...range, filter }), `${label}: ${property}=${value}`).toEqual(expectedSummary(truth, range, filter));
    }
  }
}

/** Turns every session's row back into the layout from before it: a sessionMinutes row per value (its latest visit's start), and per page minute; its first view a visitors row. */
async function downgradeToRows(): Promise<number> {
  return await t.runInStats(async (ctx) => {
    let rows = 0;
    for (const row of await ctx.db.query("visitScopes").collect()) {
      for (const [i, scope] of row.scopes.entries()) {
        await ctx.db.insert("sessionMinutes", { sessionId: row.sessionId, scope, minute: row.minutes[i] });
        rows++;
      }
      for (const [i, scope] of (row.packedMinutes?.scopes ?? []).entries()) {
        for (const minute of row.packedMinutes!.minutes[i]) await ctx.db.insert("sessionMinutes", { sessionId: row.sessionId, scope, minute });
      }
      if (row.firstSeen !== undefined) await ctx.db.insert("visitors", { sessionId: row.sessionId, firstSeen: row.firstSeen });
      await ctx.db.delete(row._id);
    }
    // One session with more old rows than a row takes over: values it never had, long ago.
    for (let i = 0; i <= SESSION_MINUTES_READ_MAX; i++) {
      await ctx.db.insert("sessionMinutes", { sessionId: CROWDED, scope: `utmCampaign:long-ago-${i}`, minute: T0 / MINUTE - 1_000 - i });
      rows++;
    }
    return rows;
  });
}

beforeAll(async () => {
  await replayCalls(t, generateVisitCalls({ visitors: VISITORS, start: T0, days: 3, seed: 41 }));
  advanceTo(Date.now() + VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS + MINUTE);
  await settle(t);
}, 300_000);

describe("a session's property values", () => {
  test("are one row per session, and figures of every value match a recount", async () => {
    const rows = await t.runInStats(async (ctx) => await ctx.db.query("visitScopes").collect());
    expect(rows.length).toBeGreaterThan(VISITORS / 2);
    expect(rows.every((row) => row.complete && row.scopes.length === row.minutes.length)).toBe(true);
    // No per-value rows: session-minutes hold the site's and pages' minutes only.
    const propertyRows = await t.runInStats(async (ctx) => (await ctx.db.query("sessionMinutes").collect()).filter((row) => /^[a-z]/.test(row.scope)));
    expect(propertyRows).toEqual([]);
    await expectPropertyFiguresExact("settled");
  }, 120_000);

  test("after an upgrade from a row per value, returning visitors are counted exactly, in progress and settled", async () => {
    expect(await downgradeToRows()).toBeGreaterThan(SESSION_MINUTES_READ_MAX);
    // The same visitors come back (their sessions), the crowded one among them.
    const start = Date.now() - (Date.now() % MINUTE) + 10 * MINUTE;
    const calls = generateVisitCalls({ visitors: VISITORS, start, days: 1, seed: 42 });
    await replayCalls(t, calls);
    await settle(t);
    await expectPropertyFiguresExact("visits in progress");
    advanceTo(calls.at(-1)!.at + VISIT_TIMEOUT_MS + VISIT_SETTLE_GRACE_MS + MINUTE);
    await settle(t);
    await expectPropertyFiguresExact("all settled");
    const rows = await t.runInStats(async (ctx) => await ctx.db.query("visitScopes").collect());
    // The crowded session keeps looking values up in its old rows; the others took theirs over.
    expect(rows.find((row) => row.sessionId === CROWDED)?.complete).toBe(false);
    expect(rows.filter((row) => row.sessionId !== CROWDED).every((row) => row.complete)).toBe(true);
  }, 300_000);
});
