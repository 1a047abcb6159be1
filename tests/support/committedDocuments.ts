import type { Plugin } from "vite";

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
  return {
    name: "convex-test-committed-documents",
    transform(code, id) {
      if (!/[\\/]convex-test[\\/]dist[\\/]index\.js$/.test(id)) return null;
      if (code.split(before).length !== 2) this.error("convex-test changed: cannot find its return value. Update tests/support/committedDocuments.ts.");
      return { code: code.replace(before, after), map: null };
    },
  };
}
