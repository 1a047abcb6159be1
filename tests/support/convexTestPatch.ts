import type { Plugin } from "vite";

/** One edit to convex-test's code: text found exactly once, and what replaces it. */
export type Patch = [before: string, after: string];

/**
 * A Vite plugin that edits convex-test's bundled code (for test runs only), the way each
 * tests/support plugin needs. Each `before` must occur exactly once, else the build fails
 * naming `owner`, the file to update: a convex-test upgrade never silently skips a patch.
 */
export function convexTestPatch(name: string, owner: string, patches: Patch[]): Plugin {
  return {
    name,
    transform(code, id) {
      if (!/[\\/]convex-test[\\/]dist[\\/]index\.js$/.test(id)) return null;
      for (const [before, after] of patches) {
        if (code.split(before).length !== 2) {
          this.error(`convex-test changed: cannot find the code to patch (${before.trim().split("\n")[0]}). Update ${owner}.`);
        }
        code = code.replace(before, after);
      }
      return { code, map: null };
    },
  };
}
