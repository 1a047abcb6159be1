import type { Doc, Id } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { VISIT_PROPERTIES, type VisitProperty } from "../../shared/config.js";
import { addVisitToTime, linkVisitInScope, propertyScope, SITE_SCOPE, visitFiguresOf, type TimeFold } from "./timeBuckets.js";
import { loadSessionScopes, numberOfSession, previousInScope, recordInScope, forgetInScope } from "./visitScopes.js";
import { appendToBlock, type BlockVisit } from "./visitBlocks.js";
import { packInts } from "./packedInts.js";
import { eventsOfVisit, stepsOf, viewsOfSequence, type Step } from "./visitSteps.js";
import { getSettlementCursor, isSettled, type SettlementCursor } from "./settleVisits.js";

/**
 * Visits as they happen. Every change a session commits to its visit (a view,
 * a heartbeat) stamps the row's `committedAt`, and the stats worker folds it
 * from its cursor: it takes out of the time buckets what they held of the
 * visit (its `visitFolds` row) and puts in the visit as it is now. The two are
 * merged per bucket in the batch, so a heartbeat changes only the duration,
 * and a bucket both leave equal is not written. Queries then read buckets
 * only, visits in progress included, and never a row a visitor writes, so a
 * dashboard re-runs with the worker's batches, not with every visitor's call.
 * Once a visit has ended, settling folds its last change, if any, and drops
 * its row (derive/settleVisits.ts); a visit that was never folded (recorded
 * before visits had `committedAt`, or rebuilt by a backfill) is folded whole
 * then.
 *
 * A visit counts for the site and each of its property values at its start
 * (a property value's views are its visits' views), and for each page it
 * viewed at its first view there, with its deepest scroll there when it
 * reported one (a Plausible tracker's engagement), so a page's scroll depth
 * changes by the difference too. A property value's visitors are linked
 * through the session's visits in start order (derive/visitScopes.ts): a
 * visit is linked when it first counts in a value and unlinked if it leaves it
 * (a visit's exit page moves with its views). A session's earlier visit that
 * was never folded is folded first, so links keep that order.
 */

const MINUTE = 60_000;

type Visit = Pick<Doc<"visits">, "_id" | "_creationTime" | "sessionId" | "start" | "lastActivity" | "views" | "scrollDepths" | VisitProperty>;
export type Folded = Omit<Doc<"visitFolds">, "_id" | "_creationTime" | "visitId">;
/** A visit's row as the batch knows it (`state` null: the buckets hold nothing of it), written back at the end of the batch when changed. */
export type VisitFoldEntry = { visitId: Id<"visits">; id: Id<"visitFolds"> | null; state: Folded | null; changed: boolean };

/** The visit's row, read once per batch. */
async function loadVisitFold(ctx: MutationCtx, fold: TimeFold, visitId: Id<"visits">): Promise<VisitFoldEntry> {
  const cached = fold.visitFolds.get(visitId);
  if (cached !== undefined) return cached;
  const row = await ctx.db
    .query("visitFolds")
    .withIndex("by_visitId", (q) => q.eq("visitId", visitId))
    .unique();
  const entry: VisitFoldEntry = { visitId, id: row?._id ?? null, state: row === null ? null : folded(row), changed: false };
  fold.visitFolds.set(visitId, entry);
  return entry;
}

const folded = ({ start, lastActivity, views, pages, sequence, sessionId, scopes, session }: Folded): Folded => ({
  start,
  lastActivity,
  views,
  pages,
  scopes,
  ...(session === undefined ? {} : { session }),
  ...(sequence === undefined ? {} : { sequence }),
  ...(sessionId === undefined ? {} : { sessionId }),
});

/** True when the folded state has what a filter's scan needs: its session, its views of each page and their order (rows from before may not). */
const isComplete = (state: Folded) =>
  state.session !== undefined && state.sequence !== undefined && state.sessionId !== undefined && state.pages.every((page) => page.views !== undefined);

const groupOf = (scope: string) => scope.slice(0, scope.indexOf(":")) as VisitProperty;

/** Adds (1) or takes out (-1) everything a folded state counts, except its visitor links. */
async function addState(ctx: MutationCtx, fold: TimeFold, state: Folded, sign: 1 | -1): Promise<void> {
  const figures = { ...visitFiguresOf(state), pageviews: 0 };
  await addVisitToTime(ctx, fold, { group: "site", scope: SITE_SCOPE }, state.start, figures, sign);
  for (const { path, at, scrollDepth } of state.pages) await addVisitToTime(ctx, fold, { group: "page", scope: path }, at, figures, sign, scrollDepth);
  for (const { scope } of state.scopes) {
    await addVisitToTime(ctx, fold, { group: groupOf(scope), scope }, state.start, { ...figures, pageviews: state.views }, sign);
  }
}

/**
 * Each page the visit viewed, at its first view there, with its views there, and its views' order: the views since
 * its folded state are added to it (all of them when it has none, or when they do not add up to the visit's views: a
 * view that reached the worker out of time order).
 */
