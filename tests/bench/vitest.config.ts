import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { closedQueries } from "../support/closedQueries.ts";
import { committedDocuments } from "../support/committedDocuments.ts";
import { indexedTableScans } from "../support/indexedTableScans.ts";
import { literalUnionValidation } from "../support/literalUnionValidation.ts";
import { recordedReads } from "../support/recordedReads.ts";
import { observedTransactions } from "../support/transactionObserver.ts";

// `npm run bench`: prints (and saves to results.md) what each stats call costs as the tables grow, and (cost.bench.ts,
// dashboardCost.bench.ts) what a page view and an open dashboard cost a site in all.
// Kept out of `npm test` (vite.config.ts): it takes about twenty minutes (2-core machine) and asserts little.
// observedTransactions lets those two sum every function's counters; closedQueries keeps their hours of fake traffic in memory (see the files).
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  plugins: [indexedTableScans(), committedDocuments(), recordedReads(), literalUnionValidation(), observedTransactions(), closedQueries()],
  test: {
    name: "bench",
    include: ["tests/bench/**/*.bench.ts"],
    // Plain Node: twice as fast as edge-runtime here, and the figures (Convex's own counters) are the same.
    environment: "node",
    server: { deps: { inline: ["convex-test"] } },
    testTimeout: 60 * 60 * 1000,
  },
});
