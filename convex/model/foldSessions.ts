import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { SESSION_TIMEOUT_MS } from "./config";
import { liveSessionsByPage } from "./aggregates";
import { hasChunkBudget } from "./budget";

/**
 * The derivation of "active now" from heartbeats, run by the live worker and
 * by the backfill. `liveSessions` is the worker's record of what it counted for
 * each session; the aggregate and `activePages` follow it, and every page a
 * fold touched is recounted from the aggregate at its end.
 */

export type SessionState = Pick<Doc<"activeSessions">, "sessionId" | "currentPath" | "lastSeen">;

/** Pages whose live count changed in this fold. */
export type TouchedPages = Set<string>;

const isIdle = (lastSeen: number, now: number) => lastSeen < now - SESSION_TIMEOUT_MS;

async function getLiveSession(ctx: MutationCtx, sessionId: string) {
  return await ctx.db
    .query("liveSessions")
    .withIndex("by_sessionId", (q) => q.eq("sessionId", sessionId))
    .unique();
}

/** Applies a session's latest heartbeat: a new live session, a move to another page, or a later `lastSeen`. */
export async function foldSessionState(ctx: MutationCtx, touched: TouchedPages, state: SessionState, now: number): Promise<void> {
  if (isIdle(state.lastSeen, now)) return;
  const { sessionId, currentPath: path, lastSeen } = state;
  const live = await getLiveSession(ctx, sessionId);
  if (live === null) {
    await ctx.db.insert("liveSessions", { sessionId, path, lastSeen });
    await liveSessionsByPage.insertIfDoesNotExist(ctx, { key: [path, sessionId], id: sessionId });
    touched.add(path);
    return;
  }
  // An older state (a backfill meeting a row the worker already folded) changes nothing.
  if (lastSeen < live.lastSeen) return;
  if (live.path !== path) {
    await liveSessionsByPage.replaceOrInsert(ctx, { key: [live.path, sessionId], id: sessionId }, { key: [path, sessionId] });
    touched.add(live.path).add(path);
  }
  if (live.path !== path || lastSeen > live.lastSeen) await ctx.db.patch(live._id, { path, lastSeen });
}

/**
 * Ends the sessions whose last heartbeat is past the timeout (each is checked
 * again: a fold may have renewed it), while the transaction has budget; the
 * next batch finds the rest.
 */
export async function expireSessions(ctx: MutationCtx, touched: TouchedPages, sessionIds: string[], now: number): Promise<void> {
  for (const sessionId of sessionIds) {
    if (!(await hasChunkBudget(ctx))) return;
    const live = await getLiveSession(ctx, sessionId);
    if (live === null || !isIdle(live.lastSeen, now)) continue;
    await liveSessionsByPage.deleteIfExists(ctx, { key: [live.path, sessionId], id: sessionId });
    await ctx.db.delete(live._id);
    touched.add(live.path);
  }
}

/** Puts a live session back in the aggregate if it went missing (the backfill's repair of lost derived data). */
export async function restoreLiveSession(ctx: MutationCtx, touched: TouchedPages, live: Doc<"liveSessions">): Promise<void> {
  await liveSessionsByPage.insertIfDoesNotExist(ctx, { key: [live.path, live.sessionId], id: live.sessionId });
  touched.add(live.path);
}

/** Sets each touched page's live count from the aggregate; a page nobody is on loses its row. */
export async function recountActivePages(ctx: MutationCtx, touched: TouchedPages): Promise<void> {
  const paths = [...touched];
  const counts = await liveSessionsByPage.countBatch(
    ctx,
    paths.map((path) => ({ bounds: { prefix: [path] as [string] } })),
  );
  for (const [i, path] of paths.entries()) {
    const row = await ctx.db
      .query("activePages")
      .withIndex("by_path", (q) => q.eq("path", path))
      .unique();
    if (counts[i] === 0) {
      if (row !== null) await ctx.db.delete(row._id);
    } else if (row === null) await ctx.db.insert("activePages", { path, visitors: counts[i] });
    else if (row.visitors !== counts[i]) await ctx.db.patch(row._id, { visitors: counts[i] });
  }
}