async function pagesOf(ctx: MutationCtx, visit: Visit, state: Folded | null): Promise<Pick<Folded, "pages" | "sequence">> {
  const counted = state !== null && isComplete(state);
  const pages = new Map<string, { at: number; views: number }>(counted ? state.pages.map(({ path, at, views }) => [path, { at, views: views! }]) : []);
  const indexOf = new Map([...pages.keys()].map((path, i) => [path, i]));
  const order: number[] = [];
  const views = await ctx.db
    .query("pageViews")
    .withIndex("by_session_timestamp", (q) =>
      (counted ? q.eq("sessionId", visit.sessionId).gt("timestamp", state.lastActivity) : q.eq("sessionId", visit.sessionId).gte("timestamp", visit.start)).lte("timestamp", visit.lastActivity),
    )
    .collect();
  for (const view of views) {
    const page = pages.get(view.path);
    if (page === undefined) {
      pages.set(view.path, { at: view.timestamp, views: 1 });
      indexOf.set(view.path, indexOf.size);
    } else page.views++;
    order.push(indexOf.get(view.path)!, Math.max(0, view.timestamp - visit.start));
  }
  const total = [...pages.values()].reduce((sum, page) => sum + page.views, 0);
  if (counted && total !== visit.views) return await pagesOf(ctx, visit, null);
  return { pages: [...pages].map(([path, { at, views }]) => ({ path, at, views })), sequence: (counted ? state.sequence! : "") + packInts(order) };
}

/** The visit's pages, each with the deepest scroll the visit reported there (none: it reported none, and a page it never viewed counts none). */
function withScrollDepths(pages: Folded["pages"], visit: Visit): Folded["pages"] {
  const depths = new Map((visit.scrollDepths ?? []).map(({ path, depth }) => [path, depth]));
  return pages.map(({ scrollDepth: _folded, ...page }) => {
    const depth = depths.get(page.path);
    return depth === undefined ? page : { ...page, scrollDepth: depth };
  });
}

/** True when the folded state counts the visit's scroll depths as they are. */
const scrollFolded = (state: Folded, visit: Visit) => withScrollDepths(state.pages, visit).every((page, i) => page.scrollDepth === state.pages[i].scrollDepth);

/** Folds a change of a visit as its session committed it, unless the visit has settled meanwhile (the worker behind its settling). */
export async function foldCommittedChange(ctx: MutationCtx, fold: TimeFold, visit: Visit): Promise<void> {
  if (!isSettled(visit, await settlementOf(ctx, fold))) await foldVisitChange(ctx, fold, visit);
}

/** Makes the buckets count the visit as it is now (`visit`: its row as committed). */
async function foldVisitChange(ctx: MutationCtx, fold: TimeFold, visit: Visit): Promise<void> {
  const entry = await loadVisitFold(ctx, fold, visit._id);
  // A visit whose start moved (the caps took out its first view) is folded again from nothing.
  if (entry.state !== null && entry.state.start !== visit.start) await unfoldVisit(ctx, fold, visit);
  const old = entry.state;
  // A change already folded (met again, as a backfill's last step may) changes nothing.
  if (
    old !== null &&
    isComplete(old) &&
    old.lastActivity === visit.lastActivity &&
    old.views === visit.views &&
    old.scopes.some(({ scope }) => scope === propertyScope("exitPage", visit.exitPage)) &&
    scrollFolded(old, visit)
  ) {
    return;
  }
  if (old === null) await foldEarlierVisits(ctx, fold, visit);
  const minute = Math.floor(visit.start / MINUTE);
  const sessionScopes = await loadSessionScopes(ctx, fold.sessionScopes, visit.sessionId);
  const wanted = new Set<string>();
  for (const property of VISIT_PROPERTIES) {
    const value = visit[property];
    if (value !== undefined) wanted.add(propertyScope(property, value));
  }
  const scopes: Folded["scopes"] = [];
  for (const link of old?.scopes ?? []) {
    if (wanted.has(link.scope)) scopes.push(link);
    else {
      await linkVisitInScope(ctx, fold, groupOf(link.scope), link.scope, link.prev, minute, -1);
      await forgetInScope(ctx, sessionScopes, visit.sessionId, link.scope, minute, link.prev);
    }
  }
  const linked = new Set(scopes.map((link) => link.scope));
  for (const scope of wanted) {
    if (linked.has(scope)) continue;
    const prev = await previousInScope(ctx, sessionScopes, visit.sessionId, scope);
    // A session's visits are linked in start order (earlier ones first): anything else is a bug, and counting on would be wrong.
    if (prev !== null && prev >= minute) throw new Error(`a visit of ${visit.sessionId} starting at minute ${minute} is linked after one starting at ${prev} in ${scope}`);
    await linkVisitInScope(ctx, fold, groupOf(scope), scope, prev, minute, 1);
    await recordInScope(ctx, sessionScopes, visit.sessionId, scope, minute);
    scopes.push({ scope, prev });
  }
  // A change with no new view (a heartbeat) viewed no new page: no read.
  const { pages: viewed, sequence } = old !== null && isComplete(old) && old.views === visit.views ? old : await pagesOf(ctx, visit, old);
  const pages = withScrollDepths(viewed, visit);
  const session = await numberOfSession(ctx, fold, sessionScopes);
  const state: Folded = { start: visit.start, lastActivity: visit.lastActivity, views: visit.views, pages, sequence, sessionId: visit.sessionId, scopes, session };
  if (old !== null) await addState(ctx, fold, old, -1);
  await addState(ctx, fold, state, 1);
  entry.state = state;
  entry.changed = true;
}

