import type { WithoutSystemFields } from "convex/server";
import type { Doc, Id, TableNames } from "../../src/component/_generated/dataModel";

import type { PageType } from "../../src/shared/config";
import { finishLiveFold, foldSessionState, startLiveFold } from "../../src/component/derive/foldSessions";
import { addToCounters } from "../../src/component/derive/counters";
import type { MutationCtx } from "../../src/component/_generated/server";

import { DAY, T0 } from "./clock";
import type { TestConvex } from "./convex";


/** Visitor number n's session id, in the UUID v4 shape the validator demands. */
export function sessionId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

/** Path number n: 0 is the home page, the rest are posts. */
export function pathName(n: number): string {
  return n === 0 ? "/" : `/post-${n}`;
}

export function pageTypeOf(path: string): PageType {
  return path === "/" ? "home" : "post";
}

/** mulberry32: a tiny seeded generator, so every seeded table is the same on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export type ViewRow = WithoutSystemFields<Doc<"pageViews">>;

/**
 * Page views as a site accumulates them: a few paths get most views, every
 * session comes back many times, and timestamps are not in insertion order.
 * With `visitsPerSession`, a session's views fall in that many visits (20
 * minutes each) over the 30 days; else each view is at a random time.
 */
export function generateViews(opts: { count: number; sessions: number; paths: number; seed?: number; start?: number; visitsPerSession?: number }): ViewRow[] {
  const next = random(opts.seed ?? 1);
  const start = opts.start ?? T0;
  const visitStarts = Array.from({ length: opts.visitsPerSession === undefined ? 0 : opts.sessions }, () =>
    Array.from({ length: opts.visitsPerSession! }, () => start + Math.floor((30 * DAY - 20 * 60_000) * next())),
  );
  return Array.from({ length: opts.count }, () => {
    const path = pathName(Math.floor(opts.paths * next() ** 2));
    const session = Math.floor(opts.sessions * next());
    const visits = visitStarts[session];
    const timestamp = visits === undefined ? start + Math.floor(30 * DAY * next()) : visits[Math.floor(visits.length * next())] + Math.floor(20 * 60_000 * next());
    return { path, pageType: pageTypeOf(path), sessionId: sessionId(session), timestamp };
  });
}

/** Sessions whose last heartbeat was at `lastSeen` (row i, i ms earlier), spread over `paths` paths. */
export function generateSessions(opts: { count: number; paths: number; lastSeen: number; firstId?: number }) {
  return Array.from({ length: opts.count }, (_, i) => ({
    sessionId: sessionId((opts.firstId ?? 0) + i),
    currentPath: pathName(i % opts.paths),
    lastSeen: opts.lastSeen - i,
  }));
}

/**
 * Inserts rows straight into one of the stats component's tables, bypassing the
 * model (so no aggregate sees them): the state of a site whose data predates its
 * aggregates. Batched, because each `t.runInStats` is a transaction bound by
 * Convex's write limits.
 */
export async function insertRows<T extends TableNames>(
  t: TestConvex,
  table: T,
  rows: WithoutSystemFields<Doc<T>>[],
  batchSize = 4000,
): Promise<Id<T>[]> {
  const ids: Id<T>[] = [];
  for (let i = 0; i < rows.length; i += batchSize) {
    const batch = rows.slice(i, i + batchSize);
    ids.push(...(await t.runInStats(async (ctx) => Promise.all(batch.map((row) => ctx.db.insert(table, row as never))))));
  }
  return ids;
}

/** Rows per transaction when each also writes derived rows as the worker would (a few index ranges apiece, of 4,096). */
export const DERIVED_ROWS_BATCH = 150;

/** A path's row and its place in the distinct-pages counter, as the worker leaves them after `views` views (without the views themselves). */
export async function insertPathStats(ctx: MutationCtx, path: string, views: number, pageType: PageType = "post"): Promise<void> {
  await ctx.db.insert("pathStats", { path, pageType, views });
  await addToCounters(ctx, { paths: 1 });
}

/** Sessions as heartbeats leave them once the worker has folded them: their own rows and the live state derived from them. */
export async function insertActiveSessions(t: TestConvex, rows: WithoutSystemFields<Doc<"activeSessions">>[], now = Date.now()): Promise<void> {
  await insertRows(t, "activeSessions", rows);
  for (let i = 0; i < rows.length; i += DERIVED_ROWS_BATCH) {
    await t.runInStats(async (ctx) => {
      const fold = startLiveFold();
      for (const row of rows.slice(i, i + DERIVED_ROWS_BATCH)) await foldSessionState(ctx, fold, row, now);
      await finishLiveFold(ctx, fold);
    });
  }
}

/**
 * A deployment as it was before the aggregates existed: page views and sessions
 * (live and idle) written straight into the stats component's tables, posts and
 * pages into the blog's.
 * Returns the stats component's rows written, the analytics figures other than page views they make, and the blog's content counts.
 */
export async function insertLegacyData(
  t: TestConvex,
  opts: { views: number; sessions: number; paths: number; liveSessions: number; idleSessions: number; now: number; visitsPerSession?: number },
) {
  const live = generateSessions({ count: opts.liveSessions, paths: 3, lastSeen: opts.now });
  const idle = generateSessions({ count: opts.idleSessions, paths: 7, lastSeen: opts.now - DAY, firstId: opts.liveSessions });
  const content = (slug: string, published: boolean) => ({ slug, title: `Title of ${slug}`, published });
  const posts = [content("post-1", true), content("post-2", true), content("post-3", false)].map((row) => ({ ...row, date: "2024-01-01" }));
  const pages = [content("about", true), content("draft", false)];

  await insertRows(t, "pageViews", generateViews({ count: opts.views, sessions: opts.sessions, paths: opts.paths, visitsPerSession: opts.visitsPerSession }));
  await insertRows(t, "activeSessions", [...live, ...idle]);
  await t.run(async (ctx) => {
    for (const row of posts) await ctx.db.insert("posts", row);
    for (const row of pages) await ctx.db.insert("pages", row);
  });

  const livePaths = [...new Set(live.map((s) => s.currentPath))];
  return {
    // The stats component's rows (what its backfill walks); the content is the blog's.
    rows: opts.views + live.length + idle.length,
    figures: {
      activeVisitors: live.length,
      activeByPath: livePaths
        .map((path) => ({ path, count: live.filter((s) => s.currentPath === path).length }))
        .sort((a, b) => b.count - a.count || a.path.localeCompare(b.path)),
    },
    // The blog's own figures (api.content.publishedCounts), not the component's.
    content: {
      publishedPosts: posts.filter((row) => row.published).length,
      publishedPages: pages.filter((row) => row.published).length,
    },
  };
}
