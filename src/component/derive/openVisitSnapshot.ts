import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { FILTER_SNAPSHOT_MS, OPEN_EVENTS_READ_MAX, OPEN_VISITS_READ_MAX } from "../../shared/config.js";
import { addToCounters } from "./counters.js";
import { blockVisitOf } from "./foldVisits.js";
import { BLOCK_GROUPS, packVisits, type BlockVisit } from "./visitBlocks.js";
import { stepsOf, viewsOfSequence } from "./visitSteps.js";
import { finishSessionScopes, loadSessionScopes, numberOfSession, type SessionNumbering, type SessionScopes } from "./visitScopes.js";

/**
 * The visits in progress as filters' scans read them (read/filteredVisits.ts): packed like a visit block, published by
 * the worker at most every FILTER_SNAPSHOT_MS, in the batch that settles visits into blocks (settling waits for it), so
 * blocks and snapshot always hold each visit once. A scan then reads nothing the worker rewrites every second: a
 * dashboard under such filters re-runs once a minute, where reading `visitFolds` re-ran it with every batch
 * (prds/filters.md). At most OPEN_VISITS_READ_MAX visits, and OPEN_EVENTS_READ_MAX of their custom events (one read
 * from the oldest one's start); past them the snapshot says it is not complete.
 */

export type SnapshotDoc = Doc<"openVisitBlocks">;

/** The snapshot's `core` document: when it was published, and how far the visits it holds were folded. */
export async function getSnapshotCore(ctx: QueryCtx): Promise<SnapshotDoc | null> {
  return await ctx.db
    .query("openVisitBlocks")
    .withIndex("by_group", (q) => q.eq("group", "core"))
    .unique();
}

/** Whether the snapshot may be published again (and visits settled): FILTER_SNAPSHOT_MS after the last. */
export const isSnapshotDue = (core: SnapshotDoc | null, now: number) => core === null || now >= core.publishedAt + FILTER_SNAPSHOT_MS;

/**
 * Whether ended visits may settle now (each settling publishes the snapshot): once it is due, or at once while some
 * were due already when it was last published (a backlog, which then settles batch after batch).
 */
export function mayPublishSettled(core: SnapshotDoc | null, now: number, endedBy: (at: number) => boolean): boolean {
  return isSnapshotDue(core, now) || endedBy(core!.publishedAt);
}

/** Whether visits were folded since the snapshot was published (`folded`: the worker's visits cursor). */
export const isSnapshotStale = (core: SnapshotDoc | null, folded: bigint | undefined) => (core === null ? folded !== undefined : core.foldedUpTo !== folded);

/** Publishes the visits in progress as the worker folded them (after the batch's writes), `folded` the worker's visits cursor. */
export async function publishOpenVisits(ctx: MutationCtx, now: number, folded: bigint | undefined): Promise<void> {
  const rows = await ctx.db.query("visitFolds").withIndex("by_start").take(OPEN_VISITS_READ_MAX + 1);
  const events =
    rows.length === 0
      ? []
      : await ctx.db
          .query("customEvents")
          .withIndex("by_timestamp", (q) => q.gte("timestamp", rows[0].start))
          .take(OPEN_EVENTS_READ_MAX + 1);
  const eventsBySession = new Map<string, Doc<"customEvents">[]>();
  for (const event of events.slice(0, OPEN_EVENTS_READ_MAX)) {
    const sessionEvents = eventsBySession.get(event.sessionId);
    if (sessionEvents === undefined) eventsBySession.set(event.sessionId, [event]);
    else sessionEvents.push(event);
  }
  const numbering: { numbering?: SessionNumbering } = {};
  const sessions = new Map<string, SessionScopes>();
  const visits: BlockVisit[] = [];
  for (const row of rows.slice(0, OPEN_VISITS_READ_MAX)) visits.push(await blockVisitOfFold(ctx, row, eventsBySession, sessions, numbering));
  await finishSessionScopes(ctx, sessions);
  if (numbering.numbering !== undefined && numbering.numbering.given > 0) await addToCounters(ctx, { sessionNumbers: numbering.numbering.given });
  const packed = packVisits(visits);
  for (const group of BLOCK_GROUPS) {
    const doc = { group, ...packed[group], publishedAt: now, complete: rows.length <= OPEN_VISITS_READ_MAX && events.length <= OPEN_EVENTS_READ_MAX, ...(folded === undefined ? {} : { foldedUpTo: folded }) };
    const old = await ctx.db
      .query("openVisitBlocks")
      .withIndex("by_group", (q) => q.eq("group", group))
      .unique();
    if (old === null) await ctx.db.insert("openVisitBlocks", doc);
    else await ctx.db.replace(old._id, doc);
  }
}

/**
 * A folded visit in progress as a block keeps it, with its session's events during it; a row from before filters
 * scanned visits is completed from the visit's own rows.
 */
async function blockVisitOfFold(
  ctx: MutationCtx,
  row: Doc<"visitFolds">,
  eventsBySession: Map<string, Doc<"customEvents">[]>,
  sessions: Map<string, SessionScopes>,
  numbering: { numbering?: SessionNumbering },
): Promise<BlockVisit> {
  const eventsOf = (sessionId: string) => (eventsBySession.get(sessionId) ?? []).filter(({ timestamp }) => timestamp >= row.start && timestamp <= row.lastActivity);
  if (row.session !== undefined && row.sequence !== undefined && row.sessionId !== undefined && row.pages.every((page) => page.views !== undefined)) {
    return blockVisitOf(row, stepsOf(viewsOfSequence(row.start, row.pages, row.sequence), eventsOf(row.sessionId)));
  }
  const source = (await ctx.db.get(row.visitId))!;
  const session = await numberOfSession(ctx, numbering, await loadSessionScopes(ctx, sessions, source.sessionId));
  const views = await ctx.db
    .query("pageViews")
    .withIndex("by_session_timestamp", (q) => q.eq("sessionId", source.sessionId).gte("timestamp", row.start).lte("timestamp", row.lastActivity))
    .collect();
  const pages = new Map<string, number>();
  for (const view of views) pages.set(view.path, (pages.get(view.path) ?? 0) + 1);
  const visit = blockVisitOf({ ...row, session }, stepsOf(views.map(({ path, timestamp }) => ({ path, at: timestamp })), eventsOf(source.sessionId)));
  return { ...visit, pages: [...pages].map(([path, count]) => ({ path, views: count })) };
}
