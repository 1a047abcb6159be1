import { getFunctionAddress, type FunctionReference } from "convex/server";
import schema from "../../convex/schema";
import type { TestConvex } from "./convex";
import type { MeasureCtx } from "./metrics";

/** "table:pageViews", or "component:pageViewsByPath" for everything an aggregate stores. */
export type Resource = string;
export type Access = { reads: Set<Resource>; writes: Set<Resource> };

const TABLES = Object.keys(schema.tables);
const DB_READS = new Set(["get", "query"]);
const DB_WRITES = new Set(["insert", "patch", "replace", "delete"]);

/**
 * Wraps a ctx so every table and component that code touches is recorded.
 * Convex re-runs a query when a write lands in its read set; if a function
 * writes no table or component that a query reads, it can never re-run it.
 * (convex-test does not expose read sets, so we observe them at the ctx.)
 */
function recordAccess(ctx: MeasureCtx): { ctx: MeasureCtx; access: Access } {
  const access: Access = { reads: new Set(), writes: new Set() };
  const tableOf = (tableOrId: string): Resource => {
    const table = TABLES.includes(tableOrId) ? tableOrId : TABLES.find((t) => ctx.db.normalizeId(t as never, tableOrId));
    return `table:${table ?? "?"}`;
  };
  const db = new Proxy(ctx.db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== "string" || typeof value !== "function") return value;
      return (first: string, ...rest: unknown[]) => {
        if (DB_READS.has(prop)) access.reads.add(tableOf(first));
        if (DB_WRITES.has(prop)) access.writes.add(tableOf(first));
        return value.call(target, first, ...rest);
      };
    },
  });
  const componentOf = (ref: FunctionReference<"query" | "mutation">): Resource => {
    const { reference } = getFunctionAddress(ref) as { reference?: string };
    const name = reference?.match(/^_reference\/childComponent\/([^/]+)\//)?.[1];
    if (name === undefined) throw new Error(`not a component function: ${JSON.stringify(getFunctionAddress(ref))}`);
    return `component:${name}`;
  };
  const recorded = new Proxy(ctx, {
    get(target, prop, receiver) {
      if (prop === "db") return db;
      if (prop === "runQuery") {
        return (ref: FunctionReference<"query">, args: never) => {
          access.reads.add(componentOf(ref));
          return target.runQuery(ref, args);
        };
      }
      if (prop === "runMutation") {
        return (ref: FunctionReference<"mutation">, args: never) => {
          // A component mutation may read and write anything in its component.
          access.reads.add(componentOf(ref));
          access.writes.add(componentOf(ref));
          return target.runMutation(ref, args);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { ctx: recorded, access };
}

/** Runs `fn` in one transaction with a recording ctx; returns what it touched, sorted. */
export async function accessOf(t: TestConvex, fn: (ctx: MeasureCtx) => Promise<unknown>): Promise<{ reads: Resource[]; writes: Resource[] }> {
  return await t.run(async (ctx) => {
    const { ctx: recorded, access } = recordAccess(ctx);
    await fn(recorded);
    return { reads: [...access.reads].sort(), writes: [...access.writes].sort() };
  });
}
