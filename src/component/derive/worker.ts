import { defineBatchWorkerValidators } from "@convex-dev/batch-worker";
import { v, type Infer } from "convex/values";
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import {
  SESSION_TIMEOUT_MS,
  WORKER_COOLDOWN_MS,
  WORKER_DEBOUNCE_MS,
  WORKER_EXPIRIES_PER_BATCH,
  WORKER_SESSIONS_PER_BATCH,
  WORKER_UNWATCHED_DEBOUNCE_MS,
  WORKER_UNWATCHED_FOLD_MS,
  WORKER_VIEWS_PER_BATCH,
  WORKER_VISITS_PER_BATCH,
  FILTER_SNAPSHOT_MS,
} from "../../shared/config.js";
import { getDashboardWatch, isWatched } from "../read/dashboardWatch.js";
import { getBackfillStatus, hasFoldBudget, isBeforeVisits, isResetting, restartBackfillPastReset, runBackfillStep, type BatchFolds } from "./backfill.js";
import { compareRules, getRecordedRules, holdsForRules, needsRebuild, runningRules } from "./derivedRules.js";
import { finishPageViewFold, foldPageView, startPageViewFold } from "./foldPageViews.js";
import { foldCommittedChange, unfoldVisit } from "./foldVisits.js";
import { vVisitFields } from "../record/visitFields.js";
import { propPairs, vPropPairs, vStoredRevenue } from "../record/eventFields.js";
import { foldEventIntoGoal, foldEventIntoTime, foldViewIntoGoal } from "./timeBuckets.js";
import { foldedGoalsOf, foldGoalHistory, hasGoalHistoryToFold } from "./goalBuckets.js";
import { expireSession, finishLiveFold, foldSessionState, liveStateOf, startLiveFold, untilNextExpiry } from "./foldSessions.js";
import { isRollupDue, runRollupStep } from "./rollup.js";
import { endedVisitsBy, settleEndedVisits } from "./settleVisits.js";
import { getSnapshotCore, isSnapshotDue, isSnapshotStale, mayPublishSettled, publishOpenVisits } from "./openVisitSnapshot.js";
import { admitSessionState, admitView, finishCapFold, startCapFold, type CappedState } from "./siteCaps.js";

/**
 * The stats worker (`@convex-dev/batch-worker`): the single writer of every
 * derived table and counter. Visitors append rows and ping it; it reads what
 * committed since its cursor with a snapshot query (no read dependencies, so
 * new rows never make it retry) and folds them in one transaction. Its cadence
 * depends on whether a dashboard watches (read/dashboardWatch.ts, read here
 * only): watched, it waits WORKER_DEBOUNCE_MS after a batch (a view shows
 * within 2 s) and, with nothing to fold but sessions live, sleeps only until
 * the first of them times out (batch-worker's idle `timeoutMs`), taking it off
 * "active now" on time; unwatched, it waits WORKER_UNWATCHED_DEBOUNCE_MS after
 * a batch (pings meanwhile only read its worker document; nobody sees "active
 * now" then), folds sessions each time but lets views and visits wait up to
 * WORKER_UNWATCHED_FOLD_MS and folds them together (one batch then writes each bucket they share once; what the
 * visits waiting say of their sessions goes into "active now" each time, from a
 * cursor of its own, as it does while rules or a backfill hold them), and with
 * nothing to fold goes idle at once, with no timer: the cleanup cron wakes it for
 * sessions past the timeout and ended visits, and a dashboard that starts
 * watching has it catch up (record/wakeWorker.ts). Nothing runs on a site
 * nobody is on. While a backfill runs, each batch also takes a step of it
 * (component/derive/backfill.ts), so derived data keeps this one writer. While the
 * rules derived data was built under differ incompatibly from the running
 * ones (component/derive/derivedRules.ts), it folds no views and settles no visits
 * (they wait behind its cursor) until a backfill rebuilds under the new ones;
 * "active now" depends on none of those rules and stays live.
 */

