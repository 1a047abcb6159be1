import type { Plugin } from "vite";

/**
 * convex-test answers every query by scanning every document of every table
 * in its in-memory database, so a query costs O(all documents) and seeding
 * or backfilling tens of thousands of rows is quadratic: 10,000 views took
 * 180 s to backfill, 30,000 would take over 20 minutes.
 *
 * For test runs only, this plugin keeps, next to convex-test's documents, the
 * ids of each table's committed documents and, for each prefix of the fields of
 * each schema index, the ids per value of that prefix, sorted in index order
 * on first use after each commit to the table. A query binary-searches the
 * group of its index's leading equalities for its range, plus the pending
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
  // tableNameFromId: memoized (every query checks the table of every pending write with it).
  [
    `function tableNameFromId(id) {
    const match = id.match(/^[0-9]+/);`,
    `const tableNames = new Map();
function tableNameFromId(id) {
    const known = tableNames.get(id);
    if (known !== undefined) return known;
    const table = parseTableNameFromId(id);
    tableNames.set(id, table);
    return table;
}
function parseTableNameFromId(id) {
    const match = id.match(/^[0-9]+/);`,
  ],
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
        (this._tableVersions ??= new Map()).set(table, (this._tableVersions.get(table) ?? 0) + 1);
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
    // The committed documents of an index's equality group, in index order, kept until a commit changes the table.
    _sortedGroup(tableName, index, eqFilters) {
        const values = this._valuesKey(eqFilters.map((filter) => evaluateQueryValue(filter.value)));
        const prefix = tableName + "\\u0000" + eqFilters.map((filter) => filter.fieldPath).join("\\u0000");
        // Only groups the equality maps hold (schema indexes); others take the plain scan.
        if (values === undefined || (eqFilters.length > 0 && !this._idsByValue?.has(prefix))) return undefined;
        const key = [tableName, index.indexName, eqFilters.length, values].join("\\u0000");
        const version = this._tableVersions?.get(tableName) ?? 0;
        const cached = (this._sortedGroups ??= new Map()).get(key);
        if (cached !== undefined && cached.version === version) return cached.docs;
        const docs = [...this._committedIds(tableName, eqFilters)].map((id) => this._documents[id]);
        docs.sort((a, b) => {
            for (const fp of index.fields) {
                const v = compareValues(evaluateFieldPath(fp, a), evaluateFieldPath(fp, b));
                if (v !== 0) return v;
            }
            return 0;
        });
        this._sortedGroups.set(key, { version, docs });
        return docs;
    }
    // Committed ids of an index range: a binary search of its group on the first field after the equalities.
    _committedIdsInRange(tableName, index, eqFilters, range) {
        const docs = this._sortedGroup(tableName, index, eqFilters);
        if (docs === undefined) return undefined;
        const field = index.fields[eqFilters.length];
        const bounds = range.filter((filter) => filter.fieldPath === field);
        const lower = bounds.filter((filter) => filter.type === "Gt" || filter.type === "Gte");
        const upper = bounds.filter((filter) => filter.type === "Lt" || filter.type === "Lte");
        const firstWhere = (from, ok) => {
            let [a, b] = [from, docs.length];
            while (a < b) {
                const m = (a + b) >> 1;
                if (ok(docs[m])) b = m;
                else a = m + 1;
            }
            return a;
        };
        const lo = firstWhere(0, (doc) => lower.every((filter) => evaluateRangeFilter(doc, filter)));
        const hi = firstWhere(lo, (doc) => !upper.every((filter) => evaluateRangeFilter(doc, filter)));
        return docs.slice(lo, hi).map((doc) => doc._id);
    }
    _iterateDocs(tableName, callback, eqFilters, index, range) {
        const isInTable = (id) => tableNameFromId(id) === tableName;
        const inRange = index === undefined ? undefined : this._committedIdsInRange(tableName, index, eqFilters ?? [], range);
        const ids = new Set(inRange ?? this._committedIds(tableName, eqFilters));`,
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
                }, leadingEqualities(source.range, fields), { indexName, fields }, source.range);`,
  ],
];
