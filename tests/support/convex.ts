/// <reference types="vite/client" />
import aggregateTest from "@convex-dev/aggregate/test";
import batchWorkerTest from "@convex-dev/batch-worker/test";
import rateLimiterTest from "@convex-dev/rate-limiter/test";
import { buildTestConvex, type TestConvexOptions } from "./convexBackend";

export { AGGREGATE_COMPONENTS } from "./convexBackend";

/** Every Convex module of the app, as convex-test loads them. */
export const modules = import.meta.glob("../../convex/**/*.*s");

export type TestConvex = ReturnType<typeof createTestConvex>;

/**
 * A convex-test backend with the schema, every module and every component.
 * Convex's per-transaction limits are enforced unless a test opts out.
 */
export function createTestConvex(options: TestConvexOptions = {}) {
  return buildTestConvex(modules, { aggregate: aggregateTest, batchWorker: batchWorkerTest, rateLimiter: rateLimiterTest }, options);
}
