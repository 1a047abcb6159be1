import { ConvexError, v } from "convex/values";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { GOALS_MAX } from "../../shared/config.js";
import type { InvalidArgument } from "../../shared/validation.js";
import { eventName, storedProps } from "../record/customEvents.js";

/**
 * Goals (prds/events.md): what a site owner counts as a conversion, named. A goal is a custom event's name, narrowed
 * or not by one property's value; its figures are that name's (or that value's) time buckets, so a goal added later
 * covers all history at once, exactly, with no backfill.
 * The owner manages them (`npx convex run stats:createGoal`, listGoals, deleteGoal); at most GOALS_MAX, so a
 * breakdown by goal reads a bounded number of scopes.
 */

// `prop`: the one property value a goal narrows its event to (Signup with plan = pro).
const vGoalProp = v.object({ key: v.string(), value: v.string() });
export const vGoal = v.object({ name: v.string(), event: v.string(), prop: v.optional(vGoalProp), createdAt: v.number() });
export const vGoalArgs = { name: v.string(), event: v.string(), props: v.optional(v.array(vGoalProp)) };
export type Goal = typeof vGoal.type;

function reject(field: string, message: string): never {
  throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field, message });
}

/** Every goal, in the order they were made. */
export async function listGoals(ctx: QueryCtx): Promise<Goal[]> {
  const rows = await ctx.db.query("goals").take(GOALS_MAX);
  return rows.map(({ name, event, prop, createdAt }) => ({ name, event, ...(prop === undefined ? {} : { prop }), createdAt }));
}

/** Adds a goal: a unique name (display text, as an event's), the event name it counts, and at most one property value it narrows to. */
export async function createGoal(ctx: MutationCtx, args: { name: string; event: string; props?: { key: string; value: string }[] }, now: number): Promise<Goal> {
  const name = eventName(args.name, "name");
  const event = eventName(args.event, "event");
  if ((args.props?.length ?? 0) > 1) reject("props", "a goal narrows its event by at most one property value yet");
  const prop = args.props?.[0] && storedProp(args.props[0]);
  const existing = await ctx.db
    .query("goals")
    .withIndex("by_name", (q) => q.eq("name", name))
    .unique();
  if (existing !== null) reject("name", `a goal named ${JSON.stringify(name)} exists: delete it first, or choose another name`);
  if ((await ctx.db.query("goals").take(GOALS_MAX)).length >= GOALS_MAX) reject("name", `a site has at most ${GOALS_MAX} goals`);
  const goal = { name, event, ...(prop === undefined ? {} : { prop }), createdAt: now };
  await ctx.db.insert("goals", goal);
  return goal;
}

/** Deletes the goal of that name; its event's figures stay (they are the event's). */
export async function deleteGoal(ctx: MutationCtx, name: string): Promise<boolean> {
  const goal = await ctx.db
    .query("goals")
    .withIndex("by_name", (q) => q.eq("name", name))
    .unique();
  if (goal === null) return false;
  await ctx.db.delete(goal._id);
  return true;
}

/** A goal's property as its events store it (the same checks), so it names the same buckets. */
const storedProp = (prop: { key: string; value: string }) => storedProps([prop])[0];
