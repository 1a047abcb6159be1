import { streamQuery, type IndexKey } from "convex-helpers/server/pagination";
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import schema from "../schema";
import { pagesByPublished, postsByPublished } from "./aggregates";
import { hasChunkBudget } from "./budget";
import { finishPageViewFold, foldPageView, startPageViewFold, type PageViewFold } from "./foldPageViews";
import { foldSessionState, recountActivePages, restoreLiveSession, type TouchedPages } from "./foldSessions";

type Status = Doc<"backfillStatus">;
export type Phase = Status["phase"];
// Views; then active now: stale page counts, the sessions' own rows, then the worker's records they restored.
const PHASES: Phase[] = ["pageViews", "activePages", "activeSessions", "liveSessions", "posts", "pages"];

const statusFields = schema.tables.backfillStatus.validator.fields;
/** The public view of the status row (no cursor or job ids). */
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
export const vBackfillStart = v.object({ started: v.boolean(), runId: v.number(), message: v.string() });
export type BackfillStart = Infer<typeof vBackfillStart>;

async function getStatus(ctx: QueryCtx): Promise<Status | null> {
  return await ctx.db.query("backfillStatus").first();
}

/** What the dashboard shows while derived data is being rebuilt. */
export async function getBackfillProgress(ctx: QueryCtx): Promise<BackfillProgress | null> {
  const status = await getStatus(ctx);
  if (status === null) return null;
  const { state, phase, processed, chunks, startedAt, updatedAt, finishedAt } = status;
  return { state, phase, processed, chunks, startedAt, updatedAt, finishedAt };
}

/**
 * The dashboard entry point. Starts a new run from the first row, or, if a run
 * is under way, leaves it alone, or resumes it from its saved cursor when its
 * chain of chunks died (a deploy, a crash).
 */
export async function startBackfill(ctx: MutationCtx, now: number): Promise<BackfillStart> {
  const status = await getStatus(ctx);
  if (status?.state === "running") {
    const chunk = status.scheduledChunk ? await ctx.db.system.get(status.scheduledChunk) : null;
    if (chunk?.state.kind === "pending" || chunk?.state.kind === "inProgress") {
      return log({ started: false, runId: status.runId, message: `already running (${status.processed} rows so far)` });
    }
    await scheduleChunk(ctx, status._id, status.runId);
    return log({ started: true, runId: status.runId, message: `resumed at ${status.phase} after ${status.processed} rows` });
  }
  const fresh = {
    state: "running" as const,
    runId: (status?.runId ?? 0) + 1,
    phase: PHASES[0],
    cursor: null,
    processed: 0,
    chunks: 0,
    startedAt: now,
    updatedAt: now,
    finishedAt: undefined,
  };
  const id = status ? (await ctx.db.replace(status._id, fresh), status._id) : await ctx.db.insert("backfillStatus", fresh);
  await scheduleChunk(ctx, id, fresh.runId);
  return log({ started: true, runId: fresh.runId, message: "started" });
}

function log(result: BackfillStart): BackfillStart {
  console.log(`[backfill] run ${result.runId}: ${result.message}`);
  return result;
}

async function scheduleChunk(ctx: MutationCtx, statusId: Status["_id"], runId: number): Promise<void> {
  const scheduledChunk = await ctx.scheduler.runAfter(0, internal.stats.backfillAggregates, { runId });
  await ctx.db.patch(statusId, { scheduledChunk });
}

/** What one chunk folded, finished once at its end. */
type ChunkFold = { views: PageViewFold; pages: TouchedPages; now: number };

/**
 * One chunk: walks the tables from the saved cursor while this transaction
 * has budget, folding each row with the live worker's own code, then finishes
 * the fold (recounts), saves the cursor and schedules the next chunk. A chunk
 * of an older run stops at once.
 */
export async function runBackfillChunk(ctx: MutationCtx, runId: number, now: number): Promise<void> {
  const status = await getStatus(ctx);
  if (status === null || status.state !== "running" || status.runId !== runId) {
    console.log(`[backfill] run ${runId}: superseded, stopping`);
    return;
  }
  const fold: ChunkFold = { views: startPageViewFold(), pages: new Set(), now };
  let { phase, cursor } = status;
  let processed = 0;
  let done = false;
  for (;;) {
    const walked = await walkTable(ctx, phase, cursor, fold);
    processed += walked.processed;
    cursor = walked.cursor;
    if (!walked.exhausted) break;
    const next = PHASES[PHASES.indexOf(phase) + 1];
    if (next === undefined) {
      done = true;
      break;
    }
    phase = next;
    cursor = null;
  }
  // Each recount costs less than the rows that touched it, so it fits in the budget the walk left.
  await finishPageViewFold(ctx, fold.views);
  await recountActivePages(ctx, fold.pages);

  const total = status.processed + processed;
  const chunks = status.chunks + 1;
  await ctx.db.patch(status._id, {
    phase,
    cursor,
    processed: total,
    chunks,
    updatedAt: now,
    ...(done ? { state: "done" as const, finishedAt: now, scheduledChunk: undefined } : {}),
  });
  console.log(`[backfill] run ${runId} chunk ${chunks}: ${processed} rows (${total} in all), ${done ? "done" : `next at ${phase}`}`);
  if (!done) await scheduleChunk(ctx, status._id, runId);
}

type Walked = { processed: number; cursor: Status["cursor"]; exhausted: boolean };

async function walkTable(ctx: MutationCtx, phase: Phase, cursor: Status["cursor"], fold: ChunkFold): Promise<Walked> {
  let processed = 0;
  const rows = streamQuery(ctx, { table: phase, startIndexKey: (cursor ?? undefined) as IndexKey | undefined });
  for await (const [row, indexKey] of rows) {
    if (!(await hasChunkBudget(ctx))) return { processed, cursor, exhausted: false };
    await foldRow(ctx, phase, row, fold);
    cursor = indexKey as Status["cursor"];
    processed++;
  }
  return { processed, cursor, exhausted: true };
}

async function foldRow(ctx: MutationCtx, phase: Phase, row: Doc<Phase>, fold: ChunkFold): Promise<void> {
  switch (phase) {
    case "pageViews":
      return await foldPageView(ctx, fold.views, row as Doc<"pageViews">);
    case "activeSessions":
      return await foldSessionState(ctx, fold.pages, row as Doc<"activeSessions">, fold.now);
    case "liveSessions":
      return await restoreLiveSession(ctx, fold.pages, row as Doc<"liveSessions">);
    case "activePages":
      fold.pages.add((row as Doc<"activePages">).path);
      return;
    case "posts":
      return await postsByPublished.insertIfDoesNotExist(ctx, row as Doc<"posts">);
    case "pages":
      return await pagesByPublished.insertIfDoesNotExist(ctx, row as Doc<"pages">);
  }
}
