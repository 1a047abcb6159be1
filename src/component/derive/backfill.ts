import { markGoalsFolded } from "./goalBuckets.js";
import { streamQuery, type IndexKey } from "convex-helpers/server/pagination";
import { v, type Infer } from "convex/values";
import { components } from "../_generated/api.js";
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import schema from "../schema.js";
import { BACKFILL_ROWS_PER_BATCH, SESSION_TIMEOUT_MS, STATS_WORKER_NAME } from "../../shared/config.js";
import { hasChunkBudget } from "./budget.js";
import { recordRebuiltRules, type DerivedRules } from "./derivedRules.js";
import { rollUpEmptiedBuckets } from "./rollup.js";
import { foldPageView, pendingCost, type PageViewFold } from "./foldPageViews.js";
import { foldSessionState, liveStateOf, type LiveFold } from "./foldSessions.js";
import { foldUnsettledVisits, settleEndedVisits } from "./settleVisits.js";
import { foldEventIntoTime } from "./timeBuckets.js";
import { rebuildVisitOf } from "../record/visits.js";
import { hurryStatsWorker, statsWorkerStatus } from "../record/wakeWorker.js";
import { assertRebuildLosesNothing, forgetRetired } from "../operate/retiredRows.js";

/**
 * The backfill rebuilds every derived table from the source rows: it empties
 * them, then folds every row the live worker will not, with the live worker's
 * own code. It runs inside the stats worker's batches (after the live rows of
 * each), so derived data keeps a single writer and the two never conflict.
 */

type Status = Doc<"backfillStatus">;
export type Phase = Status["phase"];
// "reset" first; then the tables to fold, in this order; last, sessions live through their open visits (after live rows, as the worker folds them).
const PHASES: Phase[] = ["reset", "pageViews", "customEvents", "visits", "activeSessions", "liveVisits"];
// What "reset" empties: everything the fold derives, and raw retention's tally of the views it counts but deleted.
const DERIVED_TABLES = ["visitors", "pathStats", "liveSessions", "activePages", "counters", "sessionMinutes", "eventMinutes", "eventPropGroups", "goalFolds", "visitScopes", "visitFolds", "visitBlocks", "openVisitBlocks", "timeBuckets", "timeBucketChunks", "visitSettlement", "retiredViews"] as const;

const statusFields = schema.tables.backfillStatus.validator.fields;
/** The public view of the status row (no cursor). */
export const vBackfillProgress = v.object({
  state: statusFields.state,
  phase: statusFields.phase,
  processed: statusFields.processed,
  chunks: statusFields.chunks,
  startedAt: statusFields.startedAt,
  updatedAt: statusFields.updatedAt,
  finishedAt: statusFields.finishedAt,
});
export type BackfillProgress = Infer<typeof vBackfillProgress>;
// `acceptRetentionLoss`: rebuild even though raw retention deleted rows the figures count (they would be dropped).
export const vBackfillArgs = { acceptRetentionLoss: v.optional(v.boolean()) };
export const vBackfillStart = v.object({ started: v.boolean(), runId: v.number(), message: v.string() });
export type BackfillStart = Infer<typeof vBackfillStart>;
export type LiveCursor = NonNullable<Status["upTo"]>;

export async function getBackfillStatus(ctx: QueryCtx): Promise<Status | null> {
  return await ctx.db.query("backfillStatus").first();
}

/** True while a running backfill is at its reset, emptying the derived tables. */
export const isResetting = (status: Status | null): boolean => status?.state === "running" && status.phase === "reset";

/** True while a running backfill has yet to fold every event: visits wait for its own settling step, which reads their sessions' events as folded. */
export const isBeforeVisits = (status: Status | null): boolean => status?.state === "running" && PHASES.indexOf(status.phase) < PHASES.indexOf("visits");

/** What the dashboard shows while derived data is being rebuilt. */
export async function getBackfillProgress(ctx: QueryCtx): Promise<BackfillProgress | null> {
  const status = await getBackfillStatus(ctx);
  if (status === null) return null;
  const { state, phase, processed, chunks, startedAt, updatedAt, finishedAt } = status;
  return { state, phase, processed, chunks, startedAt, updatedAt, finishedAt };
}

/**
 * The dashboard entry point. Starts a new run, or, if one is under way, leaves
 * it alone. Either way it makes sure the worker runs: one that was stopped is
 * started again, and a run under way then resumes from its saved cursor. A new
 * run that would drop figures of rows raw retention deleted needs
 * `acceptRetentionLoss` (operate/retiredRows.ts).
 */