// `newVisitor`: as the visitor's call stamped the row, for the site-wide caps (derive/siteCaps.ts).
const vView = v.object({
  committedAt: v.int64(),
  path: v.string(),
  pageType: v.string(),
  sessionId: v.string(),
  timestamp: v.number(),
  newVisitor: v.optional(v.boolean()),
});
const vSessionState = v.object({
  committedAt: v.int64(),
  sessionId: v.string(),
  currentPath: v.string(),
  lastSeen: v.number(),
  newVisitor: v.optional(v.boolean()),
});
// A custom event as the fold needs it (derive/timeBuckets.ts foldEventIntoTime).
const vCustomEventFold = v.object({
  committedAt: v.int64(),
  sessionId: v.string(),
  name: v.string(),
  timestamp: v.number(),
  props: v.optional(vPropPairs),
  revenue: v.optional(vStoredRevenue),
});
// A visit as a change of it committed (derive/foldVisits.ts), with its session's page (derive/foldSessions.ts).
const vVisitChange = v.object({ committedAt: v.int64(), id: v.id("visits"), creationTime: v.number(), ...vVisitFields, currentPath: v.optional(v.string()) });
// How far each table has been folded: the commit timestamp of its last row (or change) folded; `waitingSince`: unwatched,
// since when views or visits have waited unfolded (they are due WORKER_UNWATCHED_FOLD_MS later); `liveVisits`: how far
// visit changes waiting past `visits` are folded into "active now" (absent: no further than `visits`).
const vCursor = v.object({
  views: v.optional(v.int64()),
  sessions: v.optional(v.int64()),
  visits: v.optional(v.int64()),
  liveVisits: v.optional(v.int64()),
  events: v.optional(v.int64()),
  waitingSince: v.optional(v.number()),
});

export const workerValidators = defineBatchWorkerValidators({
  // `from` is the cursor the batch was read after, so a batch cut short by the budget can say how far it got.
  // `settle`: visits have ended and wait to be settled. `publish`: the snapshot of visits in progress is due (derive/openVisitSnapshot.ts). `backfill`: a backfill is running, and this batch takes its next step.
  // `rollup`: old detail is due to be rolled up (derive/rollup.ts), and this batch takes a step of it.
  // `watched`: a dashboard's lease held when the batch was read, which sets the wait after it.
  // `deferredSince`: unwatched, views and visits wait unfolded (not read) since then, until WORKER_UNWATCHED_FOLD_MS later.
  batch: {
    from: vCursor,
    views: v.array(vView),
    sessions: v.array(vSessionState),
    visits: v.optional(v.array(vVisitChange)),
    // While visit changes wait (unwatched, or held by rules or a backfill), what they say of their sessions: "active now" follows them.
    liveVisits: v.optional(v.array(vSessionState)),
    events: v.optional(v.array(vCustomEventFold)),
    expired: v.array(v.string()),
    settle: v.boolean(),
    publish: v.optional(v.boolean()),
    // A goal's own buckets wait for their history (derive/goalBuckets.ts).
    goalHistory: v.optional(v.boolean()),
    backfill: v.boolean(),
    rollup: v.optional(v.boolean()),
    watched: v.boolean(),
    deferredSince: v.optional(v.number()),
  },
  cursor: vCursor,
});
export type WorkerCursor = Infer<typeof vCursor>;
export type WorkerBatch = Infer<typeof workerValidators.vMutationArgs>;
type WorkResult = Infer<typeof workerValidators.vQueryReturns>;

type Appended = "pageViews" | "activeSessions" | "visits" | "customEvents";

/**
 * Rows of `table` committed after `after`, up to `limit`, plus the rest of the
 * last commit among them (one commit's rows share a timestamp), so the next
 * scan can start strictly after it and never takes a row twice.
 */
async function committedAfter<T extends Appended>(ctx: QueryCtx, table: T, after: bigint | undefined, limit: number): Promise<Doc<T>[]> {
  // Each of these tables has this index; TypeScript cannot follow the field through the generic table.
  const rows = await ctx.db
    .query(table)
    .withIndex("by_committedAt", (q) => q.gt("committedAt", (after ?? -1n) as never))
    .take(limit);
  const last = rows.at(-1)?.committedAt;
  if (rows.length < limit || last === undefined) return rows;
  const taken = new Set(rows.map((row) => row._id));
  // Every mutation of ours appends one row, so a tie is tiny; the bound only guards the read.
  const tie = await ctx.db
    .query(table)
    .withIndex("by_committedAt", (q) => q.eq("committedAt", last as never))
    .take(limit);
  return [...rows, ...tie.filter((row) => !taken.has(row._id))];
}

/** A row's new-visitor mark, when it has one (an absent field stays absent in the batch). */
const newVisitorOf = (row: { newVisitor?: boolean }) => (row.newVisitor === undefined ? {} : { newVisitor: row.newVisitor });

