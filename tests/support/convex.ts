/// <reference types="vite/client" />
import aggregateTest from "@convex-dev/aggregate/test";
import { register } from "../../src/test";
import { buildTestConvex, type TestConvexOptions } from "./convexBackend";

export { AGGREGATE_COMPONENTS } from "./convexBackend";

/** Every Convex module of the app, as convex-test loads them. */
export const modules = import.meta.glob("../../convex/**/*.*s");

export type TestConvex = ReturnType<typeof createTestConvex>;

/**
 * A convex-test backend of the whole app: its schema, every module, the content aggregates and both
 * sites' stats components (registered as the package's `register` does). Convex's per-transaction
 * limits are enforced unless a test opts out.
 */
export function createTestConvex(options: TestConvexOptions = {}) {
  return buildTestConvex(modules, { aggregate: aggregateTest, registerStats: register }, options);
}
