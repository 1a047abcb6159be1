import { convexTest } from "convex-test";
import type { GenericMutationCtx, GenericSchema, SchemaDefinition } from "convex/server";
import schema from "../../convex/schema";
import type { DataModel as StatsDataModel } from "../../src/component/_generated/dataModel";

/** Module path → lazy import, the shape convex-test loads functions from. */
export type ModuleMap = Record<string, () => Promise<unknown>>;

/** What convex-test needs to register one component. */
export type ComponentSource = { schema: SchemaDefinition<GenericSchema, boolean>; modules: ModuleMap };

type TestRoot = ReturnType<typeof convexTest>;
/** The sources of the app's components: the aggregate package, and a `register` for the stats component (src/test.ts's, or one from disk). */
export type ComponentSources = { aggregate: ComponentSource; registerStats: (t: TestRoot, name: string) => void };

/** The aggregate components the app installs, by the names in convex/convex.config.ts. */
export const AGGREGATE_COMPONENTS = ["posts", "pages"] as const;

/** The blog's analytics component and the docs site's (convex/convex.config.ts). */
export const STATS_COMPONENT = "liveStats";
export const STATS_SITES = [STATS_COMPONENT, "docsStats"] as const;

/** Inside each site: the stats worker's batch-worker (src/test.ts). */
export const BATCH_WORKER_COMPONENT = `${STATS_COMPONENT}/batchWorker`;
const siteComponents = (site: string) => [site, `${site}/batchWorker`];

/** Where each component's own tables (its `_scheduled_functions` among them) live: the app is "". */
export const COMPONENT_PATHS: readonly string[] = ["", ...AGGREGATE_COMPONENTS, ...STATS_SITES.flatMap(siteComponents)];

export type TestConvexOptions = { transactionLimits?: boolean | object };

/** A mutation's ctx inside the stats component: its tables, as its own functions see them. */
export type StatsCtx = GenericMutationCtx<StatsDataModel>;

/**
 * A convex-test backend with the app's schema and modules and every component. Module maps come
 * from the caller, so this works both under Vite (import.meta.glob) and in plain Node (files on disk).
 * `runInStats` runs a body inside a site's component (the blog's by default), to read or seed its tables.
 */
export function buildTestConvex(modules: ModuleMap, components: ComponentSources, options: TestConvexOptions = {}) {
  const t = convexTest({ schema, modules, transactionLimits: options.transactionLimits ?? true });
  for (const name of AGGREGATE_COMPONENTS) t.registerComponent(name, components.aggregate.schema, components.aggregate.modules);
  for (const site of STATS_SITES) components.registerStats(t, site);
  const runInComponent = (t as unknown as { runInComponent: <T>(path: string, body: (ctx: StatsCtx) => Promise<T>) => Promise<T> }).runInComponent;
  return Object.assign(t, {
    runInStats: <T>(body: (ctx: StatsCtx) => Promise<T>, site: string = STATS_COMPONENT): Promise<T> => runInComponent(site, body),
  });
}