/** Read back from a committed row (every row this scan returns has one), the commit timestamp is a bigint. */
const commitTsOf = (row: { committedAt?: unknown }) => row.committedAt as bigint;

/**
 * Whether a visitor's view or heartbeat (on its visit, or on its live row) was written since `since`: then more may follow, and the idle
 * watched worker polls through its cooldown rather than being woken again; after a wake-up on a timer nobody called, and it stops at once.
 */
async function visitorCalledWithin(ctx: QueryCtx, since: number): Promise<boolean> {
  const view = await ctx.db.query("pageViews").withIndex("by_committedAt").order("desc").first();
  if (view !== null && view.timestamp >= since) return true;
  const visit = await ctx.db.query("visits").withIndex("by_committedAt").order("desc").first();
  if (visit !== null && visit.lastActivity >= since) return true;
  const session = await ctx.db.query("activeSessions").withIndex("by_committedAt").order("desc").first();
  return session !== null && session.lastSeen >= since;
}

/**
 * The work query: new views, changed sessions and visits, sessions past the timeout,
 * visits that ended, and a running backfill's next step, or idle when there is none of these (idle and watched, it
 * names when the first live session times out, and the loop sleeps until then unless a ping wakes it first;
 * unwatched, the loop stops). While
 * a backfill empties the derived tables, live rows wait for it; while derived data needs a rebuild
 * and no backfill runs, views and visits wait for one.
 */
