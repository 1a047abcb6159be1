/// <reference types="vite/client" />
import type { TestConvex } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import batchWorker from "@convex-dev/batch-worker/test";
import schema from "./component/schema.js";

const modules = import.meta.glob("./component/**/*.ts");

/**
 * Registers the component, and the components it mounts, with a convex-test instance, under the
 * name the app mounts it by (convex.config.ts): `register(t)`, `register(t, "docsStats")`.
 */
export function register(t: TestConvex<SchemaDefinition<GenericSchema, boolean>>, name: string = "liveStats") {
  t.registerComponent(name, schema, modules);
  batchWorker.register(t, `${name}/batchWorker`);
}
export default { register, schema, modules };
