import { expect, it } from "vitest";
import { measureScript, SCRIPT_GZIP_BUDGET_BYTES } from "../../tools/size/scriptSize";

// The whole tracker for a site without React or Convex (prds/script.md).

it(`script.js is at most ${SCRIPT_GZIP_BUDGET_BYTES} bytes gzip, one IIFE with no imports and nothing of the app in it`, { timeout: 60_000 }, async () => {
  const { gzip, code } = await measureScript();
  expect(gzip).toBeLessThanOrEqual(SCRIPT_GZIP_BUDGET_BYTES);
  expect(code).toMatch(/^\(function\(\)\{[\s\S]*\}\)\(\);\s*$/);
  expect(code).not.toMatch(/\bimport\b|\bexport\b|\brequire\(/);
  expect(code).not.toMatch(/react|convex\/|uplot|StatsPage/i);
});
