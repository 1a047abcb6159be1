import { defineBatchWorkerValidators, ping } from "@convex-dev/batch-worker";
import { v, type Infer } from "convex/values";
import { components, internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import {
  SESSION_TIMEOUT_MS,
  STATS_WORKER_NAME,
  WORKER_COOLDOWN_MS,
  WORKER_DEBOUNCE_MS,
  WORKER_EXPIRIES_PER_BATCH,
  WORKER_SESSIONS_PER_BATCH,
  WORKER_VIEWS_PER_BATCH,
} from "./config";
import { hasChunkBudget } from "./budget";
import { finishPageViewFold, foldPageView, startPageViewFold } from "./foldPageViews";
import { expireSessions, foldSessionState, recountActivePages, type TouchedPages } from "./foldSessions";

/**
 * The stats worker (`@convex-dev/batch-worker`): the single writer of every
 * derived table and aggregate. Visitors append rows and ping it; it reads what
 * committed since its cursor with a snapshot query (no read dependencies, so
 * new rows never make it retry) and folds them in one transaction, at most
 * about twice a second.
 */

const vView = v.object({
  committedAt: v.int64(),
  _id: v.id("pageViews"),
  _creationTime: v.number(),
  path: v.string(),
  pageType: v.string(),
  sessionId: v.string(),
  timestamp: v.number(),
});
const vSessionState = v.object({ committedAt: v.int64(), sessionId: v.string(), currentPath: v.string(), lastSeen: v.number() });
// How far each appended table has been folded: the commit timestamp of its last row folded.
const vCursor = v.object({ views: v.optional(v.int64()), sessions: v.optional(v.int64()) });

export const workerValidators = defineBatchWorkerValidators({
  // `from` is the cursor the batch was read after, so a batch cut short by the budget can say how far it got.
  batch: { from: vCursor, views: v.array(vView), sessions: v.array(vSessionState), expired: v.array(v.string()) },
  cursor: vCursor,
});
export type WorkerCursor = Infer<typeof vCursor>;
export type WorkerBatch = Infer<typeof workerValidators.vMutationArgs>;
type WorkResult = Infer<typeof workerValidators.vQueryReturns>;

/** Makes sure the worker runs. While it does, this only reads its (rarely written) worker document. */
export async function pingStatsWorker(ctx: MutationCtx): Promise<void> {
  await ping(ctx, components.batchWorker, {
    name: STATS_WORKER_NAME,
    workQuery: internal.worker.nextBatch,
    workerMutation: internal.worker.foldBatch,
    config: { debounceMs: WORKER_DEBOUNCE_MS },
  });
}

type Appended = "pageViews" | "activeSessions";

/**
 * Rows of `table` committed after `after`, up to `limit`, plus the rest of the
 * last commit among them (one commit's rows share a timestamp), so the next
 * scan can start strictly after it and never takes a row twice.
 */
async function committedAfter<T extends Appended>(ctx: QueryCtx, table: T, after: bigint | undefined, limit: number): Promise<Doc<T>[]> {
  // Both appended tables have this index; TypeScript cannot follow the field through the generic table.
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

/** Read back from a committed row (every row this scan returns has one), the commit timestamp is a bigint. */
const commitTsOf = (row: { committedAt?: unknown }) => row.committedAt as bigint;

/** The work query: new views, changed sessions and sessions past the timeout, or idle when there are none. */
export async function nextBatch(ctx: QueryCtx, cursor: WorkerCursor | undefined, now: number): Promise<WorkResult> {
  const views = await committedAfter(ctx, "pageViews", cursor?.views, WORKER_VIEWS_PER_BATCH);
  const sessions = await committedAfter(ctx, "activeSessions", cursor?.sessions, WORKER_SESSIONS_PER_BATCH);
  const expired = await ctx.db
    .query("liveSessions")
    .withIndex("by_lastSeen", (q) => q.lt("lastSeen", now - SESSION_TIMEOUT_MS))
    .take(WORKER_EXPIRIES_PER_BATCH);
  if (views.length === 0 && sessions.length === 0 && expired.length === 0) {
    return { kind: "idle", cooldownMs: WORKER_COOLDOWN_MS, pollIntervalMs: WORKER_DEBOUNCE_MS };
  }
  const from = cursor ?? {};
  return {
    kind: "work",
    batch: {
      from,
      views: views.map((view) => ({
        committedAt: commitTsOf(view),
        _id: view._id,
        _creationTime: view._creationTime,
        path: view.path,
        pageType: view.pageType,
        sessionId: view.sessionId,
        timestamp: view.timestamp,
      })),
      sessions: sessions.map((session) => ({
        committedAt: commitTsOf(session),
        sessionId: session.sessionId,
        currentPath: session.currentPath,
        lastSeen: session.lastSeen,
      })),
      expired: expired.map((live) => live.sessionId),
    },
    cursor: {
      views: views.length > 0 ? commitTsOf(views.at(-1)!) : from.views,
      sessions: sessions.length > 0 ? commitTsOf(sessions.at(-1)!) : from.sessions,
    },
  };
}

/**
 * Folds rows in commit order while the transaction has budget, stopping only
 * between commits; returns the commit timestamp of the last row folded.
 */
async function foldWhileBudget<Row extends { committedAt: bigint }>(
  ctx: MutationCtx,
  rows: Row[],
  from: bigint | undefined,
  fold: (row: Row) => Promise<void>,
): Promise<bigint | undefined> {
  let folded = from;
  for (const row of rows) {
    if (row.committedAt !== folded && !(await hasChunkBudget(ctx))) break;
    await fold(row);
    folded = row.committedAt;
  }
  return folded;
}

/**
 * The worker mutation: folds one batch (as much of it as half of Convex's
 * limits allow; the rest comes in the next batch), then waits
 * WORKER_DEBOUNCE_MS so readers re-run at a bounded rate.
 */
export async function foldBatch(ctx: MutationCtx, batch: WorkerBatch, now: number): Promise<{ debounceMs: number; cursor: WorkerCursor }> {
  const fold = startPageViewFold();
  const views = await foldWhileBudget(ctx, batch.views, batch.from.views, (view) => foldPageView(ctx, fold, view));
  await finishPageViewFold(ctx, fold);

  const touched: TouchedPages = new Set();
  const sessions = await foldWhileBudget(ctx, batch.sessions, batch.from.sessions, (state) => foldSessionState(ctx, touched, state, now));
  await expireSessions(ctx, touched, batch.expired, now);
  await recountActivePages(ctx, touched);
  return { debounceMs: WORKER_DEBOUNCE_MS, cursor: { views, sessions } };
}
