import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { committedDocuments } from "../support/committedDocuments.ts";
import { indexedTableScans } from "../support/indexedTableScans.ts";
import { literalUnionValidation } from "../support/literalUnionValidation.ts";
import { recordedReads } from "../support/recordedReads.ts";

// `npm run bench`: prints (and saves to results.md) what each stats call costs as the tables grow.
// Kept out of `npm test` (vite.config.ts): it takes about a quarter of an hour (2-core machine) and asserts little.
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  plugins: [indexedTableScans(), committedDocuments(), recordedReads(), literalUnionValidation()],
  test: {
    name: "bench",
    include: ["tests/bench/**/*.bench.ts"],
    // Plain Node: twice as fast as edge-runtime here, and the figures (Convex's own counters) are the same.
    environment: "node",
    server: { deps: { inline: ["convex-test"] } },
    testTimeout: 60 * 60 * 1000,
  },
});
