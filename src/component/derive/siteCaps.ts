import type { Doc, Id } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { NEW_VISITOR_PAUSE_MS } from "../../shared/config.js";
import { getNewVisitorPause, siteCapConfig, type SiteCap, type SiteCapName } from "../record/rateLimits.js";
import { visitAt } from "../record/visits.js";
import type { FoldedView } from "./foldPageViews.js";
import { isCountedVisitor, type OldVisitorRows } from "./visitScopes.js";
import { forgetLiveSession, type LiveFold, type SessionState } from "./foldSessions.js";

/**
 * The site-wide caps on new visitors and new pages (prds/collection.md), held
 * by the stats worker, where no visitor waits. A visitor's call records its
 * rows whatever the caps (a new visitor's rows say so); the worker, folding
 * them in commit order, takes a token for each new visitor and each new path
 * at the row's own time, from token buckets that only it writes (the one
 * `siteCaps` row). What a cap refuses it moves out of the source tables into
 * `refusedEvents`, so no figure, recount or backfill ever counts it, and a
 * refused new visitor pauses new visitors at the door for NEW_VISITOR_PAUSE_MS,
 * so a flood stops writing rows. Only the live worker judges: a backfill folds
 * rows the caps already let through.
 */

const MINUTE = 60_000;

type Bucket = NonNullable<Doc<"siteCaps">[SiteCapName]>;

/** A view or heartbeat as the worker's batch carries it: `newVisitor` as the visitor's call stamped it. */
export type CappedView = FoldedView & { newVisitor?: boolean };
export type CappedState = SessionState & { newVisitor?: boolean };

/** What a batch has decided so far, written by finishCapFold. */
export type CapFold = {
  // The views cursor the batch started from: a view committed up to it was folded, so its session and path were let through.
  foldedUpTo: bigint | undefined;
  // The buckets' row and the buckets, once the batch needed a token (null: never used).
  row: Doc<"siteCaps"> | null;
  buckets: Record<SiteCapName, Bucket | null> | undefined;
  // Sessions let through in this batch, and sessions refused (their rows are gone).
  admitted: Set<string>;
  refused: Set<string>;
  // Visits the batch remade (a refused view taken out) or deleted: the worker takes them out of the buckets (derive/foldVisits.ts).
  remade: Map<Id<"visits">, Pick<Doc<"visits">, "_id" | "sessionId" | "start">>;
  // Whether each path met in this batch was let through (before, or by a view of this batch).
  paths: Map<string, boolean>;
  refusedVisitors: number;
  refusedViews: number;
  // Whether sessions from before may still have a `visitors` row of their own (derive/visitScopes.ts).
  oldVisitorRows: OldVisitorRows;
};

/** `oldVisitorRows`: the batch's page-view fold's, so the batch asks once whether any remain. */
export function startCapFold(foldedUpTo: bigint | undefined, oldVisitorRows: OldVisitorRows): CapFold {
  return { foldedUpTo, row: null, buckets: undefined, admitted: new Set(), refused: new Set(), remade: new Map(), paths: new Map(), refusedVisitors: 0, refusedViews: 0, oldVisitorRows };
}

/** True when the worker folds `view`; false when a cap refused it (and it is gone from `pageViews`). */
export async function admitView(ctx: MutationCtx, caps: CapFold, live: LiveFold, view: CappedView, now: number): Promise<boolean> {
  const { sessionId } = view;
  if (caps.refused.has(sessionId)) return false;
  if (view.newVisitor === true && !(await admitsNewVisitor(ctx, caps, live, sessionId, view.timestamp, now))) return false;
  if (await isKnownPath(ctx, caps, view.path)) return true;
  if (!(await takeToken(ctx, caps, "newPaths", view.timestamp))) {
    await refuseView(ctx, caps, view, now);
    return false;
  }
  caps.paths.set(view.path, true);
  return true;
}

/** True when the worker folds this heartbeat; false when its session was refused (and its rows are gone). */
export async function admitSessionState(ctx: MutationCtx, caps: CapFold, live: LiveFold, state: CappedState, now: number): Promise<boolean> {
  if (caps.refused.has(state.sessionId)) return false;
  return state.newVisitor !== true || (await admitsNewVisitor(ctx, caps, live, state.sessionId, state.lastSeen, now));
}

