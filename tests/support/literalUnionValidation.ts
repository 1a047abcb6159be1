import type { Plugin } from "vite";

/**
 * convex-test checks a value against a union by validating it against each
 * member in turn and catching the Error each mismatch throws. For test runs
 * only, this plugin skips a literal member the value does not equal before
 * trying it, which is what the thrown Error decided anyway: the same values
 * pass and fail, without building an Error (and its stack) per member, once
 * per union field of every document written. It fails loudly if convex-test's
 * code changes.
 */
export function literalUnionValidation(): Plugin {
  const before = `            for (const v of validator.value) {
                try {
                    validateValidator(v, value);`;
  const after = `            for (const v of validator.value) {
                if (v.type === "literal" && v.value !== value) continue;
                try {
                    validateValidator(v, value);`;
  return {
    name: "convex-test-literal-union-validation",
    transform(code, id) {
      if (!/[\\/]convex-test[\\/]dist[\\/]index\.js$/.test(id)) return null;
      if (code.split(before).length !== 2) this.error("convex-test changed: cannot find its union validation. Update tests/support/literalUnionValidation.ts.");
      return { code: code.replace(before, after), map: null };
    },
  };
}
