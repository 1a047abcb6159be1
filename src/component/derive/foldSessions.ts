import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { SESSION_TIMEOUT_MS } from "../../shared/config.js";
import { addToCounters, countAtLeastZero } from "./counters.js";
import { currentPageOf } from "../record/visits.js";

/**
 * The derivation of "active now", run by the stats worker (and by a backfill
 * over sessions' rows). A session's live state comes from its open visit's
 * changes (a view, a heartbeat: its page and last activity) or, with no open
 * visit, from its live row's; each fold keeps the latest `lastSeen` (the later
 * fold on a tie: a visit that changes at its live row's last instant came
 * after it), so the two sources agree. `liveSessions` is the worker's
 * record of each session it counts; a page's live count and the site's move
 * with it, in the same transaction, so they are exact by construction.
 */

export type SessionState = Pick<Doc<"activeSessions">, "sessionId" | "currentPath" | "lastSeen">;

/** What a change of an open visit says of its session: on its current page at its last activity. */
export function liveStateOf(visit: Pick<Doc<"visits">, "sessionId" | "currentPath" | "exitPage" | "lastActivity">): SessionState {
  return { sessionId: visit.sessionId, currentPath: currentPageOf(visit), lastSeen: visit.lastActivity };
}

/** How each page's live count, and the site's, changed in this batch. */
export type LiveFold = { pages: Map<string, number>; sessions: number };

export function startLiveFold(): LiveFold {
  return { pages: new Map(), sessions: 0 };
}

const isIdle = (lastSeen: number, now: number) => lastSeen < now - SESSION_TIMEOUT_MS;

/**
 * How long until the first live session passes the timeout (1 ms past it, when isIdle holds), or null when none is
 * live: the idle worker wakes itself then, so "active now" drops on time without traffic or a cron.
 */
export async function untilNextExpiry(ctx: QueryCtx, now: number): Promise<number | null> {
  const first = await ctx.db.query("liveSessions").withIndex("by_lastSeen").first();
  return first === null ? null : Math.max(0, first.lastSeen + SESSION_TIMEOUT_MS + 1 - now);
}

/** Whether some live session is past the timeout and waits for the worker to take it off "active now". */
export async function hasLiveSessionPastTimeout(ctx: QueryCtx, now: number): Promise<boolean> {
  const first = await ctx.db.query("liveSessions").withIndex("by_lastSeen", (q) => q.lt("lastSeen", now - SESSION_TIMEOUT_MS)).first();
  return first !== null;
}

function move(fold: LiveFold, path: string, delta: number): void {
  fold.pages.set(path, (fold.pages.get(path) ?? 0) + delta);
}

async function getLiveSession(ctx: MutationCtx, sessionId: string) {
  return await ctx.db
    .query("liveSessions")
    .withIndex("by_sessionId", (q) => q.eq("sessionId", sessionId))
    .unique();
}

/** Applies a session's latest live state: a new live session, a move to another page, or a later `lastSeen`. */
export async function foldSessionState(ctx: MutationCtx, fold: LiveFold, state: SessionState, now: number): Promise<void> {
  if (isIdle(state.lastSeen, now)) return;
  const { sessionId, currentPath: path, lastSeen } = state;
  const live = await getLiveSession(ctx, sessionId);
  if (live === null) {
    await ctx.db.insert("liveSessions", { sessionId, path, lastSeen });
    move(fold, path, +1);
    fold.sessions++;
    return;
  }
  if (lastSeen < live.lastSeen) return;
  if (live.path !== path) {
    move(fold, live.path, -1);
    move(fold, path, +1);
  }
  if (live.path !== path || lastSeen > live.lastSeen) await ctx.db.patch(live._id, { path, lastSeen });
}

/** Ends a live session whose last heartbeat is past the timeout (checked again: a fold may have renewed it). */
export async function expireSession(ctx: MutationCtx, fold: LiveFold, sessionId: string, now: number): Promise<void> {
  const live = await getLiveSession(ctx, sessionId);
  if (live !== null && isIdle(live.lastSeen, now)) await endLiveSession(ctx, fold, live);
}

/** Takes a session the new-visitor cap refused off "active now", if a heartbeat of it was counted before its refusal. */
export async function forgetLiveSession(ctx: MutationCtx, fold: LiveFold, sessionId: string): Promise<void> {
  const live = await getLiveSession(ctx, sessionId);
  if (live !== null) await endLiveSession(ctx, fold, live);
}

async function endLiveSession(ctx: MutationCtx, fold: LiveFold, live: Doc<"liveSessions">): Promise<void> {
  await ctx.db.delete(live._id);
  move(fold, live.path, -1);
  fold.sessions--;
}

/** Writes each page's new live count (a page nobody is on loses its row) and the site's, none below 0. */
export async function finishLiveFold(ctx: MutationCtx, fold: LiveFold): Promise<void> {
  for (const [path, delta] of fold.pages) {
    if (delta === 0) continue;
    const row = await ctx.db
      .query("activePages")
      .withIndex("by_path", (q) => q.eq("path", path))
      .unique();
    const visitors = countAtLeastZero(`the live visitors of ${JSON.stringify(path)}`, (row?.visitors ?? 0) + delta);
    if (row === null) {
      if (visitors > 0) await ctx.db.insert("activePages", { path, visitors });
    } else if (visitors === 0) await ctx.db.delete(row._id);
    else await ctx.db.patch(row._id, { visitors });
  }
  await addToCounters(ctx, { liveSessions: fold.sessions });
}
