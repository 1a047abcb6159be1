import { convexTest } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import schema from "../../convex/schema";

/** Module path → lazy import, the shape convex-test loads functions from. */
export type ModuleMap = Record<string, () => Promise<unknown>>;

/** What convex-test needs to register one component. */
export type ComponentSource = { schema: SchemaDefinition<GenericSchema, boolean>; modules: ModuleMap };

/** The component packages the app installs: their sources, as the caller loads them. */
export type ComponentSources = { aggregate: ComponentSource; batchWorker: ComponentSource; rateLimiter: ComponentSource };

/** The aggregate components the app installs, by the names in convex/convex.config.ts. */
export const AGGREGATE_COMPONENTS = ["posts", "pages"] as const;

/** The batch-worker component's mount name (convex/convex.config.ts). */
export const BATCH_WORKER_COMPONENT = "batchWorker";

/** The rate limiter's mount name, and where it mounts its own batch worker (its package's test helper does the same). */
export const RATE_LIMITER_COMPONENT = "rateLimiter";
export const RATE_LIMITER_WORKER_COMPONENT = `${RATE_LIMITER_COMPONENT}/batchWorker`;

export type TestConvexOptions = { transactionLimits?: boolean | object };

/**
 * A convex-test backend with the schema, the given app modules and every
 * component. Module maps come from the caller, so this works both under Vite
 * (import.meta.glob) and in plain Node (files on disk).
 */
export function buildTestConvex(modules: ModuleMap, components: ComponentSources, options: TestConvexOptions = {}) {
  const t = convexTest({ schema, modules, transactionLimits: options.transactionLimits ?? true });
  for (const name of AGGREGATE_COMPONENTS) t.registerComponent(name, components.aggregate.schema, components.aggregate.modules);
  t.registerComponent(BATCH_WORKER_COMPONENT, components.batchWorker.schema, components.batchWorker.modules);
  t.registerComponent(RATE_LIMITER_COMPONENT, components.rateLimiter.schema, components.rateLimiter.modules);
  t.registerComponent(RATE_LIMITER_WORKER_COMPONENT, components.batchWorker.schema, components.batchWorker.modules);
  return t;
}
