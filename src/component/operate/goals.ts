import { ConvexError } from "convex/values";
import type { MutationCtx } from "../_generated/server.js";
import { FUNNELS_MAX, GOAL_PROPS_MAX, GOALS_MAX } from "../../shared/config.js";
import { canonicalPath, type InvalidArgument } from "../../shared/validation.js";
import { eventName, storedProps } from "../record/customEvents.js";
import { goalNamed, type Goal } from "./goalDefinitions.js";
import { dropGoalFold, hasOwnBuckets, startGoalFold } from "../derive/goalBuckets.js";
import { pingStatsWorker } from "../record/wakeWorker.js";

/**
 * Goals (prds/events.md): what a site owner counts as a conversion, named. A goal is a custom event's name, or a page
 * path pattern (`/blog/*`: one segment, `/docs/**`: any depth), an event's narrowed or not by property values. An
 * event goal with at most one property value reads its event's time buckets (any range, no backfill); any other has
 * buckets of its own, which the worker folds from the goal's making on and fills with its history meanwhile
 * (derive/goalBuckets.ts), the visits' steps answering until then; any goal is also tested against each visit's steps
 * when a scan answers (read/filteredVisits.ts). So a goal added later covers all history, exactly.
 * The owner manages them (`npx convex run stats:createGoal`, listGoals, deleteGoal); at most GOALS_MAX, so a
 * breakdown by goal reads a bounded number of scopes. What a goal is and matches: operate/goalDefinitions.ts.
 */

function reject(field: string, message: string): never {
  throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field, message });
}

/**
 * Adds a goal: a unique name (display text, as an event's), and either the event name it counts, narrowed by at most
 * GOAL_PROPS_MAX property values, or the page path pattern it counts views of.
 */
export async function createGoal(ctx: MutationCtx, args: { name: string; event?: string; page?: string; props?: { key: string; value: string }[] }, now: number): Promise<Goal> {
  const name = eventName(args.name, "name");
  if ((args.event === undefined) === (args.page === undefined)) reject("event", "a goal counts either an event (event) or views of pages (page): give one of them");
  const event = args.event === undefined ? undefined : eventName(args.event, "event");
  const page = args.page === undefined ? undefined : pagePattern(args.page);
  if (page !== undefined && args.props !== undefined) reject("props", "props narrow an event goal: views have no properties");
  if ((args.props?.length ?? 0) > GOAL_PROPS_MAX) reject("props", `a goal narrows its event by at most ${GOAL_PROPS_MAX} property values`);
  const props = args.props === undefined || args.props.length === 0 ? undefined : storedProps(args.props);
  if ((await goalNamed(ctx, name)) !== null) reject("name", `a goal named ${JSON.stringify(name)} exists: delete it first, or choose another name`);
  if ((await ctx.db.query("goals").take(GOALS_MAX)).length >= GOALS_MAX) reject("name", `a site has at most ${GOALS_MAX} goals`);
  const goal = { name, ...(event === undefined ? {} : { event }), ...(page === undefined ? {} : { page }), ...(props === undefined ? {} : { props }), createdAt: now };
  const id = await ctx.db.insert("goals", goal);
  if (hasOwnBuckets(goal)) {
    await startGoalFold(ctx, id);
    // Its history folds in the worker's next batches: wake it, rather than wait for traffic or the cleanup cron.
    await pingStatsWorker(ctx);
  }
  return goal;
}

/** Deletes the goal of that name; its event's figures stay (they are the event's). A goal a funnel uses is kept: INVALID_ARGUMENT naming the funnels. */
export async function deleteGoal(ctx: MutationCtx, name: string): Promise<boolean> {
  const goal = await ctx.db
    .query("goals")
    .withIndex("by_name", (q) => q.eq("name", name))
    .unique();
  if (goal === null) return false;
  const funnels = (await ctx.db.query("funnels").take(FUNNELS_MAX)).filter(({ steps }) => steps.includes(name)).map((funnel) => funnel.name);
  if (funnels.length > 0) reject("name", `the funnel${funnels.length === 1 ? "" : "s"} ${funnels.map((each) => JSON.stringify(each)).join(", ")} use${funnels.length === 1 ? "s" : ""} this goal: delete ${funnels.length === 1 ? "it" : "them"} first`);
  await ctx.db.delete(goal._id);
  await dropGoalFold(ctx, goal._id);
  return true;
}

/** A page goal's pattern, canonical as a recorded path is (so it names the same pages): `*` and `**` kept. */
function pagePattern(raw: string): string {
  const pattern = canonicalPath(raw, "page");
  if (/\*{3,}/.test(pattern)) reject("page", "page takes * (within one segment) or ** (any depth), not ***");
  return pattern;
}
