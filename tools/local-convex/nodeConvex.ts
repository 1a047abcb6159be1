import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildTestConvex, STATS_SITES, type ComponentSource, type ModuleMap, type TestConvexOptions } from "../../tests/support/convexBackend";
import { indexQueries } from "./indexedQueries";

// Plain Node has no import.meta.glob, so the module maps convex-test needs are read from disk.

const CONVEX_DIR = fileURLToPath(new URL("../../convex/", import.meta.url));
const STATS_COMPONENT_DIR = fileURLToPath(new URL("../../src/component/", import.meta.url));

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

/** The stats component's modules: every site (convex/convex.config.ts) runs the same ones, in its own component. */
const statsModules: ModuleMap = moduleMapOf(STATS_COMPONENT_DIR);

async function loadFrom(modules: ModuleMap, dir: string, modulePath: string): Promise<Record<string, unknown> | undefined> {
  const load = modules[path.join(dir, `${modulePath}.ts`)] ?? modules[path.join(dir, `${modulePath}.js`)];
  return (await load?.()) as Record<string, unknown> | undefined;
}

/** The exports of the app module at a Convex module path ("stats", "model/config"), or undefined if none. */
export async function loadConvexModule(modulePath: string): Promise<Record<string, unknown> | undefined> {
  return await loadFrom(convexModules, CONVEX_DIR, modulePath);
}

/**
 * The exports of a module of the component at `componentPath` ("" is the app): for a site's stats component
 * ("liveStats", "docsStats"), one of src/component's. Undefined for a module it does not have, or for a
 * component whose modules the emulator does not call by path (the packages' ones, which only our code calls).
 */
export async function loadComponentModule(componentPath: string, modulePath: string): Promise<Record<string, unknown> | undefined> {
  if (componentPath === "") return await loadConvexModule(modulePath);
  if ((STATS_SITES as readonly string[]).includes(componentPath)) return await loadFrom(statsModules, STATS_COMPONENT_DIR, modulePath);
  return undefined;
}

/**
 * `createTestConvex()` for plain Node: same schema, modules, components and limits, its index
 * ranges read from sorted indexes rather than by walking the whole database (indexedQueries.ts).
 */
export async function createNodeTestConvex(options: TestConvexOptions = {}) {
  const aggregate = await componentOf("@convex-dev/aggregate");
  const batchWorker = await componentOf("@convex-dev/batch-worker");
  const { default: statsSchema } = (await import(pathToFileURL(path.join(STATS_COMPONENT_DIR, "schema.ts")).href)) as { default: ComponentSource["schema"] };
  // What src/test.ts's register does, with the modules read from disk.
  const registerStats: Parameters<typeof buildTestConvex>[1]["registerStats"] = (t, name) => {
    t.registerComponent(name, statsSchema, statsModules);
    t.registerComponent(`${name}/batchWorker`, batchWorker.schema, batchWorker.modules);
  };
  const t = buildTestConvex(convexModules, { aggregate, registerStats }, options);
  await indexQueries(() => t.run(async () => {}));
  return t;
}

export type NodeTestConvex = Awaited<ReturnType<typeof createNodeTestConvex>>;

export { COMPONENT_PATHS, STATS_SITES } from "../../tests/support/convexBackend";

