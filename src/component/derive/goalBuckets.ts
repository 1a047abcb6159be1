import type { Doc, Id } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { GOALS_MAX } from "../../shared/config.js";
import { goalMatcher, isBucketGoal, listGoalRows, type Goal } from "../operate/goalDefinitions.js";

/**
 * Goals of a page pattern, or of an event narrowed by several property values, have time buckets of their own
 * (prds/events.md): scope `goal:<id>`, group "goal", so their figures read a few documents for any range, like an
 * event's, and a dashboard splits them at midnight like every bucketed figure. The worker folds each view and event
 * into the goals it matches as it folds the rest (derive/timeBuckets.ts), and a goal's history once, after it is
 * made: `goalFolds` holds, per goal, where its live fold began (`liveFrom`: the first batch that knew it) and how
 * far its history is folded; until then, reads count the goal by scanning visits' steps (read/conversions.ts).
 */

/** A goal's scope: by its id, so a goal made again under a deleted one's name starts from nothing. */
export const goalScope = (id: Id<"goals">) => `goal:${id}`;

/** A goal the worker folds into its own buckets, with its test of a view's path or an event. */
export type FoldedGoal = { id: Id<"goals">; scope: string; page: boolean; matches: ReturnType<typeof goalMatcher> };

/** True when a goal has buckets of its own: the rest read their event's (or its one property value's). */
export const hasOwnBuckets = (goal: Goal) => !isBucketGoal(goal);

/** The goals with buckets of their own, read once per batch. */
export async function foldedGoalsOf(ctx: QueryCtx, cache: { goals?: FoldedGoal[] }): Promise<FoldedGoal[]> {
  cache.goals ??= (await listGoalRows(ctx))
    .filter(({ goal }) => hasOwnBuckets(goal))
    .map(({ id, goal }) => ({ id, scope: goalScope(id), page: goal.page !== undefined, matches: goalMatcher(goal) }));
  return cache.goals;
}

/** Where the worker is with each goal's own buckets, by goal. */
export async function goalFoldsOf(ctx: QueryCtx): Promise<Map<Id<"goals">, Doc<"goalFolds">>> {
  const rows = await ctx.db.query("goalFolds").take(GOALS_MAX);
  return new Map(rows.map((row) => [row.goalId, row]));
}

/** A goal's history waits for its first batch, or is folding: the worker has work. */
export async function hasGoalHistoryToFold(ctx: QueryCtx): Promise<boolean> {
  return (await ctx.db.query("goalFolds").withIndex("by_history_done", (q) => q.eq("done", false)).first()) !== null;
}

/**
 * A new goal with buckets of its own: its history is to be folded, once the worker knows where its live fold begins
 * (its next batch). A backfill under way then starts again from its reset, whose walk folds every row into the goal
 * too (derive/worker.ts).
 */
export async function startGoalFold(ctx: MutationCtx, id: Id<"goals">): Promise<void> {
  await ctx.db.insert("goalFolds", { goalId: id, done: false, history: "waiting" });
}

/** Forgets a deleted goal's fold. */
export async function dropGoalFold(ctx: MutationCtx, id: Id<"goals">): Promise<void> {
  const row = await ctx.db
    .query("goalFolds")
    .withIndex("by_goalId", (q) => q.eq("goalId", id))
    .unique();
  if (row !== null) await ctx.db.delete(row._id);
}

/** After a backfill's reset: its walk folds every row into every goal's buckets, so each goal's history is whole (a goal made during the reset has its row already). */
export async function markGoalsFolded(ctx: MutationCtx): Promise<void> {
  const folds = await goalFoldsOf(ctx);
  for (const { id, goal } of await listGoalRows(ctx)) {
    if (!hasOwnBuckets(goal)) continue;
    const row = folds.get(id);
    if (row === undefined) await ctx.db.insert("goalFolds", { goalId: id, done: true, history: "done" });
    else await ctx.db.patch(row._id, { done: true, history: "done" });
  }
}

type Walker = {
  /** Folds one old row into the goal's buckets (derive/timeBuckets.ts). */
  view: (goal: FoldedGoal, view: Doc<"pageViews">) => Promise<void>;
  event: (goal: FoldedGoal, event: Doc<"customEvents">) => Promise<void>;
  hasBudget: () => Promise<boolean>;
};

/**
 * Folds goals' history while the budget lasts. A goal waiting for its first batch begins its live fold here
 * (`liveFrom`: the batch's cursors, so this batch and every later one fold its rows live); then its history is the
 * rows of its table (views for a page goal, events for an event goal) that were there before, walked in creation
 * order from where the last step stopped: those committed up to `liveFrom` (or with no commit time: older than the
 * worker) are folded, the rest are live rows.
 */
export async function foldGoalHistory(ctx: MutationCtx, liveFrom: { views?: bigint; events?: bigint }, goals: FoldedGoal[], walker: Walker, now: number): Promise<void> {
  const folds = await goalFoldsOf(ctx);
  for (const goal of goals) {
    const row = folds.get(goal.id);
    // A goal from before goals had buckets of their own (one narrowed by one property value): its history starts now.
    if (row === undefined) {
      await ctx.db.insert("goalFolds", { goalId: goal.id, done: false, history: { liveFrom, before: now } });
      continue;
    }
    if (row.done) continue;
    if (row.history === "waiting") {
      await ctx.db.patch(row._id, { history: { liveFrom, before: row._creationTime } });
      continue;
    }
    if (row.history === "done") continue;
    const { before } = row.history;
    const upTo = goal.page ? row.history.liveFrom.views : row.history.liveFrom.events;
    let after = row.history.after;
    const table = goal.page ? "pageViews" : "customEvents";
    let finished = true;
    for await (const doc of ctx.db.query(table).withIndex("by_creation_time", (q) => (after === undefined ? q.lt("_creationTime", before) : q.gt("_creationTime", after).lt("_creationTime", before)))) {
      if (!(await walker.hasBudget())) {
        finished = false;
        break;
      }
      const committed = doc.committedAt as bigint | undefined;
      if (committed === undefined || (upTo !== undefined && committed <= upTo)) {
        if (goal.page) await walker.view(goal, doc as Doc<"pageViews">);
        else await walker.event(goal, doc as Doc<"customEvents">);
      }
      after = doc._creationTime;
    }
    await ctx.db.patch(row._id, finished ? { history: "done", done: true } : { history: { ...row.history, ...(after === undefined ? {} : { after }) } });
    if (!finished) return;
  }
}