export async function startBackfill(ctx: MutationCtx, now: number, acceptRetentionLoss = false): Promise<BackfillStart> {
  const status = await getBackfillStatus(ctx);
  if (status?.state !== "running") await assertRebuildLosesNothing(ctx, acceptRetentionLoss);
  const resumed = await ensureWorkerRuns(ctx);
  if (status?.state === "running") {
    const message = resumed ? `resumed at ${status.phase} after ${status.processed} rows` : `already running (${status.processed} rows so far)`;
    return log({ started: resumed, runId: status.runId, message });
  }
  const fresh = {
    state: "running" as const,
    runId: (status?.runId ?? 0) + 1,
    phase: PHASES[0],
    cursor: null,
    upTo: undefined,
    processed: 0,
    chunks: 0,
    startedAt: now,
    updatedAt: now,
    finishedAt: undefined,
  };
  if (status === null) await ctx.db.insert("backfillStatus", fresh);
  else await ctx.db.replace(status._id, fresh);
  return log({ started: true, runId: fresh.runId, message: "started" });
}

/** Starts the stats worker if it was stopped (true), else hurries it (false): a ping alone would wait out its unwatched debounce. */
async function ensureWorkerRuns(ctx: MutationCtx): Promise<boolean> {
  const worker = await statsWorkerStatus(ctx);
  if (worker?.kind !== "stopped") {
    await hurryStatsWorker(ctx, worker);
    return false;
  }
  await ctx.runMutation(components.batchWorker.lib.start, { name: STATS_WORKER_NAME });
  return true;
}

function log(result: BackfillStart): BackfillStart {
  console.log(`[backfill] run ${result.runId}: ${result.message}`);
  return result;
}

/** The folds of the worker's batch, which the backfill's rows join. */
export type BatchFolds = { views: PageViewFold; live: LiveFold; now: number };

/** True while the batch can fold one more row and still write everything it has gathered within its budget. */
export async function hasFoldBudget(ctx: MutationCtx, folds: BatchFolds): Promise<boolean> {
  return await hasChunkBudget(ctx, pendingCost(folds.views));
}

/**
 * One step of a running backfill, inside a worker batch, with the budget the
 * live rows left: empties the derived tables, or walks the source tables from
 * the saved cursor, folding each row the live worker will not fold. `live` is
 * the worker's cursor: when the reset ends, everything committed after it is
 * the live worker's, and the derived tables, empty, are from then on built
 * under the running `rules`, which it records.
 */
export async function runBackfillStep(ctx: MutationCtx, folds: BatchFolds, live: LiveCursor, rules: DerivedRules): Promise<{ done: boolean }> {
  const status = await getBackfillStatus(ctx);
  if (status === null || status.state !== "running") return { done: false };
  let { phase, cursor, upTo } = status;
  let processed = 0;
  let settled = 0;
  let done = false;
  for (;;) {
    const walked =
      phase === "reset"
        ? await resetDerivedTables(ctx)
        : phase === "visits"
          ? await settleVisits(ctx, folds)
          : await walkTable(ctx, phase, cursor, folds, upTo ?? {}, BACKFILL_ROWS_PER_BATCH - processed);
    processed += walked.processed;
    settled += walked.settled ?? 0;
    cursor = walked.cursor;
    if (!walked.exhausted) break;
    if (phase === "reset") {
      upTo = live;
      // The walk folds every row into every goal's own buckets too: their history is whole.
      await markGoalsFolded(ctx);
      await recordRebuiltRules(ctx, rules, folds.now);
      await forgetRetired(ctx);
      await rollUpEmptiedBuckets(ctx, folds.now);
    }
    const next = PHASES[PHASES.indexOf(phase) + 1];
    if (next === undefined) {
      done = true;
      break;
    }
    phase = next;
    cursor = null;
  }
  const total = status.processed + processed;
  const chunks = status.chunks + 1;
  await ctx.db.patch(status._id, {
    phase,
    cursor,
    upTo,
    processed: total,
    chunks,
    updatedAt: folds.now,
    ...(done ? { state: "done" as const, finishedAt: folds.now } : {}),
  });
  const worked = phase === status.phase ? status.phase : `${status.phase}→${phase}`;
  const visits = settled > 0 ? `, ${settled} visits folded` : "";
  console.log(`[backfill] run ${status.runId} chunk ${chunks} (${worked}): ${processed} rows${visits} (${total} rows in all), ${done ? "done" : `next at ${phase}`}`);
  return { done };
}

/**
 * The rules changed incompatibly while a run was rebuilding under the old
 * ones: what it folded so far would be mixed with what follows, so it starts
 * again from the reset (a run still in its reset rebuilds under the new ones).
 */
export async function restartBackfillPastReset(ctx: MutationCtx, now: number, why = "the rules derived data is built under changed while it ran"): Promise<void> {
  const status = await getBackfillStatus(ctx);
  if (status?.state !== "running" || status.phase === "reset") return;
  await ctx.db.patch(status._id, { phase: "reset", cursor: null, upTo: undefined, updatedAt: now });
  console.log(`[backfill] run ${status.runId}: ${why} (at ${status.phase}); starting again from the reset`);
}