export async function nextBatch(ctx: QueryCtx, cursor: WorkerCursor | undefined, now: number): Promise<WorkResult> {
  const from = cursor ?? {};
  const watched = isWatched(await getDashboardWatch(ctx), now);
  const backfill = await getBackfillStatus(ctx);
  if (isResetting(backfill)) {
    return { kind: "work", batch: { from, views: [], sessions: [], expired: [], settle: false, backfill: true, watched }, cursor: from };
  }
  const backfilling = backfill?.state === "running";
  const held = !backfilling && needsRebuild(compareRules((await getRecordedRules(ctx))?.rules, runningRules()));
  // Unwatched, views and visits are folded once they have waited WORKER_UNWATCHED_FOLD_MS; until then a batch reads only whether any wait.
  const foldTraffic = watched || backfilling || (from.waitingSince !== undefined && now >= from.waitingSince + WORKER_UNWATCHED_FOLD_MS);
  const upTo = (limit: number) => (foldTraffic ? limit : 1);
  const views = held ? [] : await committedAfter(ctx, "pageViews", cursor?.views, upTo(WORKER_VIEWS_PER_BATCH));
  const sessions = await committedAfter(ctx, "activeSessions", cursor?.sessions, WORKER_SESSIONS_PER_BATCH);
  // Visits change with views and heartbeats; they wait, as settling does, while a backfill rebuilds them.
  const visitsWait = held || (backfilling && (backfill.phase === "pageViews" || backfill.phase === "visits"));
  const visits = visitsWait ? [] : await committedAfter(ctx, "visits", cursor?.visits, upTo(WORKER_VISITS_PER_BATCH));
  // Custom events wait, as views do, while the rules hold the fold.
  const events = held ? [] : await committedAfter(ctx, "customEvents", cursor?.events, upTo(WORKER_VIEWS_PER_BATCH));
  const deferredSince = !foldTraffic && (views.length > 0 || visits.length > 0 || events.length > 0) ? (from.waitingSince ?? now) : undefined;
  // What this batch folds of them: all it read, or nothing while they wait.
  const [foldedViews, foldedVisits, foldedEvents] = deferredSince === undefined ? [views, visits, events] : [[], [], []];
  // Visit changes this batch does not fold still move "active now", read past their own cursor (a fold re-reads them: it keeps the latest state).
  const liveVisits = visitsWait || deferredSince !== undefined ? await committedAfter(ctx, "visits", from.liveVisits ?? from.visits, WORKER_SESSIONS_PER_BATCH) : [];
  const expired = await ctx.db
    .query("liveSessions")
    .withIndex("by_lastSeen", (q) => q.lt("lastSeen", now - SESSION_TIMEOUT_MS))
    .take(WORKER_EXPIRIES_PER_BATCH);
  // Until a backfill has rebuilt visits and settled them again, settling is its work; a visit settles only after its views are folded,
  // and with the snapshot of visits in progress, at most every FILTER_SNAPSHOT_MS, so a filter's scan counts each visit once.
  const snapshot = await getSnapshotCore(ctx);
  const snapshotDue = isSnapshotDue(snapshot, now);
  const endedBy = !visitsWait && deferredSince === undefined ? await endedVisitsBy(ctx) : () => false;
  const endedVisits = endedBy(now);
  const settle = endedVisits && mayPublishSettled(snapshot, now, endedBy);
  const snapshotStale = isSnapshotStale(snapshot, foldedVisits.length > 0 ? commitTsOf(foldedVisits.at(-1)!) : from.visits);
  const publish = !visitsWait && snapshotDue && (settle || snapshotStale);
  // The rollup waits for a backfill (it rebuilds below the same horizons) and for rules that hold the fold.
  const rollup = !held && !backfilling && (await isRollupDue(ctx, now));
  const goalHistory = !held && (await hasGoalHistoryToFold(ctx));
  const nothingNew = views.length === 0 && sessions.length === 0 && visits.length === 0 && liveVisits.length === 0 && events.length === 0;
  if (nothingNew && expired.length === 0 && !settle && !publish && !backfilling && !rollup && !goalHistory) {
    if (!watched) return { kind: "idle", cooldownMs: 0 };
    const cooldownMs = (await visitorCalledWithin(ctx, now - WORKER_COOLDOWN_MS)) ? WORKER_COOLDOWN_MS : 0;
    const expiryInMs = await untilNextExpiry(ctx, now);
    // Ended visits, or visits folded since the snapshot, wait for it to fall due.
    const snapshotInMs = !snapshotDue && (endedVisits || snapshotStale) ? snapshot!.publishedAt + FILTER_SNAPSHOT_MS - now : null;
    const wakeInMs = [expiryInMs, snapshotInMs].filter((ms) => ms !== null).reduce<number | null>((soonest, ms) => (soonest === null ? ms : Math.min(soonest, ms)), null);
    return { kind: "idle", cooldownMs, pollIntervalMs: WORKER_DEBOUNCE_MS, ...(wakeInMs === null ? {} : { timeoutMs: wakeInMs }) };
  }
  return {
    kind: "work",
    batch: {
      from,
      settle,
      publish,
      backfill: backfilling,
      rollup,
      goalHistory,
      watched,
      ...(deferredSince === undefined ? {} : { deferredSince }),
      views: foldedViews.map((view) => ({
        committedAt: commitTsOf(view),
        path: view.path,
        pageType: view.pageType,
        sessionId: view.sessionId,
        timestamp: view.timestamp,
        ...newVisitorOf(view),
      })),
      sessions: sessions.map((session) => ({
        committedAt: commitTsOf(session),
        sessionId: session.sessionId,
        currentPath: session.currentPath,
        lastSeen: session.lastSeen,
        ...newVisitorOf(session),
      })),
      visits: foldedVisits.map(({ _id, _creationTime, committedAt, pageChanges: _limit, ...visit }) => ({ committedAt: commitTsOf({ committedAt }), id: _id, creationTime: _creationTime, ...visit })),
      liveVisits: liveVisits.map((visit) => ({ committedAt: commitTsOf(visit), ...liveStateOf(visit) })),
      events: foldedEvents.map((event) => ({
        committedAt: commitTsOf(event),
        sessionId: event.sessionId,
        name: event.name,
        timestamp: event.timestamp,
        ...(event.props === undefined ? {} : { props: propPairs(event.props) }),
        ...(event.revenue === undefined ? {} : { revenue: event.revenue }),
      })),
      expired: expired.map((live) => live.sessionId),
    },
    cursor: {
      views: foldedViews.length > 0 ? commitTsOf(foldedViews.at(-1)!) : from.views,
      sessions: sessions.length > 0 ? commitTsOf(sessions.at(-1)!) : from.sessions,
      visits: foldedVisits.length > 0 ? commitTsOf(foldedVisits.at(-1)!) : from.visits,
      liveVisits: liveVisits.length > 0 ? commitTsOf(liveVisits.at(-1)!) : from.liveVisits,
      events: foldedEvents.length > 0 ? commitTsOf(foldedEvents.at(-1)!) : from.events,
      ...(deferredSince === undefined ? {} : { waitingSince: deferredSince }),
    },
  };
}

/**
 * Folds rows in commit order while the transaction has budget, stopping only
 * between commits; returns the commit timestamp of the last row folded.
 */
