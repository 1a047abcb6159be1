import { getFunctionAddress } from "convex/server";
import type { MeasureCtx } from "./metrics";
import type { TestConvex } from "./convex";
import type { Write } from "./writeSet";

/**
 * What a transaction read, as Convex's optimistic concurrency sees it: the
 * index ranges it scanned in the app's tables (each a conjunction of
 * comparisons on indexed fields), the documents it fetched by id, and the
 * components it called (coarsely: all of a component's documents).
 */
export type ReadSet = {
  ranges: { table: string; bounds: [op: string, field: string, value: unknown][] }[];
  ids: Set<string>;
  components: Set<string>;
};

/** Wraps ctx so every index range, point read and component call is recorded. */
function recordReads(ctx: MeasureCtx): { ctx: MeasureCtx; reads: ReadSet } {
  const reads: ReadSet = { ranges: [], ids: new Set(), components: new Set() };
  const rangeRecorder = (bounds: ReadSet["ranges"][number]["bounds"]) => {
    const builder: Record<string, unknown> = {};
    for (const op of ["eq", "gt", "gte", "lt", "lte"]) {
      builder[op] = (field: string, value: unknown) => {
        bounds.push([op, field, value]);
        return builder;
      };
    }
    return builder;
  };
  const db = new Proxy(ctx.db, {
    get(target, prop, receiver) {
      if (prop === "get") {
        return (id: string) => {
          reads.ids.add(id);
          return target.get(id as never);
        };
      }
      if (prop === "query") {
        return (table: string) => {
          const query = target.query(table as never);
          return new Proxy(query, {
            get(q, qprop, qreceiver) {
              if (qprop === "withIndex") {
                return (index: string, range?: (b: unknown) => unknown) => {
                  const bounds: ReadSet["ranges"][number]["bounds"] = [];
                  if (range) range(rangeRecorder(bounds));
                  reads.ranges.push({ table, bounds });
                  return q.withIndex(index as never, range as never);
                };
              }
              const value = Reflect.get(q, qprop, qreceiver);
              if (typeof value === "function") reads.ranges.push({ table, bounds: [] });
              return typeof value === "function" ? value.bind(q) : value;
            },
          });
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  const recorded = new Proxy(ctx, {
    get(target, prop, receiver) {
      if (prop === "db") return db;
      if (prop === "runQuery" || prop === "runMutation") {
        return (ref: never, args: never) => {
          const { reference } = getFunctionAddress(ref) as { reference?: string };
          reads.components.add(reference?.match(/^_reference\/childComponent\/([^/]+)\//)?.[1] ?? "?");
          return (target[prop] as (r: never, a: never) => Promise<unknown>)(ref, args);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { ctx: recorded, reads };
}

/** Runs `fn` in one transaction with a recording ctx and returns what it read. */
export async function readsOf(t: TestConvex, fn: (ctx: MeasureCtx) => Promise<unknown>): Promise<ReadSet> {
  let recordedReads: ReadSet | undefined;
  await t.run(async (ctx) => {
    const { ctx: recorded, reads } = recordReads(ctx);
    await fn(recorded);
    recordedReads = reads;
  });
  return recordedReads!;
}

const COMPARE: Record<string, (a: never, b: never) => boolean> = {
  eq: (a, b) => a === b,
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
};

/**
 * The writes of one call that fall into another call's read set, given the
 * written documents' contents before and after (a write lands in a range if
 * either version does). Empty means the two calls never conflict.
 */
export function conflicts(writes: Write[], reads: ReadSet): Write[] {
  return writes.filter((write) => {
    if (write.component !== "") return reads.components.has(write.component);
    if (reads.ids.has(write.id)) return true;
    return reads.ranges.some(
      (range) =>
        range.table === write.table &&
        write.docs.some((doc) => range.bounds.every(([op, field, value]) => COMPARE[op]((doc as Record<string, never>)[field], value as never))),
    );
  });
}
