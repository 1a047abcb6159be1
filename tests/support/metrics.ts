import type { GenericMutationCtx } from "convex/server";
import { expect } from "vitest";
import type { DataModel } from "../../convex/_generated/dataModel";
import type { TestConvex } from "./convex";
import type { StatsCtx } from "./convexBackend";

/** The per-transaction counters Convex enforces limits on (and bills by). */
export type Cost = {
  documentsRead: number;
  bytesRead: number;
  databaseQueries: number;
  documentsWritten: number;
  bytesWritten: number;
};

const COUNTERS = ["documentsRead", "bytesRead", "databaseQueries", "documentsWritten", "bytesWritten"] as const;

export type MeasureCtx = GenericMutationCtx<DataModel>;

/**
 * Runs `fn` in one transaction and returns what it cost in Convex's own units,
 * read from the transaction's counters before and after (deterministic, unlike time).
 */
export async function measure<T>(t: TestConvex, fn: (ctx: MeasureCtx) => Promise<T>): Promise<{ result: T; cost: Cost }> {
  return await t.run(async (ctx) => {
    const before = await ctx.meta.getTransactionMetrics();
    const result = await fn(ctx);
    const after = await ctx.meta.getTransactionMetrics();
    const cost = Object.fromEntries(COUNTERS.map((k) => [k, after[k].used - before[k].used])) as Cost;
    return { result, cost };
  });
}

/** `measure`, with `fn` run inside the blog's stats component (to cost its internal functions on its own tables). */
export async function measureInStats<T>(t: TestConvex, fn: (ctx: StatsCtx) => Promise<T>): Promise<{ result: T; cost: Cost }> {
  return await t.runInStats(async (ctx) => {
    const before = await ctx.meta.getTransactionMetrics();
    const result = await fn(ctx);
    const after = await ctx.meta.getTransactionMetrics();
    const cost = Object.fromEntries(COUNTERS.map((k) => [k, after[k].used - before[k].used])) as Cost;
    return { result, cost };
  });
}

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** Issue 2's cost targets: what one call may cost at any table size. */
export const BUDGETS = {
  getStats: { documentsRead: 1_500, bytesRead: 1 * MiB },
  recordPageView: { documentsRead: 150, documentsWritten: 40 },
} satisfies Record<string, Partial<Cost>>;

/** Asserts each counter in `budget` is within it, naming the counter that is not. */
export function expectWithinBudget(cost: Cost, budget: Partial<Cost>): void {
  for (const [counter, limit] of Object.entries(budget) as [keyof Cost, number][]) {
    expect(cost[counter], `${counter} (${JSON.stringify(cost)})`).toBeLessThanOrEqual(limit);
  }
}
