import type { Plugin } from "vite";
import { convexTestPatch, type Patch } from "./convexTestPatch";

/**
 * convex-test answers every query by scanning every document of every table
 * in its in-memory database, so a query costs O(all documents) and seeding
 * or backfilling tens of thousands of rows is quadratic: 10,000 views took
 * 180 s to backfill, 30,000 would take over 20 minutes.
 *
 * For test runs only, this plugin keeps, next to convex-test's documents, the
 * ids of each table's committed documents and, for each prefix of the fields of
 * each schema index, the ids per value of that prefix, sorted in index order
 * on first use (a commit then moves only the documents it changed). It keeps
 * the pending writes of each transaction level by table, and by the equality
 * groups queried at that level, as a transaction's own writes can number in
 * the thousands. A query binary-searches the group of its index's leading
 * equalities for its range, plus the pending writes of that group, instead of
 * everything; the documents are then filtered and sorted exactly as before, so
 * every query returns what it did. Convex's transaction metrics are counted
 * per document returned, elsewhere, so every measured figure is unchanged
 * (`npm run bench` prints the same tables). It fails loudly if convex-test's
 * code changes.
 */
export function indexedTableScans(): Plugin {
  return convexTestPatch("convex-test-indexed-table-scans", "tests/support/indexedTableScans.ts", PATCHES);
}

