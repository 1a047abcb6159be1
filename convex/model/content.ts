import type { WithoutSystemFields } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { pagesByPublished, postsByPublished } from "./aggregates";

export type ContentTable = "posts" | "pages";
export type SaveResult = "created" | "updated" | "unchanged";

/**
 * Inserts or updates a post or page by slug, keeping the published-count
 * aggregates in step. The only way content should be written.
 */
export async function saveContent<T extends ContentTable>(
  ctx: MutationCtx,
  table: T,
  fields: WithoutSystemFields<Doc<T>>,
): Promise<{ result: SaveResult; id: Id<T> }> {
  const existing = (await ctx.db
    .query(table)
    .withIndex("by_slug", (q) => q.eq("slug", fields.slug))
    .unique()) as Doc<T> | null;
  if (existing === null) {
    const id = (await ctx.db.insert(table, fields as never)) as Id<T>;
    await aggregateFor(table).insert(ctx, (await ctx.db.get(id)) as never);
    return { result: "created", id };
  }
  if (sameFields(existing, fields)) return { result: "unchanged", id: existing._id };
  await ctx.db.replace(existing._id, fields as never);
  // replaceOrInsert: rows written before the aggregate existed are adopted here.
  await aggregateFor(table).replaceOrInsert(ctx, existing as never, (await ctx.db.get(existing._id)) as never);
  return { result: "updated", id: existing._id };
}

function aggregateFor(table: ContentTable) {
  return table === "posts" ? postsByPublished : pagesByPublished;
}

function sameFields(doc: Record<string, unknown>, fields: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(fields), ...Object.keys(doc).filter((k) => !k.startsWith("_"))]);
  return [...keys].every((k) => JSON.stringify(doc[k]) === JSON.stringify(fields[k]));
}
