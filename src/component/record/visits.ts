import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { DIRECT_SOURCE, HEARTBEAT_DEDUP_MS, SESSION_TIMEOUT_MS, UNKNOWN_VALUE, VISIT_SCROLL_PAGES_MAX, VISIT_TIMEOUT_MS } from "../../shared/config.js";
import { takePageChangeToken } from "./rateLimits.js";
import { vVisitAttributes, type VisitAttributes } from "./visitAttributes.js";

/**
 * Visits, kept on the hot path: a session's run of activity (views and
 * heartbeats) with no gap over VISIT_TIMEOUT_MS. Each visit is one `visits`
 * row that only its own session's mutations write, so two visitors still
 * share nothing. A view after a longer gap starts a new visit; a heartbeat
 * only extends an open one, and keeps its session's live state on it (its
 * page, its page-change limit), so a beat writes one document. Every change
 * stamps `committedAt`, so the stats worker folds it into time buckets and
 * "active now" as it commits (component/derive/foldVisits.ts, foldSessions.ts).
 */


type Visit = Doc<"visits">;
export type ScrollDepths = NonNullable<Visit["scrollDepths"]>;
/** A page's deepest scroll so far, as a heartbeat reports it. */
export type PageScroll = { path: string; depth: number };

/** What a visit rebuilt from views recorded before visits existed is known by. */
export const UNKNOWN_ATTRIBUTES: VisitAttributes = {
  source: DIRECT_SOURCE,
  browser: UNKNOWN_VALUE,
  browserVersion: UNKNOWN_VALUE,
  os: UNKNOWN_VALUE,
  device: UNKNOWN_VALUE,
  country: UNKNOWN_VALUE,
  language: UNKNOWN_VALUE,
  screen: UNKNOWN_VALUE,
};

export const isOpen = (visit: Pick<Visit, "lastActivity">, now: number) => now - visit.lastActivity <= VISIT_TIMEOUT_MS;

/** The page an open visit's session is on: its latest heartbeat's, else its latest view's. */
export const currentPageOf = (visit: Pick<Visit, "currentPath" | "exitPage">) => visit.currentPath ?? visit.exitPage;

/** The session's latest visit that started at or before `at`. */
export async function visitAt(ctx: QueryCtx, sessionId: string, at: number): Promise<Visit | null> {
  return await ctx.db
    .query("visits")
    .withIndex("by_session_start", (q) => q.eq("sessionId", sessionId).lte("start", at))
    .order("desc")
    .first();
}

/** The session's visit still open at `now`, if any. */
export async function openVisitOf(ctx: QueryCtx, sessionId: string, now: number): Promise<Visit | null> {
  const latest = await visitAt(ctx, sessionId, now);
  return latest !== null && isOpen(latest, now) ? latest : null;
}

/**
 * A counted view's part in its visit: the session's open visit gains it (it
 * becomes the exit page, and the page the session is on), else it starts a
 * new visit with the view's attributes. A repeat the dedup window drops
 * writes nothing; the page's heartbeats carry its activity.
 */
export async function recordVisitView(ctx: MutationCtx, view: { sessionId: string; path: string }, attributes: VisitAttributes, now: number): Promise<void> {
  const open = await openVisitOf(ctx, view.sessionId, now);
  if (open !== null) {
    await ctx.db.patch(open._id, { lastActivity: now, views: open.views + 1, exitPage: view.path, currentPath: undefined, committedAt: ctx.db.vars.commitTs });
    return;
  }
  const { sessionId, path } = view;
  await ctx.db.insert("visits", { sessionId, start: now, lastActivity: now, views: 1, entryPage: path, exitPage: path, ...attributes, committedAt: ctx.db.vars.commitTs });
}

/** A custom event extends the session's open visit to `now`; it never starts one. */
export async function recordVisitActivity(ctx: MutationCtx, sessionId: string, now: number): Promise<void> {
  const open = await openVisitOf(ctx, sessionId, now);
  if (open !== null && now > open.lastActivity) await ctx.db.patch(open._id, { lastActivity: now, committedAt: ctx.db.vars.commitTs });
}

/**
 * A heartbeat of a session with an open visit, kept on the visit alone: a same-page beat within HEARTBEAT_DEDUP_MS of
 * the visit's last activity writes only a deeper scroll (at most 101 writes a page); any other extends the visit to now
 * on the beat's page, its scroll in the same write, and a new page takes a token of the session's page-change limit (or
 * throws RATE_LIMITED, writing nothing). True when the beat changes "active now" (another page, or a session back
 * after the timeout): only then must the worker fold it at once; a beat that only extends its visit waits for the
 * worker's next batch (a view's, the first live session's timeout, the cron's), and its ping would read the worker's
 * document, a third of a beat's I/O.
 */
