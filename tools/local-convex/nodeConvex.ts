import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  AGGREGATE_COMPONENTS,
  BATCH_WORKER_COMPONENT,
  RATE_LIMITER_COMPONENT,
  RATE_LIMITER_WORKER_COMPONENT,
  buildTestConvex,
  type ComponentSource,
  type ModuleMap,
  type TestConvexOptions,
} from "../../tests/support/convexBackend";
import { indexQueries } from "./indexedQueries";

// Plain Node has no import.meta.glob, so the module maps convex-test needs are read from disk.

const CONVEX_DIR = fileURLToPath(new URL("../../convex/", import.meta.url));

/** Every .ts/.js file under `dir` (declaration files excluded), as a lazy import (made once) keyed by absolute path. */
function moduleMapOf(dir: string): ModuleMap {
  const files = fs.readdirSync(dir, { recursive: true, encoding: "utf8" });
  const modules: ModuleMap = {};
  for (const relative of files) {
    if (!/\.(ts|js)$/.test(relative) || relative.endsWith(".d.ts")) continue;
    const file = path.join(dir, relative);
    // convex-test imports a function's module on every call; through tsx's loader even a loaded module's import() is slow.
    let loaded: Promise<unknown> | undefined;
    modules[file] = () => (loaded ??= import(pathToFileURL(file).href));
  }
  return modules;
}

/** A component package's compiled component (the packages export only Vite-only test helpers). */
async function componentOf(packageName: string): Promise<ComponentSource> {
  const packageJson = createRequire(import.meta.url).resolve(`${packageName}/package.json`);
  const componentDir = path.join(path.dirname(packageJson), "dist", "component");
  const { default: schema } = (await import(pathToFileURL(path.join(componentDir, "schema.js")).href)) as {
    default: ComponentSource["schema"];
  };
  return { schema, modules: moduleMapOf(componentDir) };
}

/** The app's modules, keyed the way convex-test finds them (it locates `_generated` among the keys). */
export const convexModules: ModuleMap = moduleMapOf(CONVEX_DIR);

/** The exports of the app module at a Convex module path ("stats", "model/config"), or undefined if none. */
export async function loadConvexModule(modulePath: string): Promise<Record<string, unknown> | undefined> {
  const load = convexModules[path.join(CONVEX_DIR, `${modulePath}.ts`)] ?? convexModules[path.join(CONVEX_DIR, `${modulePath}.js`)];
  return (await load?.()) as Record<string, unknown> | undefined;
}

/**
 * `createTestConvex()` for plain Node: same schema, modules, components and limits, its index
 * ranges read from sorted indexes rather than by walking the whole database (indexedQueries.ts).
 */
export async function createNodeTestConvex(options: TestConvexOptions = {}) {
  const components = {
    aggregate: await componentOf("@convex-dev/aggregate"),
    batchWorker: await componentOf("@convex-dev/batch-worker"),
    rateLimiter: await componentOf("@convex-dev/rate-limiter"),
  };
  const t = buildTestConvex(convexModules, components, options);
  await indexQueries(() => t.run(async () => {}));
  return t;
}

export type NodeTestConvex = Awaited<ReturnType<typeof createNodeTestConvex>>;

/** Where each component's own tables (its `_scheduled_functions` among them) live: the app is "". */
export const COMPONENT_PATHS: readonly string[] = ["", ...AGGREGATE_COMPONENTS, BATCH_WORKER_COMPONENT, RATE_LIMITER_COMPONENT, RATE_LIMITER_WORKER_COMPONENT];

