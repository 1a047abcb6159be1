import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel.js";
import type { QueryCtx } from "../_generated/server.js";
import { GOALS_MAX } from "../../shared/config.js";
import type { Step } from "../derive/visitSteps.js";

/**
 * What a goal is (operate/goals.ts makes and deletes them), read where goals are counted: its fields, the goals of a
 * site, and what a goal matches among a visit's steps. Apart from the owner's functions, so the worker's fold and the
 * schema's import graph need nothing of the hot path's.
 */

const vGoalProp = v.object({ key: v.string(), value: v.string() });
// `event` or `page` (a path pattern), and the property values an event must have (all of them) to count.
export const vGoal = v.object({ name: v.string(), event: v.optional(v.string()), page: v.optional(v.string()), props: v.optional(v.array(vGoalProp)), createdAt: v.number() });
export const vGoalArgs = { name: v.string(), event: v.optional(v.string()), page: v.optional(v.string()), props: v.optional(v.array(vGoalProp)) };
export type Goal = typeof vGoal.type;

/** A goal as the API gives it; a row from before goals took several properties keeps its one in `prop`. */
const goalOf = ({ name, event, page, props, prop, createdAt }: Doc<"goals">): Goal => {
  const narrowed = props ?? (prop === undefined ? [] : [prop]);
  return { name, ...(event === undefined ? {} : { event }), ...(page === undefined ? {} : { page }), ...(narrowed.length === 0 ? {} : { props: narrowed }), createdAt };
};

/** Every goal, in the order they were made. */
export async function listGoals(ctx: QueryCtx): Promise<Goal[]> {
  return (await listGoalRows(ctx)).map(({ goal }) => goal);
}

/** Every goal with its id (a goal's own buckets are named by it: derive/goalBuckets.ts). */
export async function listGoalRows(ctx: QueryCtx): Promise<{ id: Id<"goals">; goal: Goal }[]> {
  return (await ctx.db.query("goals").take(GOALS_MAX)).map((row) => ({ id: row._id, goal: goalOf(row) }));
}

/** The goal of that name, or null. */
export async function goalNamed(ctx: QueryCtx, name: string): Promise<Goal | null> {
  const row = await ctx.db
    .query("goals")
    .withIndex("by_name", (q) => q.eq("name", name))
    .unique();
  return row === null ? null : goalOf(row);
}

/** A page pattern as a test: `*` any characters but "/", `**` any characters. */
export function pageMatcher(pattern: string): (path: string) => boolean {
  const source = pattern
    .split(/(\*\*|\*)/)
    .map((part) => (part === "**" ? ".*" : part === "*" ? "[^/]*" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  const regex = new RegExp(`^${source}$`);
  return (path) => regex.test(path);
}

/** Whether a visit's step reaches the goal: a view of a page it names, or its event with every property value it names. */
export function goalMatcher(goal: Goal): (step: Step) => boolean {
  if (goal.page !== undefined) {
    const matches = pageMatcher(goal.page);
    return (step) => "page" in step && matches(step.page);
  }
  const props = goal.props ?? [];
  return (step) => "event" in step && step.event === goal.event && props.every(({ key, value }) => step.props.some((prop) => prop.key === key && prop.value === value));
}

/** True when the goal's figures are its event's time buckets: an event goal with no property value (the rest have buckets of their own). */
export const isBucketGoal = (goal: Goal) => goal.event !== undefined && goal.props === undefined;