/**
 * Folds the session's visits before `visit` that are neither settled nor
 * folded (from before visits had `committedAt`), oldest first. They have
 * ended (a later visit started), so no visitor writes them any more.
 */
async function foldEarlierVisits(ctx: MutationCtx, fold: TimeFold, visit: Visit): Promise<void> {
  const cursor = await settlementOf(ctx, fold);
  const unfolded: Visit[] = [];
  for await (const earlier of ctx.db
    .query("visits")
    .withIndex("by_session_start", (q) => q.eq("sessionId", visit.sessionId).lt("start", visit.start))
    .order("desc")) {
    if (isSettled(earlier, cursor) || (await loadVisitFold(ctx, fold, earlier._id)).state !== null) break;
    unfolded.push(earlier);
  }
  for (const earlier of unfolded.reverse()) await foldVisitChange(ctx, fold, earlier);
}

/** The settlement cursor, read once per batch (settling moves it only at its end). */
async function settlementOf(ctx: MutationCtx, fold: TimeFold): Promise<SettlementCursor | null> {
  if (fold.settlement === undefined) fold.settlement = await getSettlementCursor(ctx);
  return fold.settlement;
}

/** Settles an ended visit: folds its last change, if any, appends it to its visit block with its views and events in order, and drops its row. */
export async function settleVisit(ctx: MutationCtx, fold: TimeFold, visit: Visit): Promise<void> {
  await foldVisitChange(ctx, fold, visit);
  const entry = await loadVisitFold(ctx, fold, visit._id);
  const state = entry.state!;
  // Events are folded before their visit settles (the worker settles only once they are): a session with none since the visit began sent it none.
  const { lastEvent } = await loadSessionScopes(ctx, fold.sessionScopes, visit.sessionId);
  const events = lastEvent !== null && lastEvent >= visit.start ? await eventsOfVisit(ctx, visit.sessionId, visit.start, visit.lastActivity) : [];
  await appendToBlock(ctx, fold.blocks, blockVisitOf(state, stepsOf(viewsOfSequence(state.start, state.pages, state.sequence!), events)));
  entry.state = null;
  entry.changed = true;
}

/** A folded visit as its block keeps it: its values are those of its scopes ("source:Google"). */
export function blockVisitOf(state: Folded, steps: Step[]): BlockVisit {
  const values: BlockVisit["values"] = {};
  for (const { scope } of state.scopes) values[groupOf(scope)] = scope.slice(scope.indexOf(":") + 1);
  return {
    start: state.start,
    durationMs: state.lastActivity - state.start,
    views: state.views,
    session: state.session!,
    pages: state.pages.map(({ path, views }) => ({ path, views: views! })),
    steps,
    values,
  };
}

/**
 * Takes a visit out of the buckets and drops its row, for a visit the
 * site-wide caps remake or delete (derive/siteCaps.ts): a remade one is folded
 * whole at its next change, which the remake stamps.
 */
export async function unfoldVisit(ctx: MutationCtx, fold: TimeFold, visit: Pick<Visit, "_id" | "sessionId" | "start">): Promise<void> {
  const entry = await loadVisitFold(ctx, fold, visit._id);
  const old = entry.state;
  if (old === null) return;
  const minute = Math.floor(old.start / MINUTE);
  const sessionScopes = await loadSessionScopes(ctx, fold.sessionScopes, visit.sessionId);
  for (const link of old.scopes) {
    await linkVisitInScope(ctx, fold, groupOf(link.scope), link.scope, link.prev, minute, -1);
    await forgetInScope(ctx, sessionScopes, visit.sessionId, link.scope, minute, link.prev);
  }
  await addState(ctx, fold, old, -1);
  entry.state = null;
  entry.changed = true;
}

/** Writes each visit's row the batch changed. */
export async function finishVisitFolds(ctx: MutationCtx, entries: Map<string, VisitFoldEntry>): Promise<void> {
  for (const entry of entries.values()) {
    if (!entry.changed) continue;
    if (entry.state === null) {
      if (entry.id !== null) await ctx.db.delete(entry.id);
      entry.id = null;
    } else if (entry.id === null) entry.id = await ctx.db.insert("visitFolds", { visitId: entry.visitId, ...entry.state });
    else await ctx.db.replace(entry.id, { visitId: entry.visitId, ...entry.state });
    entry.changed = false;
  }
}
