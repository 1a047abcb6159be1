/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import aggregateTest from "@convex-dev/aggregate/test";
import schema from "../../convex/schema";

/** Every Convex module of the app, as convex-test loads them. */
export const modules = import.meta.glob("../../convex/**/*.*s");

/** The aggregate components the app installs, by the names in convex/convex.config.ts. */
export const AGGREGATE_COMPONENTS = [
  "pageViewsByPath",
  "uniqueVisitors",
  "distinctPaths",
  "activeSessions",
  "posts",
  "pages",
] as const;

export type TestConvex = ReturnType<typeof createTestConvex>;

/**
 * A convex-test backend with the schema, every module and every component.
 * Convex's per-transaction limits are enforced unless a test opts out.
 */
export function createTestConvex(options: { transactionLimits?: boolean | object } = {}) {
  const t = convexTest({ schema, modules, transactionLimits: options.transactionLimits ?? true });
  for (const name of AGGREGATE_COMPONENTS) aggregateTest.register(t, name);
  return t;
}
