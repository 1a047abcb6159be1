import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { VISIT_SETTLE_GRACE_MS, VISIT_TIMEOUT_MS } from "../../shared/config.js";
import { foldCommittedChange, settleVisit } from "./foldVisits.js";
import type { TimeFold } from "./timeBuckets.js";
import { getRawRetention } from "../operate/retiredRows.js";
import { getSnapshotCore, mayPublishSettled } from "./openVisitSnapshot.js";

/**
 * Settling: once a visit has ended (no activity for VISIT_TIMEOUT_MS, plus a
 * grace for clocks), the stats worker folds its last change, if it had not
 * yet, and drops what it kept to fold the next (derive/foldVisits.ts): its
 * figures are final. Visits are settled in `by_lastActivity` order from a
 * cursor. A visit never folded as it happened (recorded before visits had
 * `committedAt`) is folded whole here; the backfill runs the same step from
 * an empty cursor.
 */

export type SettlementCursor = Pick<Doc<"visitSettlement">, "lastActivity" | "creationTime" | "blocksFrom" | "stepsFrom">;

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

/** Whether some visit had ended more than the grace ago by `at`: the first one not settled (one read), asked at any time. */
export async function endedVisitsBy(ctx: QueryCtx): Promise<(at: number) => boolean> {
  const next = await unsettledVisits(ctx, await getSettlementCursor(ctx)).first();
  return (at) => next !== null && next.lastActivity < settleBefore(at);
}

/** True when a visit is due to settle: it has ended, and the snapshot of visits in progress, published with settling, may be (derive/openVisitSnapshot.ts). */
export async function hasVisitToSettle(ctx: QueryCtx, now: number): Promise<boolean> {
  const endedBy = await endedVisitsBy(ctx);
  return endedBy(now) && mayPublishSettled(await getSnapshotCore(ctx), now, endedBy);
}

const DAY = 24 * 60 * 60 * 1000;

const settleBefore = (now: number) => now - VISIT_TIMEOUT_MS - VISIT_SETTLE_GRACE_MS;

/** True when the visit is at or before the cursor: settled. */
export const isSettled = (visit: Pick<Doc<"visits">, "lastActivity" | "_creationTime">, cursor: SettlementCursor | null) =>
  cursor !== null && (visit.lastActivity < cursor.lastActivity || (visit.lastActivity === cursor.lastActivity && visit._creationTime <= cursor.creationTime));

/**
 * Settles ended visits in order while `hasBudget` allows, and saves the
 * cursor; `exhausted` when no ended visit is left.
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
    await settleVisit(ctx, fold, visit);
    cursor = { lastActivity: visit.lastActivity, creationTime: visit._creationTime };
    // Folding a later visit of the session must see this one settled (derive/foldVisits.ts).
    fold.settlement = cursor;
    settled++;
  }
  if (settled > 0) {
    // Visits settled before visit blocks began are in none: blocks hold every visit that starts after the cursor then.
    // A first settling (a new site, or a backfill's) packs every visit there is: those raw retention deleted are gone.
    if (saved === null) {
      const blocksFrom = (await getRawRetention(ctx))?.deletedBefore ?? 0;
      await ctx.db.insert("visitSettlement", { ...cursor!, blocksFrom, stepsFrom: blocksFrom });
    } else {
      // Blocks begun before they held steps give their earlier visits none: steps are whole from the next UTC day.
      const stepsFrom = saved.stepsFrom ?? Math.floor(now / DAY) * DAY + DAY;
      await ctx.db.patch(saved._id, { ...cursor!, blocksFrom: saved.blocksFrom ?? saved.lastActivity, stepsFrom });
    }
  }
  return { settled, exhausted };
}

/**
 * Folds every visit not settled (those still open) as it is now, while
 * `hasBudget` allows; `exhausted` once all are. The backfill's last step:
 * its reset emptied what they had folded, and a visit that changes no more
 * would otherwise count only once it settles.
 */
export async function foldUnsettledVisits(ctx: MutationCtx, fold: TimeFold, hasBudget: () => Promise<boolean>): Promise<{ folded: number; exhausted: boolean }> {
  let folded = 0;
  for await (const visit of unsettledVisits(ctx, await getSettlementCursor(ctx))) {
    if (!(await hasBudget())) return { folded, exhausted: false };
    await foldCommittedChange(ctx, fold, visit);
    folded++;
  }
  return { folded, exhausted: true };
}
