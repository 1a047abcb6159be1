import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { VISIT_SETTLE_GRACE_MS, VISIT_TIMEOUT_MS } from "../../shared/config.js";
import { foldVisitIntoTime, type TimeFold } from "./timeBuckets.js";

/**
 * Settling: the stats worker counts each visit into time buckets once, when
 * it has ended (no activity for VISIT_TIMEOUT_MS, plus a grace for clocks),
 * so its figures are final and a visitor's heartbeats never rewrite buckets.
 * Visits are settled in `by_lastActivity` order from a cursor; the queries
 * add the visits after the cursor (open, or ended and not yet settled) as
 * they read them (component/read/timeStats.ts). The backfill runs the same step from
 * an empty cursor.
 */

export type SettlementCursor = Pick<Doc<"visitSettlement">, "lastActivity" | "creationTime">;

export async function getSettlementCursor(ctx: QueryCtx): Promise<SettlementCursor | null> {
  return await ctx.db.query("visitSettlement").first();
}

/** Visits not settled yet (open, or ended but not yet counted), in settling order. */
export function unsettledVisits(ctx: QueryCtx, cursor: SettlementCursor | null) {
  return ctx.db
    .query("visits")
    .withIndex("by_lastActivity", (q) => (cursor === null ? q : q.gte("lastActivity", cursor.lastActivity)))
    .filter((q) => (cursor === null ? true : q.or(q.gt(q.field("lastActivity"), cursor.lastActivity), q.gt(q.field("_creationTime"), cursor.creationTime))));
}

/** True when a visit is due to settle: it ended more than the grace ago. */
export async function hasVisitToSettle(ctx: QueryCtx, now: number): Promise<boolean> {
  const next = await unsettledVisits(ctx, await getSettlementCursor(ctx)).first();
  return next !== null && next.lastActivity < settleBefore(now);
}

const settleBefore = (now: number) => now - VISIT_TIMEOUT_MS - VISIT_SETTLE_GRACE_MS;

/**
 * Settles ended visits in order while `hasBudget` allows, and saves the
 * cursor; `exhausted` when no ended visit is left. Each visit reads its views
 * once, for the first view of each page it saw.
 */
export async function settleEndedVisits(
  ctx: MutationCtx,
  fold: TimeFold,
  now: number,
  hasBudget: () => Promise<boolean>,
): Promise<{ settled: number; exhausted: boolean }> {
  const saved = await ctx.db.query("visitSettlement").first();
  let cursor: SettlementCursor | null = saved;
  let settled = 0;
  let exhausted = true;
  for await (const visit of unsettledVisits(ctx, saved)) {
    if (visit.lastActivity >= settleBefore(now)) break;
    if (!(await hasBudget())) {
      exhausted = false;
      break;
    }
    await foldVisitIntoTime(ctx, fold, visit, await firstViewOfEachPage(ctx, visit));
    cursor = { lastActivity: visit.lastActivity, creationTime: visit._creationTime };
    settled++;
  }
  if (settled > 0) {
    if (saved === null) await ctx.db.insert("visitSettlement", cursor!);
    else await ctx.db.patch(saved._id, cursor!);
  }
  return { settled, exhausted };
}

/** Each page the visit viewed, with the time of its first view there. */
async function firstViewOfEachPage(ctx: QueryCtx, visit: Pick<Doc<"visits">, "sessionId" | "start" | "lastActivity">): Promise<Map<string, number>> {
  const views = await ctx.db
    .query("pageViews")
    .withIndex("by_session_timestamp", (q) => q.eq("sessionId", visit.sessionId).gte("timestamp", visit.start).lte("timestamp", visit.lastActivity))
    .collect();
  const first = new Map<string, number>();
  for (const view of views) if (!first.has(view.path)) first.set(view.path, view.timestamp);
  return first;
}
