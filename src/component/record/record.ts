import { v, type Infer } from "convex/values";
import type { MutationCtx } from "../_generated/server.js";
import { DEDUP_WINDOW_MS, HEARTBEAT_DEDUP_MS, HEARTBEAT_VISIT_GAP_MS, LIVE_ROW_REFRESH_MS, SESSION_TIMEOUT_MS, type PageType } from "../../shared/config.js";
import { enforceNewVisitorPause, enforceViewLimit, takePageChangeToken } from "./rateLimits.js";
import { assertValidPageType, canonicalPath, canonicalSessionId, checkedScrollDepth } from "../../shared/validation.js";
import { isBotUserAgent, visitAttributes, vVisitContext, type VisitAttributes } from "./visitAttributes.js";
import { recordVisitActivity, recordVisitView } from "./visits.js";
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
 * Upserts the session's own row. A same-path repeat inside HEARTBEAT_DEDUP_MS
 * of the row's last write writes nothing; a same-path beat inside
 * LIVE_ROW_REFRESH_MS extends only the visit (the row stays live a minute
 * more: prds/collection.md); any other heartbeat restamps `committedAt`, so
 * the worker folds the change once. A session with no view that inserts its
 * row is a new visitor: the row says so until the worker admits it. A beat's
 * `scrollDepth` raises its page's deepest scroll in the visit, in the same
 * write; inside the dedup window it writes only that, and only when deeper.
 */
export async function heartbeat(ctx: MutationCtx, sessionId: string, currentPath: string, now: number, scrollDepth?: number): Promise<void> {
  const session = await liveSessionOf(ctx, sessionId);
  const samePage = session !== null && session.currentPath === currentPath;
  const scroll = scrollDepth === undefined ? undefined : { path: currentPath, depth: scrollDepth };
  if (samePage && now - session.lastSeen < HEARTBEAT_DEDUP_MS) {
    // A deeper scroll is news the worker folds (at most 101 writes a page); the beat's activity waits for the next one.
    if (scroll !== undefined && (await recordVisitActivity(ctx, sessionId, now, scroll, Infinity))) await pingStatsWorker(ctx);
    return;
  }
  if (!samePage || now - session.lastSeen >= LIVE_ROW_REFRESH_MS) {
    // A same-page beat passes the dedup at most once per HEARTBEAT_DEDUP_MS, under the limit already: only a new page takes a token.
    const pageChanges = samePage ? session.pageChanges : takePageChangeToken(session, now);
    const state = { sessionId, currentPath, lastSeen: now, committedAt: ctx.db.vars.commitTs, ...(pageChanges === undefined ? {} : { pageChanges }) };
    if (session !== null) await ctx.db.patch(session._id, state);
    else if (await hasViewed(ctx, sessionId)) await ctx.db.insert("activeSessions", state);
    else {
      await enforceNewVisitorPause(ctx, now);
      await ctx.db.insert("activeSessions", { ...state, newVisitor: true });
    }
  }
  // The dedup counts from the live row's last write, up to LIVE_ROW_REFRESH_MS old: the visit's own last activity bounds a loop of beats.
  const extendsVisit = await recordVisitActivity(ctx, sessionId, now, scroll, HEARTBEAT_VISIT_GAP_MS);
  // A heartbeat that changes "active now" or a visit's duration wakes the worker (while it waits out a debounce, a ping
  // only reads its worker document); one that only keeps a live session live waits for its next run.
  const changesActiveNow = session === null || session.currentPath !== currentPath || now - session.lastSeen >= SESSION_TIMEOUT_MS;
  if (changesActiveNow || extendsVisit) await pingStatsWorker(ctx);
}

/** The session's own live row, if it has sent a heartbeat lately. */
async function liveSessionOf(ctx: MutationCtx, sessionId: string) {
  return await ctx.db
    .query("activeSessions")
    .withIndex("by_sessionId", (q) => q.eq("sessionId", sessionId))
    .unique();
}

async function hasViewed(ctx: MutationCtx, sessionId: string): Promise<boolean> {
  const first = await ctx.db.query("pageViews").withIndex("by_session_path_timestamp", (q) => q.eq("sessionId", sessionId)).first();
  return first !== null;
}
