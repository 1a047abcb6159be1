import { ConvexError, v } from "convex/values";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { FUNNEL_STEPS_MAX, FUNNEL_STEPS_MIN, FUNNELS_MAX } from "../../shared/config.js";
import type { InvalidArgument } from "../../shared/validation.js";
import { eventName } from "../record/customEvents.js";
import { goalNamed, type Goal } from "./goalDefinitions.js";

/**
 * Funnels (prds/events.md): FUNNEL_STEPS_MIN to FUNNEL_STEPS_MAX goals a visit should reach in order. Defined by the
 * owner like goals (`npx convex run stats:createFunnel`, listFunnels, deleteFunnel), counted per visit from its steps
 * (read/conversions.ts), so a funnel made later covers all history the visits' steps do.
 */

export const vFunnel = v.object({ name: v.string(), steps: v.array(v.string()), createdAt: v.number() });
export const vFunnelArgs = { name: v.string(), steps: v.array(v.string()) };
export type Funnel = typeof vFunnel.type;

function reject(field: string, message: string): never {
  throw new ConvexError<InvalidArgument>({ code: "INVALID_ARGUMENT", field, message });
}

/** Every funnel, in the order they were made. */
export async function listFunnels(ctx: QueryCtx): Promise<Funnel[]> {
  return (await ctx.db.query("funnels").take(FUNNELS_MAX)).map(({ name, steps, createdAt }) => ({ name, steps, createdAt }));
}

/** The funnel of that name with its steps' goals; INVALID_ARGUMENT (field `funnel`) when there is none. */
export async function funnelGoals(ctx: QueryCtx, name: string): Promise<{ funnel: Funnel; goals: Goal[] }> {
  const row = await ctx.db
    .query("funnels")
    .withIndex("by_name", (q) => q.eq("name", name))
    .unique();
  if (row === null) reject("funnel", `no funnel is named ${JSON.stringify(name.slice(0, 40))}: create it with createFunnel`);
  const goals: Goal[] = [];
  for (const step of row.steps) goals.push((await goalNamed(ctx, step))!);
  return { funnel: { name: row.name, steps: row.steps, createdAt: row.createdAt }, goals };
}

/** Adds a funnel: a unique name and FUNNEL_STEPS_MIN to FUNNEL_STEPS_MAX existing goals, in order. */
export async function createFunnel(ctx: MutationCtx, args: { name: string; steps: string[] }, now: number): Promise<Funnel> {
  const name = eventName(args.name, "name");
  if (args.steps.length < FUNNEL_STEPS_MIN || args.steps.length > FUNNEL_STEPS_MAX) {
    reject("steps", `a funnel has ${FUNNEL_STEPS_MIN} to ${FUNNEL_STEPS_MAX} steps; got ${args.steps.length}`);
  }
  for (const [i, step] of args.steps.entries()) {
    if ((await goalNamed(ctx, step)) === null) reject(`steps[${i}]`, `no goal is named ${JSON.stringify(step.slice(0, 40))}: a funnel's steps are goals (createGoal)`);
  }
  const existing = await ctx.db
    .query("funnels")
    .withIndex("by_name", (q) => q.eq("name", name))
    .unique();
  if (existing !== null) reject("name", `a funnel named ${JSON.stringify(name)} exists: delete it first, or choose another name`);
  if ((await ctx.db.query("funnels").take(FUNNELS_MAX)).length >= FUNNELS_MAX) reject("name", `a site has at most ${FUNNELS_MAX} funnels`);
  const funnel = { name, steps: args.steps, createdAt: now };
  await ctx.db.insert("funnels", funnel);
  return funnel;
}

/** Deletes the funnel of that name (its goals stay). */
export async function deleteFunnel(ctx: MutationCtx, name: string): Promise<boolean> {
  const row = await ctx.db
    .query("funnels")
    .withIndex("by_name", (q) => q.eq("name", name))
    .unique();
  if (row === null) return false;
  await ctx.db.delete(row._id);
  return true;
}
