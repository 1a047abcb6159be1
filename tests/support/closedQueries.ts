import type { Plugin } from "vite";
import { convexTestPatch } from "./convexTestPatch";

/**
 * convex-test keeps the documents a query has not handed out yet until the
 * end of the test, even after the function closed the query (its
 * `queryCleanup` does nothing): every `first()` or `take(n)` on a long range
 * leaves the rest of the range in memory. A bench that runs hundreds of
 * thousands of functions (tests/bench/dashboardCost.bench.ts) runs out of heap.
 * For test runs only, this plugin drops a query's leftovers when it is closed,
 * as Convex does (and the read record tests/support/recordedReads.ts keeps
 * per open query). What a query returns is unchanged. It fails loudly if
 * convex-test's code changes.
 */
export function closedQueries(): Plugin {
  const before = `            case "1.0/queryCleanup": {
                return JSON.stringify({});`;
  const after = `            case "1.0/queryCleanup": {
                delete db._queryResults[args.queryId];
                if (db._recordedQueries) delete db._recordedQueries[args.queryId];
                return JSON.stringify({});`;
  return convexTestPatch("convex-test-closed-queries", "tests/support/closedQueries.ts", [[before, after]]);
}
