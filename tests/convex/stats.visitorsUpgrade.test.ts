import { describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { viewPage } from "../support/calls";
import { DAY, T0, advanceTo, useFakeClock } from "../support/clock";
import { createTestConvex, type TestConvex } from "../support/convex";
import { sessionId } from "../support/seed";
import { expectExactFigures, storedFigures } from "../support/recount";
import { settle } from "../support/worker";

/**
 * A session's first view (`firstSeen`) lives on its visitScopes row (derive/visitScopes.ts); it was a `visitors` row
 * of its own. A deployment upgraded from that layout has those rows and session rows without `firstSeen` (or no
 * session row at all, from before visitScopes): each session's first view after the upgrade takes its old row over,
 * so a returning visitor is never counted twice, and the new-visitor cap still knows it.
 */
useFakeClock(T0);

/** The session whose row is gone too (from before visitScopes): its page minutes are sessionMinutes rows. */
const ROWLESS = sessionId(4);

/** Turns the sessions' rows back into the layout from before: a visitors row each, no firstSeen, and one session without a row. */
async function downgradeToVisitorRows(t: TestConvex): Promise<void> {
  await t.runInStats(async (ctx) => {
    for (const row of await ctx.db.query("visitScopes").collect()) {
      await ctx.db.insert("visitors", { sessionId: row.sessionId, firstSeen: row.firstSeen! });
      if (row.sessionId !== ROWLESS) {
        await ctx.db.patch(row._id, { firstSeen: undefined });
        continue;
      }
      for (const [i, scope] of row.packedMinutes!.scopes.entries()) {
        for (const minute of row.packedMinutes!.minutes[i]) await ctx.db.insert("sessionMinutes", { sessionId: row.sessionId, scope, minute });
      }
      await ctx.db.delete(row._id);
    }
  });
}

const oldVisitorRows = (t: TestConvex) => t.runInStats(async (ctx) => (await ctx.db.query("visitors").collect()).map((row) => row.sessionId).sort());

async function viewFourSessionsThenDowngrade(t: TestConvex): Promise<void> {
  for (let visitor = 1; visitor <= 4; visitor++) await viewPage(t, visitor, `/p${visitor % 2}`);
  await settle(t);
  await downgradeToVisitorRows(t);
  advanceTo(T0 + DAY);
}

describe("upgrading from a visitors row per session", () => {
  test("returning sessions take their old row over and are counted once; the others keep theirs", async () => {
    const t = createTestConvex();
    await viewFourSessionsThenDowngrade(t);
    const before = await storedFigures(t);
    for (const visitor of [1, 2, 4, 5, 6]) await viewPage(t, visitor, "/back");
    await settle(t);

    expect((await t.query(api.stats.getPageViewStats, {})).uniqueVisitors).toBe(6);
    await expectExactFigures(t);
    expect(await oldVisitorRows(t)).toEqual([sessionId(3)]);
    // Every first view is the one from before the upgrade, now on the session's row.
    const firstSeen = await t.runInStats(async (ctx) => Object.fromEntries((await ctx.db.query("visitScopes").collect()).map((row) => [row.sessionId, row.firstSeen ?? null])));
    for (const visitor of [1, 2, 4]) expect(firstSeen[sessionId(visitor)]).toBe(before.firstSeenBySession[sessionId(visitor)]);
    expect(firstSeen[sessionId(5)]).toBe(T0 + DAY);
  });

  test("a session from before whose views raw retention deleted passes the new-visitor cap as the visitor it was", async () => {
    const t = createTestConvex();
    await viewFourSessionsThenDowngrade(t);
    // Its views gone (as raw retention deletes them): its next call finds none and says it is new.
    await t.runInStats(async (ctx) => {
      for (const view of await ctx.db.query("pageViews").collect()) if (view.sessionId === sessionId(1)) await ctx.db.delete(view._id);
    });
    // The site admits no new visitor now: two newcomers take the burst.
    vi.stubEnv("STATS_MAX_NEW_VISITORS_PER_MINUTE", "1");
    vi.spyOn(console, "log").mockImplementation(() => {});
    for (const visitor of [5, 6, 1, 7]) await viewPage(t, visitor, "/back");
    await settle(t);
    vi.mocked(console.log).mockRestore();

    expect((await t.query(api.stats.getPageViewStats, {})).uniqueVisitors).toBe(6);
    const refused = (await t.runInStats((ctx) => ctx.db.query("refusedEvents").collect())).map((row) => row.sessionId);
    expect(refused).toEqual([sessionId(7)]);
    expect(await oldVisitorRows(t)).toEqual([sessionId(2), sessionId(3), sessionId(4)]);
  });
});
