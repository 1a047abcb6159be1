import type { MeasureCtx } from "./metrics";
import type { TestConvex } from "./convex";
import type { StatsCtx } from "./convexBackend";
import type { Write } from "./writeSet";

/**
 * What a transaction read, as Convex's optimistic concurrency sees it, in the
 * app ("") and in every component: the index ranges it scanned (each cut at
 * the last document it consumed when it stopped early) and the documents it
 * read by id. Recorded inside convex-test by tests/support/recordedReads.ts.
 */
export type ReadSet = {
  ranges: { component: string; table: string; contains: (doc: unknown) => boolean }[];
  /** `${component}|${id}` */
  ids: Set<string>;
};

type RecordedRead = { component: string; id: string } | ReadSet["ranges"][number];
type WithRecorder = typeof globalThis & { __convexTestReadRecorder?: RecordedRead[] };

/** Runs `fn` in one transaction (calls it makes with ctx.runQuery/runMutation included) and returns what it read. */
export async function readsOf(t: TestConvex, fn: (ctx: MeasureCtx) => Promise<unknown>): Promise<ReadSet> {
  return await recordReads((body) => t.run(body), fn);
}

/** `readsOf`, with `fn` run inside the blog's stats component (to read its tables with its own functions). */
export async function readsInStats(t: TestConvex, fn: (ctx: StatsCtx) => Promise<unknown>): Promise<ReadSet> {
  return await recordReads((body) => t.runInStats(body), fn);
}

async function recordReads<Ctx>(run: (body: (ctx: Ctx) => Promise<void>) => Promise<void>, fn: (ctx: Ctx) => Promise<unknown>): Promise<ReadSet> {
  const recorded: RecordedRead[] = [];
  const global = globalThis as WithRecorder;
  await run(async (ctx) => {
    global.__convexTestReadRecorder = recorded;
    try {
      await fn(ctx);
    } finally {
      delete global.__convexTestReadRecorder;
    }
  });
  const reads: ReadSet = { ranges: [], ids: new Set() };
  for (const read of recorded) {
    if ("id" in read) reads.ids.add(`${read.component}|${read.id}`);
    else reads.ranges.push(read);
  }
  return reads;
}

/**
 * The writes of one call that fall into another call's read set, given the
 * written documents' contents before and after (a write lands in a range if
 * either version does). Empty means the two calls never conflict.
 */
export function conflicts(writes: Write[], reads: ReadSet): Write[] {
  return writes.filter(
    (write) =>
      reads.ids.has(`${write.component}|${write.id}`) ||
      reads.ranges.some((range) => range.component === write.component && range.table === write.table && write.docs.some(range.contains)),
  );
}
