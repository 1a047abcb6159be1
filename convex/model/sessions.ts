import type { Doc } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { ACTIVE_PATHS_LIMIT, CLEANUP_PAGE_SIZE, HEARTBEAT_DEDUP_MS, SESSION_TIMEOUT_MS, STALE_SESSIONS_READ_LIMIT } from "./config";
import { activeSessions } from "./aggregates";
import { hasChunkBudget } from "./budget";

export type ActivePath = { path: string; count: number };
export type ActiveVisitors = { activeVisitors: number; activeByPath: ActivePath[] };

/**
 * Upserts the session. A same-path repeat inside HEARTBEAT_DEDUP_MS writes
 * nothing; a same-path heartbeat after that only moves `lastSeen`, which no
 * aggregate key contains, so it touches no shared document.
 */
export async function heartbeat(ctx: MutationCtx, sessionId: string, currentPath: string, now: number): Promise<void> {
  const session = await ctx.db
    .query("activeSessions")
    .withIndex("by_sessionId", (q) => q.eq("sessionId", sessionId))
    .unique();
  if (session === null) {
    const id = await ctx.db.insert("activeSessions", { sessionId, currentPath, lastSeen: now });
    await activeSessions.insert(ctx, (await ctx.db.get(id))!);
    await ensureActivePath(ctx, currentPath);
    return;
  }
  if (session.currentPath === currentPath) {
    if (now - session.lastSeen >= HEARTBEAT_DEDUP_MS) await ctx.db.patch(session._id, { lastSeen: now });
    return;
  }
  await ctx.db.patch(session._id, { currentPath, lastSeen: now });
  // replaceOrInsert: rows written before the aggregate existed are adopted on their first move.
  await activeSessions.replaceOrInsert(ctx, session, (await ctx.db.get(session._id))!);
  await ensureActivePath(ctx, currentPath);
}

export async function ensureActivePath(ctx: MutationCtx, path: string): Promise<void> {
  const existing = await ctx.db
    .query("activePaths")
    .withIndex("by_path", (q) => q.eq("path", path))
    .unique();
  if (existing === null) await ctx.db.insert("activePaths", { path });
}

/**
 * Who is here now. The aggregate counts sessions the cleanup cron has not yet
 * removed; the few that went stale since its last run are read and taken off,
 * so the figure follows `now` even between cleanups.
 */
export async function getActiveVisitors(ctx: QueryCtx, now: number): Promise<ActiveVisitors> {
  const [total, paths, stale] = await Promise.all([
    activeSessions.count(ctx),
    ctx.db.query("activePaths").take(ACTIVE_PATHS_LIMIT),
    ctx.db
      .query("activeSessions")
      .withIndex("by_lastSeen", (q) => q.lt("lastSeen", now - SESSION_TIMEOUT_MS))
      .take(STALE_SESSIONS_READ_LIMIT),
  ]);
  const counts = await activeSessions.countBatch(
    ctx,
    paths.map(({ path }) => ({ bounds: { prefix: [path] as [string] } })),
  );
  const staleByPath = new Map<string, number>();
  for (const session of stale) staleByPath.set(session.currentPath, (staleByPath.get(session.currentPath) ?? 0) + 1);
  const activeByPath = paths
    .map(({ path }, i) => ({ path, count: Math.max(0, counts[i] - (staleByPath.get(path) ?? 0)) }))
    .filter(({ count }) => count > 0)
    .sort((a, b) => b.count - a.count || a.path.localeCompare(b.path));
  return { activeVisitors: Math.max(0, total - stale.length), activeByPath };
}

/**
 * Deletes sessions idle past the timeout, as many as one transaction's budget
 * allows, then forgets paths nobody is on. Returns whether stale rows remain.
 */
export async function cleanupStaleSessions(ctx: MutationCtx, now: number): Promise<{ deleted: number; more: boolean }> {
  const stale = await ctx.db
    .query("activeSessions")
    .withIndex("by_lastSeen", (q) => q.lt("lastSeen", now - SESSION_TIMEOUT_MS))
    .take(CLEANUP_PAGE_SIZE);
  let deleted = 0;
  for (const session of stale) {
    if (!(await hasChunkBudget(ctx))) break;
    await removeSession(ctx, session);
    deleted++;
  }
  const pathsLeft = deleted === stale.length ? await forgetEmptyPaths(ctx) : false;
  return { deleted, more: deleted < stale.length || stale.length === CLEANUP_PAGE_SIZE || pathsLeft };
}

async function removeSession(ctx: MutationCtx, session: Doc<"activeSessions">): Promise<void> {
  // deleteIfExists: a row from before the aggregate existed was never in it.
  await activeSessions.deleteIfExists(ctx, session);
  await ctx.db.delete(session._id);
}

/**
 * Deletes the rows of paths nobody is on among the first ACTIVE_PATHS_LIMIT.
 * True when it deleted some and there may be more past them: another run
 * then sees further (it always shrinks the table, so the chain ends).
 */
async function forgetEmptyPaths(ctx: MutationCtx): Promise<boolean> {
  const rows = await ctx.db.query("activePaths").take(ACTIVE_PATHS_LIMIT);
  let forgotten = 0;
  for (const row of rows) {
    if ((await activeSessions.count(ctx, { bounds: { prefix: [row.path] } })) > 0) continue;
    await ctx.db.delete(row._id);
    forgotten++;
  }
  return forgotten > 0 && rows.length === ACTIVE_PATHS_LIMIT;
}