/**
 * Whether a session whose call found it new is let through: already (by an
 * earlier row of this batch, or by the heartbeat that cleared its live row's
 * mark), or as a visitor the figures count (raw retention deleted its views,
 * so its call found none), else if the new-visitor cap has a token at `at`.
 * A refused session's rows all go, whatever cap refused them.
 */
async function admitsNewVisitor(ctx: MutationCtx, caps: CapFold, live: LiveFold, sessionId: string, at: number, now: number): Promise<boolean> {
  if (caps.admitted.has(sessionId)) return true;
  const session = await activeSessionOf(ctx, sessionId);
  if (session?.newVisitor === false) return true;
  if (!(await isCountedVisitor(ctx, caps.oldVisitorRows, sessionId)) && !(await takeToken(ctx, caps, "newVisitors", at))) {
    await refuseSession(ctx, caps, live, sessionId, now);
    return false;
  }
  caps.admitted.add(sessionId);
  if (session?.newVisitor === true) await ctx.db.patch(session._id, { newVisitor: false });
  return true;
}

async function activeSessionOf(ctx: MutationCtx, sessionId: string) {
  return await ctx.db
    .query("activeSessions")
    .withIndex("by_sessionId", (q) => q.eq("sessionId", sessionId))
    .unique();
}

/**
 * Whether `path` was let through before: its oldest view was folded before this
 * batch (a refused one is gone), or it has its page row (its oldest view may
 * have committed a moment after a later one). Read once a batch per path.
 */
async function isKnownPath(ctx: MutationCtx, caps: CapFold, path: string): Promise<boolean> {
  const cached = caps.paths.get(path);
  if (cached !== undefined) return cached;
  const oldest = await ctx.db
    .query("pageViews")
    .withIndex("by_path_timestamp", (q) => q.eq("path", path))
    .first();
  const known =
    (oldest !== null && wasFolded(oldest.committedAt as bigint | undefined, caps.foldedUpTo)) ||
    (await ctx.db
      .query("pathStats")
      .withIndex("by_path", (q) => q.eq("path", path))
      .unique()) !== null;
  caps.paths.set(path, known);
  return known;
}

/** A row from before the worker (no commit timestamp), or one committed up to the cursor, has been folded. */
function wasFolded(committedAt: bigint | undefined, upTo: bigint | undefined): boolean {
  return committedAt === undefined || (upTo !== undefined && committedAt <= upTo);
}

/** Takes one token of cap `name` at time `at` (a row's own time, so the decisions follow the traffic, not the worker's lag). */
async function takeToken(ctx: MutationCtx, caps: CapFold, name: SiteCapName, at: number): Promise<boolean> {
  if (caps.buckets === undefined) {
    caps.row = await ctx.db.query("siteCaps").first();
    caps.buckets = { newVisitors: caps.row?.newVisitors ?? null, newPaths: caps.row?.newPaths ?? null };
  }
  const bucket = refilled(caps.buckets[name], siteCapConfig(name), at);
  const taken = bucket.tokens >= 1;
  caps.buckets[name] = taken ? { tokens: bucket.tokens - 1, at: bucket.at } : bucket;
  return taken;
}

/** The bucket at `at`: full at first, refilled at the cap's rate since its last use (a row a little older than that refills nothing). */
function refilled(bucket: Bucket | null, cap: SiteCap, at: number): Bucket {
  if (bucket === null) return { tokens: cap.capacity, at };
  const tokens = bucket.tokens + (Math.max(0, at - bucket.at) * cap.perMinute) / MINUTE;
  return { tokens: Math.min(cap.capacity, tokens), at: Math.max(at, bucket.at) };
}