export async function beatVisit(ctx: MutationCtx, visit: Visit, path: string, now: number, scroll?: PageScroll): Promise<boolean> {
  const samePage = currentPageOf(visit) === path;
  const scrollDepths = scroll === undefined ? null : deeperScroll(visit.scrollDepths ?? [], scroll);
  const deeper = scrollDepths === null ? {} : { scrollDepths };
  if (samePage && now - visit.lastActivity < HEARTBEAT_DEDUP_MS) {
    if (scrollDepths !== null) await ctx.db.patch(visit._id, { ...deeper, committedAt: ctx.db.vars.commitTs });
    return false;
  }
  const pageChanges = samePage ? {} : { pageChanges: takePageChangeToken(visit, now) };
  const currentPath = path === visit.exitPage ? undefined : path;
  await ctx.db.patch(visit._id, { lastActivity: Math.max(now, visit.lastActivity), currentPath, ...pageChanges, ...deeper, committedAt: ctx.db.vars.commitTs });
  return !samePage || now - visit.lastActivity >= SESSION_TIMEOUT_MS;
}

/** The pages' deepest scrolls with `scroll` taken in, or null when it is no deeper (or a new page past VISIT_SCROLL_PAGES_MAX). */
export function deeperScroll(depths: ScrollDepths, scroll: PageScroll): ScrollDepths | null {
  const known = depths.find(({ path }) => path === scroll.path);
  if (known !== undefined) return scroll.depth > known.depth ? depths.map((each) => (each === known ? scroll : each)) : null;
  return depths.length < VISIT_SCROLL_PAGES_MAX ? [...depths, scroll] : null;
}

/**
 * The backfill's part for each view, walked in time order. A view no visit
 * covers (recorded before visits existed) joins the session's visit it
 * continues, or starts one whose source and device are unknown: the same
 * visits the hot path would have kept (without heartbeats, which were not
 * stored). A visit's first view then joins the visit to the session's
 * previous one if that ended within the timeout, so a visit that spans an
 * upgrade (old views, then live ones) stays one visit.
 */
export async function rebuildVisitOf(ctx: MutationCtx, view: Pick<Doc<"pageViews">, "sessionId" | "path" | "timestamp">): Promise<void> {
  const latest = await visitAt(ctx, view.sessionId, view.timestamp);
  if (latest !== null && view.timestamp <= latest.lastActivity) {
    if (view.timestamp === latest.start) await joinPreviousVisit(ctx, latest);
    return;
  }
  if (latest !== null && isOpen(latest, view.timestamp)) {
    await ctx.db.patch(latest._id, { lastActivity: view.timestamp, views: latest.views + 1, exitPage: view.path });
    return;
  }
  const { sessionId, path, timestamp } = view;
  await ctx.db.insert("visits", { sessionId, start: timestamp, lastActivity: timestamp, views: 1, entryPage: path, exitPage: path, ...UNKNOWN_ATTRIBUTES });
}

const ATTRIBUTE_FIELDS = Object.keys(vVisitAttributes.fields) as (keyof VisitAttributes)[];

function attributesOf(visit: Visit): VisitAttributes {
  return Object.fromEntries(ATTRIBUTE_FIELDS.flatMap((field) => (visit[field] === undefined ? [] : [[field, visit[field]]]))) as VisitAttributes;
}

/** The live state a visit carries (beatVisit), for a rebuilt row to keep. */
const liveStateFieldsOf = ({ currentPath, pageChanges }: Visit) => ({ ...(currentPath === undefined ? {} : { currentPath }), ...(pageChanges === undefined ? {} : { pageChanges }) });

/** True for a visit whose views carried no context: one rebuilt from views recorded before visits existed. */
const knowsNothing = (visit: Visit) => ATTRIBUTE_FIELDS.every((field) => visit[field] === UNKNOWN_ATTRIBUTES[field]);

/**
 * Makes `visit` and the session's visit before it one visit when `visit`
 * started within the timeout of that one's last activity: it enters at the
 * earlier one's page, with the earlier one's attributes (or the later one's,
 * when the earlier knows nothing of its source and device), and the live state
 * of the one that ends later. The later row is
 * kept (its session may still be writing it), the earlier deleted. Only the
 * backfill calls this, before it settles any visit, so the joined visit is
 * settled once.
 */
async function joinPreviousVisit(ctx: MutationCtx, visit: Visit): Promise<void> {
  const previous = await ctx.db
    .query("visits")
    .withIndex("by_session_start", (q) => q.eq("sessionId", visit.sessionId).lt("start", visit.start))
    .order("desc")
    .first();
  if (previous === null || !isOpen(previous, visit.start)) return;
  const endsLater = visit.lastActivity >= previous.lastActivity;
  const scrollDepths = (visit.scrollDepths ?? []).reduce((depths, scroll) => deeperScroll(depths, scroll) ?? depths, previous.scrollDepths ?? []);
  await ctx.db.replace(visit._id, {
    sessionId: visit.sessionId,
    start: previous.start,
    lastActivity: endsLater ? visit.lastActivity : previous.lastActivity,
    views: previous.views + visit.views,
    entryPage: previous.entryPage,
    exitPage: endsLater ? visit.exitPage : previous.exitPage,
    ...liveStateFieldsOf(endsLater ? visit : previous),
    ...attributesOf(knowsNothing(previous) ? visit : previous),
    ...(scrollDepths.length === 0 ? {} : { scrollDepths }),
  });
  await ctx.db.delete(previous._id);
}