async function foldWhileBudget<Row extends { committedAt: bigint }>(
  ctx: MutationCtx,
  folds: BatchFolds,
  rows: Row[],
  from: bigint | undefined,
  fold: (row: Row) => Promise<void>,
): Promise<bigint | undefined> {
  let folded = from;
  for (const row of rows) {
    if (row.committedAt !== folded && !(await hasFoldBudget(ctx, folds))) break;
    await fold(row);
    folded = row.committedAt;
  }
  return folded;
}

/**
 * The worker mutation: folds one batch (as much of it as half of Convex's
 * limits allow; the rest comes in the next batch), then a step of a running
 * backfill with the budget left, writes what they folded, and waits for its
 * cadence (cadenceAfter) so readers re-run at a bounded rate. First it checks the
 * rules: while derived data needs a rebuild it folds only sessions, and a
 * backfill that had begun rebuilding under other rules starts again. While a
 * backfill is at its reset (this batch's restart included) it folds no live
 * row and expires no session: they wait for the emptied tables.
 */
export async function foldBatch(ctx: MutationCtx, batch: WorkerBatch, now: number): Promise<{ debounceMs: number; cursor: WorkerCursor }> {
  const rules = runningRules();
  const held = await holdsForRules(ctx, rules, now);
  if (held) await restartBackfillPastReset(ctx, now);
  // A reset empties the tables live rows fold into, so its deltas would land in empty tables: live rows wait behind the cursor.
  const backfill = await getBackfillStatus(ctx);
  const resetting = isResetting(backfill);
  const folds: BatchFolds = { views: startPageViewFold(), live: startLiveFold(), now };
  // First, so this batch's folds already write nothing below the horizons it moves (rows the budget leaves wait for the next batch).
  const rolledUp = batch.rollup && !held && !resetting ? (await runRollupStep(ctx, now, () => hasFoldBudget(ctx, folds))).done : true;
  // Live rows pass the site-wide caps first; what they refuse is moved out and never folded.
  const caps = startCapFold(batch.from.views, folds.views.oldVisitorRows);
  const views =
    held || resetting
      ? batch.from.views
      : await foldWhileBudget(ctx, folds, batch.views, batch.from.views, async (view) => {
          if (await admitView(ctx, caps, folds.live, view, now)) await foldPageView(ctx, folds.views, view);
        });
  const foldLiveState = async (state: CappedState) => {
    if (await admitSessionState(ctx, caps, folds.live, state, now)) await foldSessionState(ctx, folds.live, state, now);
  };
  const sessions = resetting ? batch.from.sessions : await foldWhileBudget(ctx, folds, batch.sessions, batch.from.sessions, foldLiveState);
  // After live rows: a visit that changed at its live row's last instant came after it.
  const liveVisits = resetting ? batch.from.liveVisits : await foldWhileBudget(ctx, folds, batch.liveVisits ?? [], batch.from.liveVisits, foldLiveState);
  // Visits the caps remade or deleted leave the buckets; a remade one comes back with its next change, which the remake stamped.
  for (const visit of caps.remade.values()) await unfoldVisit(ctx, folds.views.time, visit);
  // A visit's change waits until the views committed with it have passed the caps: every view of the batch, or up to the views' cursor.
  const viewsLeft = leftBehind(batch.views, views, WORKER_VIEWS_PER_BATCH);
  const visitChanges = resetting || held ? [] : (batch.visits ?? []).filter((change) => !viewsLeft || (views !== undefined && change.committedAt <= views));
  // A visit the caps remade or deleted says nothing of its session until its next change (a refused session's: never).
  const visits = await foldWhileBudget(ctx, folds, visitChanges, batch.from.visits, async ({ id, committedAt, creationTime, ...visit }) => {
    if (caps.remade.has(id)) return;
    await foldCommittedChange(ctx, folds.views.time, { _id: id, _creationTime: creationTime, ...visit });
    await foldSessionState(ctx, folds.live, liveStateOf(visit), now);
  });
  const events = resetting || held ? batch.from.events : await foldWhileBudget(ctx, folds, batch.events ?? [], batch.from.events, (event) => foldEventIntoTime(ctx, folds.views.time, event));
  // Goals with buckets of their own: a new one's live fold begins at this batch's cursors; then its history, with the budget left.
  if (!held && !resetting && batch.backfill && batch.goalHistory) {
    // A goal made while a backfill walks: the walk starts again, folding every row into it too.
    await restartBackfillPastReset(ctx, now, "a goal with buckets of its own was made while it ran");
  } else if (!held && !resetting && (batch.goalHistory || folds.views.time.goals !== undefined)) {
    const time = folds.views.time;
    const { views: viewsFrom, events: eventsFrom } = batch.from;
    const liveFrom = { ...(viewsFrom === undefined ? {} : { views: viewsFrom }), ...(eventsFrom === undefined ? {} : { events: eventsFrom }) };
    await foldGoalHistory(ctx, liveFrom, await foldedGoalsOf(ctx, time), {
      view: (goal, view) => foldViewIntoGoal(ctx, time, goal, view),
      event: (goal, event) => foldEventIntoGoal(ctx, time, goal, event),
      hasBudget: () => hasFoldBudget(ctx, folds),
    }, now);
  }
  let expiredAll = true;
  for (const sessionId of resetting ? [] : batch.expired) {
    if (!(await hasFoldBudget(ctx, folds))) {
      expiredAll = false;
      break;
    }
    await expireSession(ctx, folds.live, sessionId, now);
  }
  // A visit settles only once its views and events are folded: not in a batch that leaves either for the next.
  const eventsLeft = leftBehind(batch.events ?? [], events, WORKER_VIEWS_PER_BATCH);
  const settles = batch.settle && !held && !isBeforeVisits(backfill) && !viewsLeft && !eventsLeft;
  const settledAll = settles ? (await settleEndedVisits(ctx, folds.views.time, now, () => hasFoldBudget(ctx, folds))).exhausted : true;
  const cursor = { views, sessions, visits, events };
  const rebuilt = batch.backfill && (await runBackfillStep(ctx, folds, cursor, rules)).done;
  await finishPageViewFold(ctx, folds.views);
  await finishLiveFold(ctx, folds.live);
  await finishCapFold(ctx, caps, now);
  // A batch that packed settled visits into blocks publishes what is still open in the same commit: no visit is in both, or in neither.
  // So does the one that ends a backfill: one published while it rebuilt the visits in progress may lack some.
  if (batch.publish || folds.views.time.blocks.appended > 0 || rebuilt) await publishOpenVisits(ctx, now, visits);
  const trafficLeft = viewsLeft || eventsLeft || leftBehind(batch.visits ?? [], visits, WORKER_VISITS_PER_BATCH);
  const leftOver =
    !rolledUp ||
    !expiredAll ||
    !settledAll ||
    batch.expired.length >= WORKER_EXPIRIES_PER_BATCH ||
    batch.goalHistory === true ||
    trafficLeft ||
    leftBehind(batch.sessions, sessions, WORKER_SESSIONS_PER_BATCH) ||
    leftBehind(batch.liveVisits ?? [], liveVisits, WORKER_SESSIONS_PER_BATCH);
  // Views and visits still waiting keep their wait's start: deferred ones, or the rest of a fold that was due.
  const waitingSince = batch.deferredSince ?? (trafficLeft ? batch.from.waitingSince : undefined);
  // "Active now" is ahead of the visits' fold only while visit changes wait.
  const liveAhead = liveVisits !== undefined && (visits === undefined || liveVisits > visits) ? { liveVisits } : {};
  return { debounceMs: cadenceAfter(batch, leftOver, now), cursor: { ...cursor, ...liveAhead, ...(waitingSince === undefined ? {} : { waitingSince }) } };
}

/** Whether rows of the batch's list wait for the next batch: the fold stopped short, or the list was cut at its limit. */
const leftBehind = (rows: { committedAt: bigint }[], folded: bigint | undefined, limit: number) =>
  rows.length >= limit || (rows.length > 0 && folded !== rows.at(-1)!.committedAt);

/**
 * How long the worker waits after a batch: WORKER_DEBOUNCE_MS while a dashboard watches, a backfill runs or the
 * batch left work for the next one; otherwise WORKER_UNWATCHED_DEBOUNCE_MS (nobody sees "active now" meanwhile),
 * or less when deferred views and visits fall due sooner.
 */
function cadenceAfter(batch: WorkerBatch, leftOver: boolean, now: number): number {
  if (batch.watched || batch.backfill || leftOver) return WORKER_DEBOUNCE_MS;
  const dueInMs = batch.deferredSince === undefined ? Infinity : Math.max(0, batch.deferredSince + WORKER_UNWATCHED_FOLD_MS - now);
  return Math.min(WORKER_UNWATCHED_DEBOUNCE_MS, dueInMs);
}
