import type { QueryMeta, TransactionMetrics } from "convex/server";
import { CHUNK_BUDGET_SHARE } from "../../shared/config.js";

// The limits a chunk can run into; scheduling is counted separately and stays tiny.
const LIMITS = ["documentsRead", "bytesRead", "databaseQueries", "documentsWritten", "bytesWritten"] as const;

/** What a job will still spend before it commits (writes it has gathered), counted against its budget now. */
export type Reserved = Partial<Record<(typeof LIMITS)[number], number>>;

/**
 * True while this transaction has used less than CHUNK_BUDGET_SHARE of every
 * Convex limit, so a chunked job can take one more row and still finish its
 * bookkeeping (`reserved`: what it has gathered and will write at the end).
 * Reading Convex's own counters adapts the chunk size to the real
 * cost of each row (which grows with log n), instead of a guessed batch size.
 */
export async function hasChunkBudget(ctx: { meta: Pick<QueryMeta, "getTransactionMetrics"> }, reserved: Reserved = {}): Promise<boolean> {
  const metrics: TransactionMetrics = await ctx.meta.getTransactionMetrics();
  return LIMITS.every((limit) => {
    const { used, remaining } = metrics[limit];
    return used + (reserved[limit] ?? 0) < (used + remaining) * CHUNK_BUDGET_SHARE;
  });
}