/** Moves every row of a session the new-visitor cap refused into `refusedEvents`: its views, its visits, its live row, its place in "active now", its own limits. */
async function refuseSession(ctx: MutationCtx, caps: CapFold, live: LiveFold, sessionId: string, now: number): Promise<void> {
  caps.refused.add(sessionId);
  caps.refusedVisitors++;
  const views = await ctx.db
    .query("pageViews")
    .withIndex("by_session_timestamp", (q) => q.eq("sessionId", sessionId))
    .collect();
  for (const view of views) await moveView(ctx, "newVisitors", view, now);
  const visits = await ctx.db
    .query("visits")
    .withIndex("by_session_start", (q) => q.eq("sessionId", sessionId))
    .collect();
  for (const visit of visits) {
    caps.remade.set(visit._id, visit);
    await ctx.db.delete(visit._id);
  }
  const session = await activeSessionOf(ctx, sessionId);
  if (session !== null) {
    const { currentPath: path, lastSeen: timestamp } = session;
    await ctx.db.insert("refusedEvents", { limit: "newVisitors", kind: "heartbeat", sessionId, path, timestamp, refusedAt: now });
    await ctx.db.delete(session._id);
  }
  // Its calls' places under the per-session limits come back with its rows, as they would had the calls been refused at once.
  await forgetLiveSession(ctx, live, sessionId);
}

/** Moves a view of a new path the new-path cap refused into `refusedEvents`, and takes it out of its visit. */
async function refuseView(ctx: MutationCtx, caps: CapFold, view: CappedView, now: number): Promise<void> {
  caps.refusedViews++;
  const row = await ctx.db
    .query("pageViews")
    .withIndex("by_session_path_timestamp", (q) => q.eq("sessionId", view.sessionId).eq("path", view.path).eq("timestamp", view.timestamp))
    .first();
  if (row === null) return;
  await moveView(ctx, "newPaths", row, now);
  await dropFromVisit(ctx, caps, view.sessionId, view.timestamp);
}

async function moveView(ctx: MutationCtx, limit: SiteCapName, view: Doc<"pageViews">, now: number): Promise<void> {
  const { sessionId, path, pageType, timestamp } = view;
  await ctx.db.insert("refusedEvents", { limit, kind: "pageview", sessionId, path, pageType, timestamp, refusedAt: now });
  await ctx.db.delete(view._id);
}

/** The visit that held a refused view, made again from the views it has left (none left: the visit goes). */
async function dropFromVisit(ctx: MutationCtx, caps: CapFold, sessionId: string, at: number): Promise<void> {
  const visit = await visitAt(ctx, sessionId, at);
  if (visit === null || at > visit.lastActivity) return;
  caps.remade.set(visit._id, visit);
  const views = await ctx.db
    .query("pageViews")
    .withIndex("by_session_timestamp", (q) => q.eq("sessionId", sessionId).gte("timestamp", visit.start).lte("timestamp", visit.lastActivity))
    .collect();
  const [first, last] = [views.at(0), views.at(-1)];
  if (first === undefined || last === undefined) await ctx.db.delete(visit._id);
  else await ctx.db.patch(visit._id, { start: first.timestamp, views: views.length, entryPage: first.path, exitPage: last.path, committedAt: ctx.db.vars.commitTs });
}

/** Writes the buckets the batch used, and, when it refused a new visitor, pauses new visitors at the door. */
export async function finishCapFold(ctx: MutationCtx, caps: CapFold, now: number): Promise<void> {
  if (caps.buckets !== undefined) {
    const buckets = { newVisitors: caps.buckets.newVisitors ?? undefined, newPaths: caps.buckets.newPaths ?? undefined };
    if (caps.row === null) await ctx.db.insert("siteCaps", buckets);
    else await ctx.db.patch(caps.row._id, buckets);
  }
  if (caps.refusedVisitors > 0) {
    const until = now + NEW_VISITOR_PAUSE_MS;
    const pause = await getNewVisitorPause(ctx);
    if (pause === null) await ctx.db.insert("newVisitorPause", { until });
    else if (pause.until < until) await ctx.db.patch(pause._id, { until });
  }
  const refused = [
    ...(caps.refusedVisitors > 0 ? [`${caps.refusedVisitors} new visitors over STATS_MAX_NEW_VISITORS_PER_MINUTE`] : []),
    ...(caps.refusedViews > 0 ? [`${caps.refusedViews} views of new paths over STATS_MAX_NEW_PATHS_PER_MINUTE`] : []),
  ];
  if (refused.length > 0) console.log(`[caps] left out of every figure (kept in refusedEvents): ${refused.join(", ")}`);
}
