import type { Plugin } from "vite";
import { convexTestPatch } from "./convexTestPatch";

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
  return convexTestPatch("convex-test-literal-union-validation", "tests/support/literalUnionValidation.ts", [[before, after]]);
}
