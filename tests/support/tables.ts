import type { TableNames as AppTableNames } from "../../convex/_generated/dataModel";
import appSchema from "../../convex/schema";
import type { TableNames } from "../../src/component/_generated/dataModel";
import statsSchema from "../../src/component/schema";
import type { TestConvex } from "./convex";

/** Every table of the blog's stats component. */
export const ALL_TABLES = Object.keys(statsSchema.tables) as TableNames[];
/** Every table of the app itself (its content and the legacy tables of the version before the component). */
export const APP_TABLES = Object.keys(appSchema.tables) as AppTableNames[];

/**
 * Every document of the given stats-component tables and of the app's own tables (small tests only),
 * to compare before and after a call.
 */
export async function readTables(t: TestConvex, tables: TableNames[] = ALL_TABLES) {
  const stats = await t.runInStats(async (ctx) =>
    Object.fromEntries(await Promise.all(tables.map(async (table) => [table, await ctx.db.query(table).collect()] as const))),
  );
  const app = await t.run(async (ctx) =>
    Object.fromEntries(await Promise.all(APP_TABLES.map(async (table) => [table, await ctx.db.query(table).collect()] as const))),
  );
  return { stats, app };
}
