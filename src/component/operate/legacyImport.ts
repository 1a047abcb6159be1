import { v, type Infer } from "convex/values";
import type { MutationCtx } from "../_generated/server.js";
import schema from "../schema.js";
import { vVisitFields } from "../record/visitFields.js";

/**
 * Rows an app kept in its own tables before the engine became a component (prds/component.md,
 * "Upgrading"). The app hands them over a bounded chunk at a time and deletes its copies in the
 * same transaction, so each row arrives exactly once; they come without `committedAt`, like rows
 * from before the worker, so only the backfill folds them.
 */

const { committedAt: _views, ...pageViewFields } = schema.tables.pageViews.validator.fields;
const { committedAt: _sessions, ...activeSessionFields } = schema.tables.activeSessions.validator.fields;
export const vLegacyRows = v.object({
  pageViews: v.optional(v.array(v.object(pageViewFields))),
  visits: v.optional(v.array(v.object(vVisitFields))),
  activeSessions: v.optional(v.array(v.object(activeSessionFields))),
  shareLinks: v.optional(v.array(v.object(schema.tables.shareLinks.validator.fields))),
});
export type LegacyRows = Infer<typeof vLegacyRows>;

/** Inserts the rows; returns how many. */
export async function importLegacyRows(ctx: MutationCtx, rows: LegacyRows): Promise<number> {
  let imported = 0;
  for (const row of rows.pageViews ?? []) imported += (await ctx.db.insert("pageViews", row), 1);
  for (const row of rows.visits ?? []) imported += (await ctx.db.insert("visits", row), 1);
  for (const row of rows.activeSessions ?? []) imported += (await ctx.db.insert("activeSessions", row), 1);
  for (const row of rows.shareLinks ?? []) imported += (await ctx.db.insert("shareLinks", row), 1);
  return imported;
}
