import type { Plugin } from "vite";

/**
 * convex-test answers every query by scanning every document of every table
 * in its in-memory database (`Object.keys(this._documents).filter(...)`), so a
 * query costs O(all documents) and seeding or backfilling tens of thousands of
 * rows is quadratic: 10,000 views took 180 s to backfill, 30,000 would take
 * over 20 minutes. This plugin, for test runs only, keeps the ids of each
 * table's committed documents in a Set next to `_documents` and scans that
 * instead. The documents a query sees are exactly the same (they are then
 * filtered and sorted as before), and Convex's transaction metrics are
 * counted elsewhere (per document returned), so every measured figure is
 * unchanged. It fails loudly if convex-test's code changes under it.
 */
export function indexedTableScans(): Plugin {
  const patches: [before: string, after: string][] = [
    [
      "const ids = new Set(Object.keys(this._documents).filter(isInTable));",
      "const ids = new Set(this._idsByTable?.get(tableName));",
    ],
    [
      `                if (write === null) {
                    delete this._documents[_id];
                }
                else {`,
      `                const idTable = tableNameFromId(_id);
                const tableIds = (this._idsByTable ??= new Map()).get(idTable) ?? this._idsByTable.set(idTable, new Set()).get(idTable);
                if (write === null) {
                    tableIds.delete(_id);
                    delete this._documents[_id];
                }
                else {
                    tableIds.add(_id);`,
    ],
  ];
  return {
    name: "convex-test-indexed-table-scans",
    transform(code, id) {
      if (!/[\\/]convex-test[\\/]dist[\\/]index\.js$/.test(id)) return null;
      for (const [before, after] of patches) {
        if (code.split(before).length !== 2) {
          this.error(`convex-test changed: cannot find the code to patch (${before.split("\n")[0].trim()}). Update tests/support/indexedTableScans.ts.`);
        }
        code = code.replace(before, after);
      }
      return { code, map: null };
    },
  };
}
