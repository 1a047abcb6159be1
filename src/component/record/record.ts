import { v, type Infer } from "convex/values";
import type { MutationCtx } from "../_generated/server.js";
import { DEDUP_WINDOW_MS, LIVE_ROW_REFRESH_MS, SESSION_TIMEOUT_MS, type PageType } from "../../shared/config.js";
import { enforceNewVisitorPause, enforceViewLimit, takePageChangeToken } from "./rateLimits.js";
import { assertValidPageType, canonicalPath, canonicalSessionId, checkedScrollDepth } from "../../shared/validation.js";
import { isBotUserAgent, visitAttributes, vVisitContext, type VisitAttributes } from "./visitAttributes.js";
import { beatVisit, openVisitOf, recordVisitView } from "./visits.js";
import { pingStatsWorker } from "./wakeWorker.js";

/**
 * The hot path: what a visitor's own call does, from the React tracker's
 * mutations and from POST /api/event alike. It reads and writes only its own
 * session's documents (its rate-limit buckets among them) and appends rows,
 * then pings the stats worker, which derives every figure from them in the
 * background and holds new visitors and new paths to the site-wide caps
 * (derive/siteCaps.ts). Two visitors never write a document the other reads
 * (prds/howtoavoidwriteconflicts.md).
 */

/** A view as a client sends it: `visit` is the browser's context (prds/visits.md) for the visit it may start. */
export const vPageViewRequest = { path: v.string(), pageType: v.string(), sessionId: v.string(), visit: v.optional(vVisitContext) };
export type PageViewRequest = Infer<ReturnType<typeof v.object<typeof vPageViewRequest>>>;

export type PageViewInput = { path: string; pageType: PageType; sessionId: string };
export type RecordResult = { recorded: boolean; newVisitor: boolean };

/** Checks a client's view and makes it canonical, then records it; a bot's records nothing. Throws INVALID_ARGUMENT or RATE_LIMITED. */
export async function recordPageViewRequest(ctx: MutationCtx, request: PageViewRequest, now: number): Promise<RecordResult> {
  assertValidPageType(request.pageType);
  const input = { path: canonicalPath(request.path), pageType: request.pageType, sessionId: canonicalSessionId(request.sessionId) };
  const attributes = visitAttributes(request.visit);
  if (isBotUserAgent(request.visit?.userAgent)) return { recorded: false, newVisitor: false };
  return await recordPageView(ctx, input, attributes, now);
}

/**
 * Checks a client's heartbeat (`pathField` names its path in the caller's terms) and records it, with the page's deepest
 * scroll so far when it reports one (0–100). Throws INVALID_ARGUMENT or RATE_LIMITED.
 */
export async function heartbeatRequest(ctx: MutationCtx, sessionId: string, path: string, now: number, pathField = "currentPath", scrollDepth?: number): Promise<void> {
  await heartbeat(ctx, canonicalSessionId(sessionId), canonicalPath(path, pathField), now, scrollDepth === undefined ? undefined : checkedScrollDepth(scrollDepth));
}

/** Appends one view (and counts it in the session's visit) unless this session viewed this path within the dedup window. */
export async function recordPageView(ctx: MutationCtx, input: PageViewInput, attributes: VisitAttributes, now: number): Promise<RecordResult> {
  // A session with no view yet has nothing to deduplicate (and this range read still serializes its own racing calls).
  const newVisitor = !(await hasViewed(ctx, input.sessionId));
  if (!newVisitor) {
    const recent = await ctx.db
      .query("pageViews")
      .withIndex("by_session_path_timestamp", (q) =>
        q.eq("sessionId", input.sessionId).eq("path", input.path).gt("timestamp", now - DEDUP_WINDOW_MS),
      )
      .first();
    if (recent !== null) return { recorded: false, newVisitor: false };
    // A session with no view yet is under its view limit too: no read.
    await enforceViewLimit(ctx, input.sessionId, now);
  }
  if (newVisitor && (await liveSessionOf(ctx, input.sessionId)) === null) await enforceNewVisitorPause(ctx, now);
  // Whether the path is new is the worker's question: asked here, its answer would tell anyone which paths were ever viewed.
  await ctx.db.insert("pageViews", { ...input, timestamp: now, committedAt: ctx.db.vars.commitTs, ...(newVisitor ? { newVisitor } : {}) });
  await recordVisitView(ctx, input, attributes, now);
  await pingStatsWorker(ctx);
  return { recorded: true, newVisitor };
}

/**
 * A heartbeat: the session is here, on this page, now. A session with an open
 * visit keeps that on the visit, one document read and at most one written
 * (record/visits.ts beatVisit); one with none (back after VISIT_TIMEOUT_MS, or
 * beating before its first view) on its own live row. A beat that changes
 * "active now" wakes the worker (while it waits out a debounce, a ping only
 * reads its worker document); one that only keeps a session live or extends
 * its visit waits for the worker's next run.
 */
export async function heartbeat(ctx: MutationCtx, sessionId: string, currentPath: string, now: number, scrollDepth?: number): Promise<void> {
  const visit = await openVisitOf(ctx, sessionId, now);
  const scroll = scrollDepth === undefined ? undefined : { path: currentPath, depth: scrollDepth };
  const changed = visit === null ? await beatLiveRow(ctx, sessionId, currentPath, now) : await beatVisit(ctx, visit, currentPath, now, scroll);
  if (changed) await pingStatsWorker(ctx);
}

/**
 * Upserts the live row of a session with no open visit (a beat's scroll has no visit to go to; true when the beat
 * changes "active now"). A same-path repeat inside LIVE_ROW_REFRESH_MS of the row's last write writes nothing; a new
 * page takes a token of the row's page-change limit. A session with no view that inserts its row is a new visitor:
 * the row says so until the worker admits it.
 */
async function beatLiveRow(ctx: MutationCtx, sessionId: string, currentPath: string, now: number): Promise<boolean> {
  const session = await liveSessionOf(ctx, sessionId);
  const samePage = session !== null && session.currentPath === currentPath;
  if (samePage && now - session.lastSeen < LIVE_ROW_REFRESH_MS) return false;
  // A same-page beat passes at most once per LIVE_ROW_REFRESH_MS, under the limit already: only a new page takes a token.
  const pageChanges = samePage ? session.pageChanges : takePageChangeToken(session, now);
  const state = { sessionId, currentPath, lastSeen: now, committedAt: ctx.db.vars.commitTs, ...(pageChanges === undefined ? {} : { pageChanges }) };
  if (session !== null) await ctx.db.patch(session._id, state);
  else if (await hasViewed(ctx, sessionId)) await ctx.db.insert("activeSessions", state);
  else {
    await enforceNewVisitorPause(ctx, now);
    await ctx.db.insert("activeSessions", { ...state, newVisitor: true });
  }
  return session === null || !samePage || now - session.lastSeen >= SESSION_TIMEOUT_MS;
}

/** The session's own live row, if it has sent a heartbeat lately. */
async function liveSessionOf(ctx: MutationCtx, sessionId: string) {
  return await ctx.db
    .query("activeSessions")
    .withIndex("by_sessionId", (q) => q.eq("sessionId", sessionId))
    .unique();
}

/** Whether the session has recorded a view: one that has not is a new visitor, held by the pause on new visitors. */
export async function hasViewed(ctx: MutationCtx, sessionId: string): Promise<boolean> {
  const first = await ctx.db.query("pageViews").withIndex("by_session_path_timestamp", (q) => q.eq("sessionId", sessionId)).first();
  return first !== null;
}