const PATCHES: Patch[] = [
  // tableNameFromId: memoized (every write and commit asks it for its document's table).
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
  // Helpers: a map's entry, created on first use; the index's leading fields the range fixes with equalities, in index order.
  [
    `function evaluateRangeFilter(document, expr) {`,
    `function entryOf(map, key, create) {
    let value = map.get(key);
    if (value === undefined) map.set(key, (value = create()));
    return value;
}
function leadingEqualities(range, fields) {
    const equalities = [];
    for (const [i, filter] of range.entries()) {
        if (filter.type !== "Eq" || filter.fieldPath !== fields[i]) break;
        equalities.push(filter);
    }
    return equalities;
}
function evaluateRangeFilter(document, expr) {`,
  ],
  // DatabaseFake._addWrite: index each pending write in its transaction level (a nested commit re-adds it one level up).
  [
    `        this._writes[this._writes.length - 1][id] = newValue;`,
    `        this._writes[this._writes.length - 1][id] = newValue;
        this._indexPending(this._writes[this._writes.length - 1], id, newValue);`,
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
  // DatabaseFake._iterateDocs: start from the table's (or the equality group's) committed ids and pending writes.
  [
    `    _iterateDocs(tableName, callback) {
        const isInTable = (id) => tableNameFromId(id) === tableName;
        const ids = new Set(Object.keys(this._documents).filter(isInTable));
        for (let i = 0; i < this._writes.length; i++) {
            for (const id of Object.keys(this._writes[i]).filter(isInTable)) {
                ids.add(id);
            }
        }`,
    `    _indexCommitted(id, oldDoc, newDoc) {
        const table = tableNameFromId(id);
        const tableIds = entryOf((this._idsByTable ??= new Map()), table, () => new Set());
        if (newDoc === null) tableIds.delete(id);
        else tableIds.add(id);
        this._groupChanged(table, id);
        const oldKeys = oldDoc === null ? undefined : this._prefixValuesOf(table, oldDoc);
        const newKeys = newDoc === null ? undefined : this._prefixValuesOf(table, newDoc);
        for (const [i, { key }] of this._indexPrefixes(table).entries()) {
            const byValue = entryOf((this._idsByValue ??= new Map()), key, () => new Map());
            if (oldKeys?.[i] !== undefined) {
                byValue.get(oldKeys[i])?.delete(id);
                this._groupChanged(key + "\\u0000" + oldKeys[i], id);
            }
            if (newKeys?.[i] !== undefined) {
                entryOf(byValue, newKeys[i], () => new Set()).add(id);
                if (newKeys[i] !== oldKeys?.[i]) this._groupChanged(key + "\\u0000" + newKeys[i], id);
            }
        }
    }
    // Tells the group's sorted copies (_sortedGroup) which document changed; past a quarter of a copy, it is re-sorted instead.
    _groupChanged(group, id) {
        for (const sorted of this._sortedByGroup?.get(group) ?? []) {
            if (sorted.docs === undefined) continue;
            sorted.changed.add(id);
            if (sorted.changed.size > sorted.docs.length / 4) {
                sorted.docs = undefined;
                sorted.changed.clear();
            }
        }
    }
    // Each prefix of the fields of each of the table's schema indexes, with its key: the table, then the fields.
    _indexPrefixes(table) {
        return entryOf((this._prefixesByTable ??= new Map()), table, () =>
            (this._schema?.tables.get(table)?.indexes ?? []).flatMap(({ fields }) =>
                fields.map((_, i) => fields.slice(0, i + 1)).map((prefix) => ({ key: table + "\\u0000" + prefix.join("\\u0000"), fields: prefix }))));
    }
    // The document's values of each index prefix (as _valuesKey), in _indexPrefixes order.
    _prefixValuesOf(table, doc) {
        return this._indexPrefixes(table).map(({ fields }) => this._valuesKey(fields.map((field) => evaluateFieldPath(field, doc))));
    }
    // Each transaction level's pending ids by table, and by equality group for the groups a query asked for at that level.
    _pendingOf(writes) {
        return entryOf((this._pendingByLevel ??= new WeakMap()), writes, () => ({ byTable: new Map(), groupsByTable: new Map() }));
    }
    _indexPending(writes, id, doc) {
        const table = tableNameFromId(id);
        const { byTable, groupsByTable } = this._pendingOf(writes);
        entryOf(byTable, table, () => new Set()).add(id);
        for (const group of groupsByTable.get(table)?.values() ?? []) this._addToPendingGroup(group, id, doc);
    }
    _addToPendingGroup(group, id, doc) {
        const values = doc === null ? undefined : this._valuesKey(group.fields.map((field) => evaluateFieldPath(field, doc)));
        if (values !== undefined) entryOf(group.ids, values, () => new Set()).add(id);
    }
    // A level's pending ids that may be in the equality group (a patch may have moved some out: callers filter), else in the table.
    _pendingIds(writes, tableName, eqFilters) {
        const pending = this._pendingByLevel?.get(writes);
        const tableIds = pending?.byTable.get(tableName);
        if (tableIds === undefined) return [];
        if (eqFilters === undefined || eqFilters.length === 0) return tableIds;
        const { prefix, values } = this._equalityGroup(tableName, eqFilters);
        const fields = this._indexPrefixes(tableName).find(({ key }) => key === prefix)?.fields;
        if (values === undefined || fields === undefined) return tableIds;
        const groups = entryOf(pending.groupsByTable, tableName, () => new Map());
        let group = groups.get(prefix);
        if (group === undefined) {
            group = { fields, ids: new Map() };
            groups.set(prefix, group);
            for (const id of tableIds) this._addToPendingGroup(group, id, writes[id]);
        }
        return group.ids.get(values) ?? [];
    }
    // The index prefix a range's leading equalities fix, and their values (as _valuesKey).
    _equalityGroup(tableName, eqFilters) {
        return {
            prefix: tableName + "\\u0000" + eqFilters.map((filter) => filter.fieldPath).join("\\u0000"),
            values: this._valuesKey(eqFilters.map((filter) => evaluateQueryValue(filter.value))),
        };
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
            const { prefix, values } = this._equalityGroup(tableName, eqFilters);
            const byValue = this._idsByValue?.get(prefix);
            if (byValue !== undefined && values !== undefined) return byValue.get(values) ?? [];
        }
        return this._idsByTable?.get(tableName) ?? [];
    }
    // The committed documents of an index's equality group, in index order, kept across commits: those changed since move.
    _sortedGroup(tableName, index, eqFilters) {
        const { prefix, values } = this._equalityGroup(tableName, eqFilters);
        // Only groups the equality maps hold (schema indexes); others take the plain scan.
        if (values === undefined || (eqFilters.length > 0 && !this._idsByValue?.has(prefix))) return undefined;
        // The key _indexCommitted tells changes by: the table for a range with no equality, else the prefix and its values.
        const group = eqFilters.length === 0 ? tableName : prefix + "\\u0000" + values;
        const key = group + "\\u0000" + index.indexName;
        const sorted = entryOf((this._sortedGroups ??= new Map()), key, () => {
            const created = { docs: undefined, changed: new Set() };
            entryOf((this._sortedByGroup ??= new Map()), group, () => []).push(created);
            return created;
        });
        if (sorted.docs !== undefined && sorted.changed.size === 0) return sorted.docs;
        const compare = (a, b) => {
            for (const fp of index.fields) {
                const v = compareValues(evaluateFieldPath(fp, a), evaluateFieldPath(fp, b));
                if (v !== 0) return v;
            }
            return 0;
        };
        if (sorted.docs === undefined) {
            sorted.docs = [...this._committedIds(tableName, eqFilters)].map((id) => this._documents[id]);
            sorted.docs.sort(compare);
            return sorted.docs;
        }
        // A few changes: drop the changed documents, then binary-insert those still in the group.
        const { changed } = sorted;
        const docs = sorted.docs.filter((doc) => !changed.has(doc._id));
        for (const id of changed) {
            const doc = this._documents[id];
            if (doc === undefined || this._valuesKey(eqFilters.map((filter) => evaluateFieldPath(filter.fieldPath, doc))) !== values) continue;
            let [a, b] = [0, docs.length];
            while (a < b) {
                const m = (a + b) >> 1;
                if (compare(docs[m], doc) <= 0) a = m + 1;
                else b = m;
            }
            docs.splice(a, 0, doc);
        }
        changed.clear();
        sorted.docs = docs;
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
        const inRange = index === undefined ? undefined : this._committedIdsInRange(tableName, index, eqFilters ?? [], range);
        const ids = new Set(inRange ?? this._committedIds(tableName, eqFilters));
        for (const writes of this._writes) {
            for (const id of this._pendingIds(writes, tableName, eqFilters)) {
                ids.add(id);
            }
        }`,
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
