import type { TableNames } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { ComponentApi } from "../../src/client";
import { LEGACY_IMPORT_ROWS_PER_CHUNK } from "../../src/shared/config";

/**
 * Upgrading from the version before the component (README, "Upgrading"): the
 * blog's own tables still hold that version's rows. Each call moves a bounded
 * chunk of the raw ones into the component and deletes them here in the same
 * transaction, so a row moves exactly once however often it runs or wherever
 * it stopped; the old derived tables are only deleted (the backfill rebuilds
 * them from the raw rows).
 */

/** The blog's one command to rebuild derived data (and finish an upgrade): what its dashboard and health check name. */
export const BACKFILL_COMMAND = "npx convex run stats:backfillAggregates '{}'";

const RAW_TABLES = ["pageViews", "visits", "activeSessions", "shareLinks"] as const satisfies TableNames[];
// Derived data of the old version: not in the schema any more, so read untyped; nothing to move.
const DERIVED_TABLES = ["counters", "visitors", "pathStats", "liveSessions", "activePages", "sessionMinutes", "timeBuckets", "timeBucketChunks", "visitSettlement", "backfillStatus", "derivedRules", "cleanupStatus"];

/** Moves (or, for derived tables, deletes) one chunk; true while any old row is left. */
export async function moveLegacyRows(ctx: MutationCtx, component: ComponentApi): Promise<boolean> {
  for (const table of RAW_TABLES) {
    const rows = await ctx.db.query(table).take(LEGACY_IMPORT_ROWS_PER_CHUNK);
    if (rows.length === 0) continue;
    const fields = rows.map(({ _id, _creationTime, ...row }) => ("committedAt" in row ? { ...row, committedAt: undefined } : row));
    await ctx.runMutation(component.operate.importLegacyRows, { [table]: fields.map(withoutUndefined) });
    for (const row of rows) await ctx.db.delete(row._id);
    console.log(`[upgrade] moved ${rows.length} ${table} rows into the component`);
    return true;
  }
  const db = ctx.db as unknown as { query(table: string): { take(n: number): Promise<{ _id: never }[]> } };
  for (const table of DERIVED_TABLES) {
    const rows = await db.query(table).take(LEGACY_IMPORT_ROWS_PER_CHUNK);
    if (rows.length === 0) continue;
    for (const row of rows) await ctx.db.delete(row._id);
    console.log(`[upgrade] deleted ${rows.length} rows of the old derived table ${table}`);
    return true;
  }
  return false;
}

const withoutUndefined = <T extends object>(row: T): T => Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined)) as T;
