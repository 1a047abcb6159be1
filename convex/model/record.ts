import type { MutationCtx } from "../_generated/server";
import { DEDUP_WINDOW_MS, HEARTBEAT_DEDUP_MS, type PageType } from "./config";
import type { VisitAttributes } from "./visitAttributes";
import { recordVisitActivity, recordVisitView } from "./visits";
import { pingStatsWorker } from "./wakeWorker";

/**
 * The hot path: what a visitor's own mutation does. It reads and writes only
 * its own session's documents and appends rows, then pings the stats worker,
 * which derives every figure from them in the background. Two visitors never
 * write a document the other reads (prds/howtoavoidwriteconflicts.md).
 */

export type PageViewInput = { path: string; pageType: PageType; sessionId: string };
export type RecordResult = { recorded: boolean; newVisitor: boolean };

/** Appends one view (and counts it in the session's visit) unless this session viewed this path within the dedup window. */
export async function recordPageView(ctx: MutationCtx, input: PageViewInput, attributes: VisitAttributes, now: number): Promise<RecordResult> {
  const ownViews = ctx.db.query("pageViews").withIndex("by_session_path_timestamp", (q) => q.eq("sessionId", input.sessionId));
  // A session with no view yet has nothing to deduplicate (and this range read still serializes its own racing calls).
  const newVisitor = (await ownViews.first()) === null;
  if (!newVisitor) {
    const recent = await ctx.db
      .query("pageViews")
      .withIndex("by_session_path_timestamp", (q) =>
        q.eq("sessionId", input.sessionId).eq("path", input.path).gt("timestamp", now - DEDUP_WINDOW_MS),
      )
      .first();
    if (recent !== null) return { recorded: false, newVisitor: false };
  }
  await ctx.db.insert("pageViews", { ...input, timestamp: now, committedAt: ctx.db.vars.commitTs });
  await recordVisitView(ctx, input, attributes, now);
  await pingStatsWorker(ctx);
  return { recorded: true, newVisitor };
}

/**
 * Upserts the session's own row. A same-path repeat inside HEARTBEAT_DEDUP_MS
 * writes nothing; any other heartbeat restamps `committedAt`, so the worker
 * folds the change once.
 */
export async function heartbeat(ctx: MutationCtx, sessionId: string, currentPath: string, now: number): Promise<void> {
  const session = await ctx.db
    .query("activeSessions")
    .withIndex("by_sessionId", (q) => q.eq("sessionId", sessionId))
    .unique();
  if (session !== null && session.currentPath === currentPath && now - session.lastSeen < HEARTBEAT_DEDUP_MS) return;
  const state = { sessionId, currentPath, lastSeen: now, committedAt: ctx.db.vars.commitTs };
  if (session === null) await ctx.db.insert("activeSessions", state);
  else await ctx.db.patch(session._id, state);
  await recordVisitActivity(ctx, sessionId, now);
  await pingStatsWorker(ctx);
}
