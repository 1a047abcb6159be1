import { afterEach, expect, it } from "vitest";
import type { Doc } from "../../src/component/_generated/dataModel";
import { LocalDeployment, type ComponentCtx } from "../../tools/local-convex/deployment";

// The emulator reads index ranges from sorted indexes (tools/local-convex/indexedQueries.ts):
// every range must read what walking the whole table would, whether the rows are committed or
// the call's own writes (inserted, patched, deleted), and whatever the bounds. The tables are the blog's
// stats component's (where every indexed read of the engine happens).

let deployment: LocalDeployment | undefined;

afterEach(async () => {
  await deployment?.close();
  deployment = undefined;
});

type Minute = Doc<"sessionMinutes">;
type Bounds = { sessionId?: string; scope?: string; low?: { minute: number; strict: boolean }; high?: { minute: number; strict: boolean } };

const SESSIONS = ["a", "b", "c"];
const SCOPES = ["", "/x", "source:Google"];

/** Every range shape an index range can have on by_session_scope_minute: a prefix of equalities, then bounds on the next field. */
function boundsToTry(): Bounds[] {
  const cases: Bounds[] = [{}, { sessionId: "b" }, { sessionId: "zzz" }];
  for (const sessionId of SESSIONS) {
    for (const scope of SCOPES) {
      cases.push({ sessionId, scope });
      for (const [low, high] of [[3, 7], [0, 0], [5, 4], [-1, 100], [7, undefined], [undefined, 2]] as const) {
        for (const strict of [false, true]) {
          cases.push({
            sessionId,
            scope,
            low: low === undefined ? undefined : { minute: low, strict },
            high: high === undefined ? undefined : { minute: high, strict: !strict },
          });
        }
      }
    }
  }
  return cases;
}

const matches = (row: Minute, { sessionId, scope, low, high }: Bounds) =>
  (sessionId === undefined || row.sessionId === sessionId) &&
  (scope === undefined || row.scope === scope) &&
  (low === undefined || (low.strict ? row.minute > low.minute : row.minute >= low.minute)) &&
  (high === undefined || (high.strict ? row.minute < high.minute : row.minute <= high.minute));

const indexOrder = (a: Minute, b: Minute) =>
  a.sessionId.localeCompare(b.sessionId) || a.scope.localeCompare(b.scope) || a.minute - b.minute || a._creationTime - b._creationTime;

/** Each range read through the index, beside the table's rows filtered and sorted by hand; returns the ones that differ. */
async function differences(ctx: ComponentCtx): Promise<string[]> {
  const all = await ctx.db.query("sessionMinutes").collect();
  const found: string[] = [];
  for (const bounds of boundsToTry()) {
    const { sessionId, scope, low, high } = bounds;
    const range = ctx.db.query("sessionMinutes").withIndex("by_session_scope_minute", (q) => {
      if (sessionId === undefined) return q;
      const bySession = q.eq("sessionId", sessionId);
      if (scope === undefined) return bySession;
      const byScope = bySession.eq("scope", scope);
      const from = low === undefined ? byScope : low.strict ? byScope.gt("minute", low.minute) : byScope.gte("minute", low.minute);
      return high === undefined ? from : high.strict ? from.lt("minute", high.minute) : from.lte("minute", high.minute);
    });
    const want = all.filter((row) => matches(row, bounds)).sort(indexOrder);
    const got = await range.collect();
    const ids = (rows: Minute[]) => rows.map((row) => `${row.sessionId}/${row.scope}/${row.minute}`).join(" ");
    if (ids(got) !== ids(want)) found.push(`${JSON.stringify(bounds)}: ${ids(got)} ≠ ${ids(want)}`);
    const lastTwo = await ctx.db
      .query("sessionMinutes")
      .withIndex("by_session_scope_minute", (q) => (sessionId === undefined ? q : q.eq("sessionId", sessionId)))
      .order("desc")
      .take(2);
    const wantLastTwo = all.filter((row) => sessionId === undefined || row.sessionId === sessionId).sort(indexOrder).reverse().slice(0, 2);
    if (ids(lastTwo) !== ids(wantLastTwo)) found.push(`desc take 2 of ${sessionId}: ${ids(lastTwo)} ≠ ${ids(wantLastTwo)}`);
  }
  return found;
}

it("reads each index range as a walk of the whole table would: committed rows, the call's own inserts, patches and deletes", async () => {
  deployment = await LocalDeployment.create({ runCronsOnSchedule: false });
  const rows = SESSIONS.flatMap((sessionId) => SCOPES.flatMap((scope) => Array.from({ length: 8 }, (_, minute) => ({ sessionId, scope, minute: minute * 2 }))));
  const found: string[] = [];
  await deployment.runInComponent("liveStats", async (ctx) => {
    for (const row of rows.filter((_, i) => i % 2 === 0)) await ctx.db.insert("sessionMinutes", row);
    // Queried while the call's first writes are pending, then committed.
    found.push(...(await differences(ctx)));
  });
  await deployment.runInComponent("liveStats", async (ctx) => {
    found.push(...(await differences(ctx)));
    for (const row of rows.filter((_, i) => i % 2 === 1)) await ctx.db.insert("sessionMinutes", row);
    found.push(...(await differences(ctx)));
    const committed = await ctx.db.query("sessionMinutes").collect();
    // Moved within their range and out of it, moved twice, deleted: each read sees the latest.
    for (const [i, row] of committed.entries()) {
      if (i % 5 === 0) await ctx.db.patch(row._id, { minute: row.minute + 1 });
      if (i % 7 === 0) await ctx.db.patch(row._id, { sessionId: "b", minute: 5 });
      if (i % 11 === 0) await ctx.db.delete(row._id);
    }
    found.push(...(await differences(ctx)));
  });
  await deployment.runInComponent("liveStats", async (ctx) => {
    found.push(...(await differences(ctx)));
  });
  expect(found).toEqual([]);
});

it("reads a range of commit timestamps, the call's own rows (their timestamp still to come) after every committed one", async () => {
  deployment = await LocalDeployment.create({ runCronsOnSchedule: false });
  const view = { path: "/", pageType: "home", sessionId: "s", timestamp: 0 };
  const insert = (ctx: ComponentCtx, n: number) => ctx.db.insert("pageViews", { ...view, timestamp: n, committedAt: ctx.db.vars.commitTs });
  await deployment.runInComponent("liveStats", async (ctx) => void (await insert(ctx, 1)));
  await deployment.runInComponent("liveStats", async (ctx) => void (await insert(ctx, 2)));
  const seen: number[][] = [];
  await deployment.runInComponent("liveStats", async (ctx) => {
    await insert(ctx, 3);
    const first = (await ctx.db.query("pageViews").withIndex("by_timestamp", (q) => q.eq("timestamp", 1)).unique()) as Doc<"pageViews">;
    const after = await ctx.db
      .query("pageViews")
      .withIndex("by_committedAt", (q) => q.gt("committedAt", first.committedAt!))
      .collect();
    seen.push(after.map((row) => row.timestamp));
    seen.push((await ctx.db.query("pageViews").withIndex("by_committedAt").order("desc").take(2)).map((row) => row.timestamp));
  });
  expect(seen).toEqual([
    [2, 3],
    [3, 2],
  ]);
});
