import type { Plugin } from "vite";
import { convexTestPatch, type Patch } from "./convexTestPatch";

/**
 * For write-conflict tests only: lets a test record what a transaction read,
 * as Convex's optimistic concurrency sees it, in the app and in every
 * component (whose reads a wrapper around ctx cannot see). While
 * `globalThis.__convexTestReadRecorder` holds an array, convex-test pushes to
 * it each index range a query scanned, cut at the last document the caller
 * consumed when the query stopped early (`first`, `take`, `unique`), and each
 * document read by id. tests/support/readSet.ts turns these into read sets.
 * It fails loudly if convex-test's code changes.
 */
export function recordedReads(): Plugin {
  return convexTestPatch("convex-test-recorded-reads", "tests/support/recordedReads.ts", PATCHES);
}

const PATCHES: Patch[] = [
  // _evaluateQuery: keep the order it sorted in and whether it stops at its limit (a scan that fills its limit reads no further).
  [
    `        const { sortedDocs, filterFn, limit } = this._resolveQuerySource(query);
        let results = sortedDocs.filter(filterFn);
        if (limit !== null) {
            results = results.slice(0, limit);
        }
        return results;`,
    `        const { sortedDocs, filterFn, limit, fieldPathsToSortBy, order } = this._resolveQuerySource(query);
        let results = sortedDocs.filter(filterFn);
        this._lastResolved = { fieldPathsToSortBy, order, cut: limit !== null && results.length >= limit };
        if (limit !== null) {
            results = results.slice(0, limit);
        }
        return results;`,
  ],
  // startQuery: record the query's range; it covers what the caller consumes (all of it once the query ran out).
  [
    `        const results = this._evaluateQuery(query);
        this._queryResults[id] = results;`,
    `        const results = this._evaluateQuery(query);
        this._queryResults[id] = results;
        const recorder = globalThis.__convexTestReadRecorder;
        if (recorder) {
            const { fieldPathsToSortBy, order, cut } = this._lastResolved;
            const source = query.source;
            const table = source.type === "FullTableScan" ? source.tableName : source.indexName.split(".")[0];
            const key = (doc) => fieldPathsToSortBy.map((fp) => evaluateFieldPath(fp, doc));
            const compareKeys = (a, b) => {
                for (let i = 0; i < a.length; i++) {
                    const v = compareValues(a[i], b[i]);
                    if (v !== 0) return order === "asc" ? v : -v;
                }
                return 0;
            };
            const inSource = (doc) => source.type !== "IndexRange" || source.range.every((filter) => evaluateRangeFilter(doc, filter));
            const read = { component: this._componentPath, table, last: null, ranOut: false, canRunOut: !cut };
            read.contains = (doc) =>
                tableNameFromId(doc._id) === table && inSource(doc) && (read.ranOut || (read.last !== null && compareKeys(key(doc), key(read.last)) <= 0));
            recorder.push(read);
            (this._recordedQueries ??= {})[id] = read;
        }`,
  ],
  // queryNext: note the last document handed out, and whether the range ran out.
  [
    `        if (results.length === 0) {
            return { value: null, done: true };
        }
        else {
            return { value: results.shift(), done: false };
        }`,
    `        const read = this._recordedQueries?.[queryId];
        if (results.length === 0) {
            if (read?.canRunOut) read.ranOut = true;
            return { value: null, done: true };
        }
        else {
            const value = results.shift();
            if (read) read.last = value;
            return { value, done: false };
        }`,
  ],
  // db.get: a read of one document.
  [
    `                const { table, id } = args;
                tracker?.trackIndexRange();`,
    `                const { table, id } = args;
                globalThis.__convexTestReadRecorder?.push({ component: db._componentPath, id });
                tracker?.trackIndexRange();`,
  ],
  // paginate is not recorded: refuse it while recording rather than miss its reads.
  [
    `                const { query, cursor, endCursor, pageSize, maximumRowsRead, maximumBytesRead, } = args;`,
    `                const { query, cursor, endCursor, pageSize, maximumRowsRead, maximumBytesRead, } = args;
                if (globalThis.__convexTestReadRecorder) throw new Error("tests/support/recordedReads.ts does not record paginate()");`,
  ],
];
