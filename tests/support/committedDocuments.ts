import type { Plugin } from "vite";
import { convexTestPatch } from "./convexTestPatch";

/**
 * convex-test keeps each component's committed documents in a private
 * in-memory database. For tests only, this plugin adds one read-only accessor
 * to the object `convexTest()` returns, `committedDocuments()`, so a test can
 * see exactly which documents a call wrote in any component (the write set
 * Convex's optimistic concurrency checks; tests/support/writeSet.ts). It
 * fails loudly if convex-test's code changes.
 */
export function committedDocuments(): Plugin {
  const before = `    return {
        ...testAccessor(new AuthFake(), DEFAULT_REQUEST_OPTIONS),
        registerComponent,
    };`;
  const after = `    return {
        ...testAccessor(new AuthFake(), DEFAULT_REQUEST_OPTIONS),
        registerComponent,
        committedDocuments: () => Object.fromEntries(Object.entries(convexGlobal.components).map(([path, component]) => [path, component.db._documents])),
    };`;
  return convexTestPatch("convex-test-committed-documents", "tests/support/committedDocuments.ts", [[before, after]]);
}
