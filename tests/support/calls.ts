import { api, internal } from "../../convex/_generated/api";
import type { TestConvex } from "./convex";
import { measure } from "./metrics";
import { pageTypeOf, sessionId } from "./seed";
import { settle } from "./worker";

/** What the tracker sends when visitor `visitor` opens `path`. */
export function pageViewArgs(visitor: number, path: string) {
  return { path, pageType: pageTypeOf(path), sessionId: sessionId(visitor) };
}

export async function viewPage(t: TestConvex, visitor: number, path: string) {
  return await t.mutation(api.stats.recordPageView, pageViewArgs(visitor, path));
}

export async function heartbeat(t: TestConvex, visitor: number, path: string) {
  return await t.mutation(api.stats.heartbeat, { sessionId: sessionId(visitor), currentPath: path });
}

/** viewPage, returning what the mutation cost. */
export async function measureViewPage(t: TestConvex, visitor: number, path: string) {
  return await measure(t, (ctx) => ctx.runMutation(api.stats.recordPageView, pageViewArgs(visitor, path)));
}

/** heartbeat, returning what the mutation cost. */
export async function measureHeartbeat(t: TestConvex, visitor: number, path: string) {
  return await measure(t, (ctx) => ctx.runMutation(api.stats.heartbeat, { sessionId: sessionId(visitor), currentPath: path }));
}

/** getStats as the dashboard calls it, returning what the query cost. */
export async function measureGetStats(t: TestConvex) {
  return await measure(t, (ctx) => ctx.runQuery(api.stats.getStats, {}));
}

/** What the cleanup cron does: one run, the runs it schedules until no idle session is left, and the worker it wakes. */
export async function runCleanup(t: TestConvex) {
  await t.mutation(internal.stats.cleanupStaleSessions, {});
  await settle(t);
}
