import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { PREV_HISTOGRAM_CHUNK_ENTRIES } from "../../shared/config.js";

/**
 * Each time bucket keeps, for the sessions that have a view in it, when each
 * one's previous view was (its minute; 0 when it had none): a histogram
 * `minute → sessions`. A range's visitors are then, bucket by bucket, the
 * sessions whose previous view is before the range (component/read/timeStats.ts).
 *
 * The histogram lives on the bucket's document while it is small, as a flat
 * sorted array `[minute, count, minute, count, ...]`. Past
 * PREV_HISTOGRAM_CHUNK_ENTRIES entries it moves into chunk documents, and the
 * bucket keeps each chunk's first and last minute and its total, so counting
 * "before m" reads at most one chunk, the one m falls inside. A two-level
 * tree is enough: a bucket has at most one entry per earlier minute.
 */

type Bucket = Pick<Doc<"timeBuckets">, "prevs" | "chunks">;
type ChunkRef = NonNullable<Bucket["chunks"]>[number];
type Entries = [minute: number, count: number][];

const decode = (flat: readonly number[]): Entries => {
  const entries: Entries = [];
  for (let i = 0; i < flat.length; i += 2) entries.push([flat[i], flat[i + 1]]);
  return entries;
};
const encode = (entries: Entries): number[] => entries.flat();
const total = (entries: Entries) => entries.reduce((sum, [, count]) => sum + count, 0);
const countBefore = (entries: Entries, minute: number) => entries.reduce((sum, [m, count]) => (m < minute ? sum + count : sum), 0);

/** How many of the bucket's sessions had their previous view before `minute` (or none). */
export async function countPrevsBefore(ctx: QueryCtx, bucket: Bucket, minute: number): Promise<number> {
  if (bucket.chunks === undefined) return countBefore(decode(bucket.prevs ?? []), minute);
  let sum = 0;
  for (const chunk of bucket.chunks) {
    if (chunk.last < minute) sum += chunk.count;
    else if (chunk.first < minute) {
      const stored = await ctx.db.get(chunk.id);
      sum += countBefore(decode(stored?.prevs ?? []), minute);
    }
  }
  return sum;
}

/** Adds signed counts to entries (sorted), dropping entries that reach zero. */
function merged(entries: Entries, deltas: ReadonlyMap<number, number>): Entries {
  const counts = new Map(entries);
  for (const [minute, delta] of deltas) counts.set(minute, (counts.get(minute) ?? 0) + delta);
  return [...counts].filter(([, count]) => count !== 0).sort((a, b) => a[0] - b[0]);
}

/** Splits entries into chunks of at most half the chunk size, so each has room to grow. */
function split(entries: Entries): Entries[] {
  const size = Math.max(1, Math.floor(PREV_HISTOGRAM_CHUNK_ENTRIES / 2));
  const parts: Entries[] = [];
  for (let i = 0; i < entries.length; i += size) parts.push(entries.slice(i, i + size));
  return parts;
}

async function insertChunks(ctx: MutationCtx, parts: Entries[]): Promise<ChunkRef[]> {
  const refs: ChunkRef[] = [];
  for (const part of parts) {
    const id = await ctx.db.insert("timeBucketChunks", { prevs: encode(part) });
    refs.push({ first: part[0][0], last: part[part.length - 1][0], count: total(part), id });
  }
  return refs;
}

/**
 * The bucket's histogram fields after adding `deltas` (minute → signed count);
 * writes the chunk documents it changes. The worker calls it once per bucket
 * per batch, with everything the batch changed in that bucket.
 */
export async function applyPrevDeltas(ctx: MutationCtx, bucket: Bucket, deltas: ReadonlyMap<number, number>): Promise<Bucket> {
  if (bucket.chunks === undefined) {
    const entries = merged(decode(bucket.prevs ?? []), deltas);
    if (entries.length <= PREV_HISTOGRAM_CHUNK_ENTRIES) return { prevs: encode(entries), chunks: undefined };
    return { prevs: undefined, chunks: await insertChunks(ctx, split(entries)) };
  }
  // Each delta goes to the last chunk starting at or before its minute (the first chunk for earlier minutes).
  const chunks = bucket.chunks;
  const byChunk = new Map<number, Map<number, number>>();
  for (const [minute, delta] of deltas) {
    let index = 0;
    while (index + 1 < chunks.length && chunks[index + 1].first <= minute) index++;
    const chunkDeltas = byChunk.get(index) ?? new Map<number, number>();
    chunkDeltas.set(minute, delta);
    byChunk.set(index, chunkDeltas);
  }
  const next: ChunkRef[] = [];
  for (const [index, chunk] of chunks.entries()) {
    const chunkDeltas = byChunk.get(index);
    if (chunkDeltas === undefined) {
      next.push(chunk);
      continue;
    }
    const stored = await ctx.db.get(chunk.id);
    const entries = merged(decode(stored?.prevs ?? []), chunkDeltas);
    if (entries.length === 0) await ctx.db.delete(chunk.id);
    else if (entries.length <= PREV_HISTOGRAM_CHUNK_ENTRIES) {
      await ctx.db.replace(chunk.id, { prevs: encode(entries) });
      next.push({ first: entries[0][0], last: entries[entries.length - 1][0], count: total(entries), id: chunk.id });
    } else {
      await ctx.db.delete(chunk.id);
      next.push(...(await insertChunks(ctx, split(entries))));
    }
  }
  return { prevs: undefined, chunks: next };
}
