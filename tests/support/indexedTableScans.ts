import type { Plugin } from "vite";

/**
 * convex-test answers every query by scanning every document of every table
 * in its in-memory database, so a query costs O(all documents) and seeding
 * or backfilling tens of thousands of rows is quadratic: 10,000 views took
 * 180 s to backfill, 30,000 would take over 20 minutes.
 *
 * For test runs only, this plugin keeps, next to convex-test's documents, the
 * ids of each table's committed documents and, for each prefix of the fields of
 * each schema index, the ids per value of that prefix. A query scans the ids
 * of its table, or of its index's leading equalities when it has some, plus the pending
 * writes, instead of everything; the documents are then filtered and sorted
 * exactly as before, so every query returns what it did. Convex's
 * transaction metrics are counted per document returned, elsewhere, so every
 * measured figure is unchanged. It fails loudly if convex-test's code changes.
 */
export function indexedTableScans(): Plugin {
  return {
    name: "convex-test-indexed-table-scans",
    transform(code, id) {
      if (!/[\\/]convex-test[\\/]dist[\\/]index\.js$/.test(id)) return null;
      for (const [before, after] of PATCHES) {
        if (code.split(before).length !== 2) {
          this.error(`convex-test changed: cannot find the code to patch (${before.trim().split("\n")[0]}). Update tests/support/indexedTableScans.ts.`);
        }
        code = code.replace(before, after);
      }
      return { code, map: null };
    },
  };
}

const PATCHES: [before: string, after: string][] = [
  // A helper: the index's leading fields the range fixes with equalities, in index order.
  [
    `function evaluateRangeFilter(document, expr) {`,
    `function leadingEqualities(range, fields) {
    const equalities = [];
    for (const [i, filter] of range.entries()) {
        if (filter.type !== "Eq" || filter.fieldPath !== fields[i]) break;
        equalities.push(filter);
    }
    return equalities;
}
function evaluateRangeFilter(document, expr) {`,
  ],
  // DatabaseFake.commit: index each document as it lands in (or leaves) the committed set.
  [
    `                if (write === null) {
                    delete this._documents[_id];
                }
                else {
                    this._documents[_id] =
                        commitTs === null ? write : resolveCommittedValues(write, commitTs);
                }`,
    `                const committedBefore = this._documents[_id] ?? null;
                if (write === null) {
                    delete this._documents[_id];
                }
                else {
                    this._documents[_id] =
                        commitTs === null ? write : resolveCommittedValues(write, commitTs);
                }
                this._indexCommitted(_id, committedBefore, this._documents[_id] ?? null);`,
  ],
  // DatabaseFake._iterateDocs: start from the table's (or the equality value's) committed ids.
  [
    `    _iterateDocs(tableName, callback) {
        const isInTable = (id) => tableNameFromId(id) === tableName;
        const ids = new Set(Object.keys(this._documents).filter(isInTable));`,
    `    _indexCommitted(id, oldDoc, newDoc) {
        const table = tableNameFromId(id);
        const setIn = (map, key, asMap = false) => map.get(key) ?? map.set(key, asMap ? new Map() : new Set()).get(key);
        const tableIds = setIn((this._idsByTable ??= new Map()), table);
        if (newDoc === null) tableIds.delete(id);
        else tableIds.add(id);
        for (const { fields } of this._schema?.tables.get(table)?.indexes ?? []) {
            for (let length = 1; length <= fields.length; length++) {
                const prefix = fields.slice(0, length);
                const byValue = setIn((this._idsByValue ??= new Map()), table + "\\u0000" + prefix.join("\\u0000"), true);
                const oldKey = oldDoc === null ? undefined : this._valuesKey(prefix.map((field) => evaluateFieldPath(field, oldDoc)));
                const newKey = newDoc === null ? undefined : this._valuesKey(prefix.map((field) => evaluateFieldPath(field, newDoc)));
                if (oldKey !== undefined) byValue.get(oldKey)?.delete(id);
                if (newKey !== undefined) setIn(byValue, newKey).add(id);
            }
        }
    }
    _valuesKey(values) {
        const keys = values.map((value) => this._valueKey(value));
        return keys.includes(undefined) ? undefined : JSON.stringify(keys);
    }
    // Equal keys for values that compare equal; undefined for values not worth indexing (the query then scans the table).
    _valueKey(value) {
        if (value === null) return "null";
        switch (typeof value) {
            case "string": return "s" + value;
            case "number": return "n" + String(value);
            case "bigint": return "i" + String(value);
            case "boolean": return "b" + String(value);
            default: return undefined;
        }
    }
    _committedIds(tableName, eqFilters) {
        if (eqFilters !== undefined && eqFilters.length > 0) {
            const byValue = this._idsByValue?.get(tableName + "\\u0000" + eqFilters.map((filter) => filter.fieldPath).join("\\u0000"));
            const key = this._valuesKey(eqFilters.map((filter) => evaluateQueryValue(filter.value)));
            if (byValue !== undefined && key !== undefined) return byValue.get(key) ?? [];
        }
        return this._idsByTable?.get(tableName) ?? [];
    }
    _iterateDocs(tableName, callback, eqFilters) {
        const isInTable = (id) => tableNameFromId(id) === tableName;
        const ids = new Set(this._committedIds(tableName, eqFilters));`,
  ],
  // The index-range query: pass its leading equality, if any, so only those ids are scanned.
  [
    `                validateIndexRangeExpression(source, fields);
                this._iterateDocs(tableName, (doc) => {
                    if (source.range.every((filter) => evaluateRangeFilter(doc, filter))) {
                        results.push(doc);
                    }
                });`,
    `                validateIndexRangeExpression(source, fields);
                this._iterateDocs(tableName, (doc) => {
                    if (source.range.every((filter) => evaluateRangeFilter(doc, filter))) {
                        results.push(doc);
                    }
                }, leadingEqualities(source.range, fields));`,
  ],
];