// `processed`: source rows walked; `settled`: visits folded, ended (settled) or open (the visits phase walks no source table).
type Walked = { processed: number; settled?: number; cursor: Status["cursor"]; exhausted: boolean };

/** Deletes derived rows while the budget lasts; exhausted once every derived table is empty. */
async function resetDerivedTables(ctx: MutationCtx): Promise<Walked> {
  for (const table of DERIVED_TABLES) {
    for (const row of await ctx.db.query(table).take(BACKFILL_ROWS_PER_BATCH)) {
      if (!(await hasChunkBudget(ctx))) return { processed: 0, cursor: null, exhausted: false };
      await ctx.db.delete(row._id);
    }
    if ((await ctx.db.query(table).first()) !== null) return { processed: 0, cursor: null, exhausted: false };
  }
  return { processed: 0, cursor: null, exhausted: true };
}

/** Settles every visit that has ended, with the live worker's settling step (the reset emptied its cursor), then folds those still open. */
async function settleVisits(ctx: MutationCtx, folds: BatchFolds): Promise<Walked> {
  const hasBudget = () => hasFoldBudget(ctx, folds);
  const { settled, exhausted } = await settleEndedVisits(ctx, folds.views.time, folds.now, hasBudget);
  if (!exhausted) return { processed: 0, settled, cursor: null, exhausted };
  const open = await foldUnsettledVisits(ctx, folds.views.time, hasBudget);
  return { processed: 0, settled: settled + open.folded, cursor: null, exhausted: open.exhausted };
}

/** True when the live worker folds this row: it committed after the worker's cursor at the end of the reset. */
function isLiveWorkers(committedAt: unknown, upTo: bigint | undefined): boolean {
  return committedAt !== undefined && (upTo === undefined || (committedAt as bigint) > upTo);
}

type WalkPhase = Exclude<Phase, "reset" | "visits">;
type WalkedRow = Doc<"pageViews"> | Doc<"customEvents"> | Doc<"activeSessions"> | Doc<"visits">;

/** The rows `phase` walks from `cursor`, with their index keys. */
function rowsOf(ctx: MutationCtx, phase: WalkPhase, cursor: Status["cursor"], now: number): AsyncGenerator<[WalkedRow, IndexKey]> {
  const startIndexKey = (cursor ?? undefined) as IndexKey | undefined;
  switch (phase) {
    // Views in time order, so a step covers a span of time (what per-time-bucket figures will want); other tables by creation.
    case "pageViews":
      return streamQuery(ctx, { table: "pageViews", index: "by_timestamp", schema, startIndexKey });
    // Visits active within the session timeout of the phase's first step, up to now (a rebuilt visit of views from the future says nothing of now).
    case "liveVisits":
      return streamQuery(ctx, { table: "visits", index: "by_lastActivity", schema, startIndexKey: startIndexKey ?? [now - SESSION_TIMEOUT_MS], startInclusive: cursor === null, endIndexKey: [now] });
    default:
      return streamQuery(ctx, { table: phase, startIndexKey });
  }
}

/** Folds up to `limit` rows of `phase` from the cursor, while the budget lasts. */
async function walkTable(ctx: MutationCtx, phase: WalkPhase, cursor: Status["cursor"], folds: BatchFolds, upTo: LiveCursor, limit: number): Promise<Walked> {
  let processed = 0;
  for await (const [row, indexKey] of rowsOf(ctx, phase, cursor, folds.now)) {
    if (processed >= limit || !(await hasFoldBudget(ctx, folds))) return { processed, cursor, exhausted: false };
    await foldRow(ctx, phase, row, folds, upTo);
    cursor = indexKey as Status["cursor"];
    processed++;
  }
  return { processed, cursor, exhausted: true };
}

async function foldRow(ctx: MutationCtx, phase: WalkPhase, row: WalkedRow, folds: BatchFolds, upTo: LiveCursor): Promise<void> {
  switch (phase) {
    case "pageViews": {
      const view = row as Doc<"pageViews">;
      if (!isLiveWorkers(view.committedAt, upTo.views)) await foldPageView(ctx, folds.views, view);
      // Every view, the live worker's too: one from before visits existed gets its visit, and a visit's first one joins it to the visit it continues.
      return await rebuildVisitOf(ctx, view);
    }
    case "customEvents": {
      const event = row as Doc<"customEvents">;
      if (!isLiveWorkers(event.committedAt, upTo.events)) await foldEventIntoTime(ctx, folds.views.time, event);
      return;
    }
    case "activeSessions": {
      const session = row as Doc<"activeSessions">;
      if (!isLiveWorkers(session.committedAt, upTo.sessions)) await foldSessionState(ctx, folds.live, session, folds.now);
      return;
    }
    // Every one, the live worker's too: a fold keeps the latest state of a session, whichever comes first.
    case "liveVisits":
      return await foldSessionState(ctx, folds.live, liveStateOf(row as Doc<"visits">), folds.now);
  }
}
