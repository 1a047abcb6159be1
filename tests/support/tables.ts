import type { TableNames } from "../../convex/_generated/dataModel";
import schema from "../../convex/schema";
import type { TestConvex } from "./convex";

export const ALL_TABLES = Object.keys(schema.tables) as TableNames[];

/** Every document of the given tables (small tests only), to compare before and after a call. */
export async function readTables(t: TestConvex, tables: TableNames[] = ALL_TABLES) {
  return await t.run(async (ctx) =>
    Object.fromEntries(await Promise.all(tables.map(async (table) => [table, await ctx.db.query(table).collect()] as const))),
  );
}
