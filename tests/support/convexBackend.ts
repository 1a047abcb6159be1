import { convexTest } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import schema from "../../convex/schema";

/** Module path → lazy import, the shape convex-test loads functions from. */
export type ModuleMap = Record<string, () => Promise<unknown>>;

/** What convex-test needs to register one component. */
export type ComponentSource = { schema: SchemaDefinition<GenericSchema, boolean>; modules: ModuleMap };

/** The aggregate components the app installs, by the names in convex/convex.config.ts. */
export const AGGREGATE_COMPONENTS = [
  "pageViewsByPath",
  "uniqueVisitors",
  "distinctPaths",
  "activeSessions",
  "posts",
  "pages",
] as const;

export type TestConvexOptions = { transactionLimits?: boolean | object };

/**
 * A convex-test backend with the schema, the given app modules and every
 * aggregate component. Module maps come from the caller, so this works both
 * under Vite (import.meta.glob) and in plain Node (files on disk).
 */
export function buildTestConvex(modules: ModuleMap, aggregate: ComponentSource, options: TestConvexOptions = {}) {
  const t = convexTest({ schema, modules, transactionLimits: options.transactionLimits ?? true });
  for (const name of AGGREGATE_COMPONENTS) t.registerComponent(name, aggregate.schema, aggregate.modules);
  return t;
}
