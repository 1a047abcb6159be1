import { AsyncLocalStorage } from "node:async_hooks";
import { compareValues, jsonToConvex, type Value } from "convex/values";

/**
 * Index ranges read as an index would, for the emulator. convex-test answers
 * every query by walking every document of every table (and sorting what
 * matches), so each read costs as much as the whole database: the stats
 * worker, which reads hundreds of time-bucket ranges per batch, took minutes to
 * fold a month of a small site's visits, ever slower as they piled up. This
 * keeps, per database (the app's and each component's), the committed ids of
 * each table and, for each index a query has used, its committed documents in
 * index order, and likewise the documents each open transaction level has
 * written; a query then offers convex-test only the documents inside its index
 * range (found by binary search) in either, rather than the whole database.
 *
 * convex-test still does everything else itself (it re-checks the range on
 * each document's latest version, applies filters, sorts, pages), so results
 * are exactly what they were as long as the candidates include every match:
 * the range's documents, by the same `compareValues` order convex-test sorts
 * with. LOCAL_CONVEX_CHECK_INDEXES=1 checks that on every query.
 */

type Doc = Record<string, unknown> & { _id: string; _creationTime: number };
/** One transaction level's pending writes, by id (null: deleted). */
type Writes = Record<string, Doc | null>;
type RangeExpression = { type: "Eq" | "Gt" | "Gte" | "Lt" | "Lte"; fieldPath: string; value: unknown };
type QuerySource = { type: string; indexName?: string; range?: RangeExpression[] };

/** The parts of convex-test's DatabaseFake this relies on (not exported, so reached through an instance). */
type DatabaseFake = {
  _documents: Record<string, Doc>;
  _writes: Writes[];
  _schema: { tables: Map<string, { indexes: { indexDescriptor: string; fields: string[] }[] }> } | null;
  get(tableName: string, id: string): Doc | null;
  commit(commitTs: bigint | null): void;
  _addWrite(id: string, value: Doc | null): void;
  _iterateDocs(tableName: string, callback: (doc: Doc) => void): void;
  _resolveQuerySource(query: { source: QuerySource }): unknown;
};

/**
 * Documents of one table in one index's order (its fields, then _creationTime and _id, as
 * convex-test sorts). `unordered`: pending documents with a value no order is known for yet
 * (a commit timestamp to come), offered to every query.
 */
type SortedIndex = { table: string; fields: string[]; docs: Doc[]; unordered: Map<string, Doc> };

type State = {
  /** Committed ids by table. */
  tables: Map<string, Set<string>>;
  /** "table.index" → its committed documents in order, for each index queried so far. */
  indexes: Map<string, SortedIndex>;
  /** The source of the query being resolved, while convex-test walks its table. */
  source: QuerySource | undefined;
};

const states = new WeakMap<DatabaseFake, State>();
/** A transaction level's pending ids by table (a level is one object in `_writes`, for as long as it lives). */
const pendingByLevel = new WeakMap<Writes, Map<string, Set<string>>>();
/** A transaction level's pending documents in the order of each index queried while it was open. */
const overlays = new WeakMap<Writes, Map<string, SortedIndex>>();

const ID_PREFIX = /^[0-9]+/;
/** The table of a convex-test id (its digits, then the table name). */
function tableOf(id: string): string | null {
  const digits = ID_PREFIX.exec(id)?.[0];
  return digits === undefined || digits.length === id.length ? null : id.slice(digits.length);
}

function stateOf(db: DatabaseFake): State {
  let state = states.get(db);
  if (state === undefined) {
    state = { tables: new Map(), indexes: new Map(), source: undefined };
    for (const id of Object.keys(db._documents)) {
      const table = tableOf(id);
      if (table !== null) idsOf(state.tables, table).add(id);
    }
    states.set(db, state);
  }
  return state;
}

function idsOf(tables: Map<string, Set<string>>, table: string): Set<string> {
  let ids = tables.get(table);
  if (ids === undefined) tables.set(table, (ids = new Set()));
  return ids;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;

function fieldOf(doc: Doc, fieldPath: string): unknown {
  let value: unknown = doc;
  for (const part of fieldPath.split(".")) value = isPlainObject(value) ? value[part] : undefined;
  return value;
}

/** A value `compareValues` orders as convex-test will: not a commit timestamp still to be assigned. */
function isOrdered(value: unknown): boolean {
  if (value === null || value === undefined || value instanceof ArrayBuffer) return true;
  if (Array.isArray(value)) return value.every(isOrdered);
  if (typeof value === "object") return isPlainObject(value) && Object.values(value).every(isOrdered);
  return true;
}

/** Compares the document's first `key.length` index fields with `key`. */
function comparePrefix(doc: Doc, fields: string[], key: unknown[]): number {
  for (let i = 0; i < key.length; i++) {
    const order = compareValues(fieldOf(doc, fields[i]) as Value, key[i] as Value);
    if (order !== 0) return order;
  }
  return 0;
}

const keyOf = (index: SortedIndex, doc: Doc) => index.fields.map((field) => fieldOf(doc, field));

/** The first position whose document is not `before` the key. */
function firstNotBefore(index: SortedIndex, before: (doc: Doc) => boolean): number {
  let low = 0;
  let high = index.docs.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (before(index.docs[mid])) low = mid + 1;
    else high = mid;
  }
  return low;
}

function positionOf(index: SortedIndex, key: unknown[]): number {
  return firstNotBefore(index, (other) => comparePrefix(other, index.fields, key) < 0);
}

function addTo(index: SortedIndex, doc: Doc): void {
  const key = keyOf(index, doc);
  if (!isOrdered(key)) index.unordered.set(doc._id, doc);
  else index.docs.splice(positionOf(index, key), 0, doc);
}

function removeFrom(index: SortedIndex, doc: Doc): void {
  if (index.unordered.delete(doc._id)) return;
  const key = keyOf(index, doc);
  for (let at = positionOf(index, key); at < index.docs.length && comparePrefix(index.docs[at], index.fields, key) === 0; at++) {
    if (index.docs[at]._id === doc._id) {
      index.docs.splice(at, 1);
      return;
    }
  }
  throw new Error(`indexQueries: ${doc._id} is not where its index key puts it`);
}

function sortedIndex(table: string, fields: string[], docs: Iterable<Doc>): SortedIndex {
  const index: SortedIndex = { table, fields, docs: [], unordered: new Map() };
  for (const doc of docs) {
    if (isOrdered(keyOf(index, doc))) index.docs.push(doc);
    else index.unordered.set(doc._id, doc);
  }
  index.docs.sort((a, b) => comparePrefix(a, fields, keyOf(index, b)));
  return index;
}

function committedIndex(db: DatabaseFake, state: State, table: string, indexName: string): SortedIndex | undefined {
  const name = `${table}.${indexName}`;
  let index = state.indexes.get(name);
  if (index !== undefined) return index;
  const declared = db._schema?.tables.get(table)?.indexes.find(({ indexDescriptor }) => indexDescriptor === indexName);
  if (declared === undefined) return undefined;
  const docs = [...(state.tables.get(table) ?? [])].map((id) => db._documents[id]);
  index = sortedIndex(table, [...declared.fields, "_creationTime", "_id"], docs);
  state.indexes.set(name, index);
  return index;
}

/** The level's pending documents in the index's order, built when first asked for and kept up by its writes. */
function levelIndex(level: Writes, name: string, committed: SortedIndex): SortedIndex {
  let byIndex = overlays.get(level);
  if (byIndex === undefined) overlays.set(level, (byIndex = new Map()));
  let index = byIndex.get(name);
  if (index === undefined) {
    const ids = pendingByLevel.get(level)?.get(committed.table) ?? [];
    const docs = [...ids].map((id) => level[id]).filter((doc): doc is Doc => doc !== null && doc !== undefined);
    index = sortedIndex(committed.table, committed.fields, docs);
    byIndex.set(name, index);
  }
  return index;
}

type Bounds = { eq: unknown[]; lower?: { key: unknown[]; strict: boolean }; upper?: { key: unknown[]; strict: boolean } };

/** A query bound as convex-test evaluates it; null when it is anything but a plain value. */
function boundValue(json: unknown): { value: unknown } | null {
  if (isPlainObject(json) && "$undefined" in json) return { value: undefined };
  try {
    const value = jsonToConvex(json as never);
    return isOrdered(value) ? { value } : null;
  } catch {
    return null;
  }
}

/** The range of an index range expression (equalities on a prefix, then bounds on the next field), or null for any other. */
function boundsOf(fields: string[], range: RangeExpression[]): Bounds | null {
  const bounds: Bounds = { eq: [] };
  for (const expression of range) {
    const bound = boundValue(expression.value);
    if (bound === null || expression.fieldPath !== fields[bounds.eq.length]) return null;
    if (expression.type === "Eq") {
      if (bounds.lower !== undefined || bounds.upper !== undefined) return null;
      bounds.eq.push(bound.value);
    } else if (expression.type === "Gt" || expression.type === "Gte") {
      if (bounds.lower !== undefined) return null;
      bounds.lower = { key: [...bounds.eq, bound.value], strict: expression.type === "Gt" };
    } else if (expression.type === "Lt" || expression.type === "Lte") {
      if (bounds.upper !== undefined) return null;
      bounds.upper = { key: [...bounds.eq, bound.value], strict: expression.type === "Lt" };
    } else {
      return null;
    }
  }
  return bounds;
}

/** The index's documents inside the bounds (and any it cannot order). */
function* inRange(index: SortedIndex, { eq, lower, upper }: Bounds): Generator<Doc> {
  const { fields } = index;
  const from = lower
    ? firstNotBefore(index, (doc) => comparePrefix(doc, fields, lower.key) < (lower.strict ? 1 : 0))
    : firstNotBefore(index, (doc) => comparePrefix(doc, fields, eq) < 0);
  const to = upper
    ? firstNotBefore(index, (doc) => comparePrefix(doc, fields, upper.key) < (upper.strict ? 0 : 1))
    : firstNotBefore(index, (doc) => comparePrefix(doc, fields, eq) <= 0);
  for (let at = from; at < to; at++) yield index.docs[at];
  yield* index.unordered.values();
}

const isPending = (db: DatabaseFake, id: string) => db._writes.some((level) => level[id] !== undefined);

/**
 * Offers `callback` the table's documents a query over `source` may match: its
 * committed ones without a pending write, then the latest version of each
 * pending one. Only those inside the range when the source is an index range.
 */
function offerCandidates(db: DatabaseFake, state: State, table: string, source: QuerySource | undefined, callback: (doc: Doc) => void): void {
  const [sourceTable, indexName] = source?.type === "IndexRange" && source.indexName !== undefined ? source.indexName.split(".") : [];
  const index = sourceTable === table && indexName !== undefined ? committedIndex(db, state, table, indexName) : undefined;
  const bounds = index !== undefined && source?.range !== undefined ? boundsOf(index.fields, source.range) : null;
  const offered = new Set<string>();
  const offerPending = (id: string) => {
    if (offered.has(id)) return;
    offered.add(id);
    const doc = db.get(table, id);
    if (doc !== null) callback(doc);
  };
  if (index !== undefined && bounds !== null) {
    for (const doc of inRange(index, bounds)) if (!isPending(db, doc._id)) callback(doc);
    for (const level of db._writes) {
      if (!pendingByLevel.get(level)?.has(table)) continue;
      for (const doc of inRange(levelIndex(level, `${table}.${indexName}`, index), bounds)) offerPending(doc._id);
    }
    return;
  }
  for (const id of state.tables.get(table) ?? []) if (!isPending(db, id)) callback(db._documents[id]);
  for (const level of db._writes) for (const id of pendingByLevel.get(level)?.get(table) ?? []) offerPending(id);
}

/** LOCAL_CONVEX_CHECK_INDEXES=1: every query is also answered by walking the whole table, and must agree. */
const CHECK = process.env.LOCAL_CONVEX_CHECK_INDEXES === "1";

function install(proto: DatabaseFake): void {
  const { commit, _addWrite, _resolveQuerySource } = proto;

  proto._addWrite = function (this: DatabaseFake, id, value) {
    const level = this._writes[this._writes.length - 1];
    const previous = level?.[id];
    _addWrite.call(this, id, value);
    const table = tableOf(id);
    if (table === null) return;
    let byTable = pendingByLevel.get(level);
    if (byTable === undefined) pendingByLevel.set(level, (byTable = new Map()));
    idsOf(byTable, table).add(id);
    for (const index of overlays.get(level)?.values() ?? []) {
      if (index.table !== table) continue;
      if (previous !== undefined && previous !== null) removeFrom(index, previous);
      if (value !== null) addTo(index, value);
    }
  };

  proto.commit = function (this: DatabaseFake, commitTs) {
    const state = states.get(this);
    const level = this._writes[this._writes.length - 1];
    // Only the outermost commit changes the documents; a nested one merges its writes up a level (through _addWrite).
    if (state === undefined || this._writes.length !== 1 || level === undefined) return commit.call(this, commitTs);
    const ids = Object.keys(level);
    const before = ids.map((id) => this._documents[id]);
    commit.call(this, commitTs);
    ids.forEach((id, i) => {
      const table = tableOf(id);
      if (table === null) return;
      const old = before[i];
      const now = this._documents[id];
      if (now === undefined) idsOf(state.tables, table).delete(id);
      else idsOf(state.tables, table).add(id);
      for (const index of state.indexes.values()) {
        if (index.table !== table) continue;
        if (old !== undefined) removeFrom(index, old);
        if (now !== undefined) addTo(index, now);
      }
    });
  };

  proto._resolveQuerySource = function (this: DatabaseFake, query) {
    const state = stateOf(this);
    const outer = state.source;
    state.source = query.source;
    try {
      const resolved = _resolveQuerySource.call(this, query);
      if (CHECK) {
        state.source = undefined;
        const full = _resolveQuerySource.call(this, query);
        const ids = (result: unknown) => (result as { sortedDocs: Doc[] }).sortedDocs.map((doc) => doc._id).join();
        if (ids(full) !== ids(resolved)) throw new Error(`indexQueries: ${JSON.stringify(query.source)} read other documents than a full scan`);
      }
      return resolved;
    } finally {
      state.source = outer;
    }
  };

  proto._iterateDocs = function (this: DatabaseFake, tableName, callback) {
    const state = stateOf(this);
    offerCandidates(this, state, tableName, state.source, callback);
  };
}

const installed = new WeakSet<object>();

/**
 * Makes the databases of a convex-test instance (and every other one: they share
 * convex-test's class) answer index ranges from sorted indexes. `run` is any call
 * into the instance: convex-test's classes are reached through the store it runs
 * that call in.
 */
export async function indexQueries(run: () => Promise<unknown>): Promise<void> {
  let db: DatabaseFake | undefined;
  const originalRun = AsyncLocalStorage.prototype.run;
  AsyncLocalStorage.prototype.run = function <R, TArgs extends unknown[]>(this: AsyncLocalStorage<unknown>, store: unknown, callback: (...args: TArgs) => R, ...args: TArgs): R {
    const components = isPlainObject(store) ? (store.components as Record<string, { db?: DatabaseFake }> | undefined) : undefined;
    db ??= components?.[""]?.db;
    return originalRun.call(this, store, callback, ...args) as R;
  };
  try {
    await run();
  } finally {
    AsyncLocalStorage.prototype.run = originalRun;
  }
  if (db === undefined) throw new Error("indexQueries: could not reach convex-test's database");
  const proto = Object.getPrototypeOf(db) as DatabaseFake;
  if (installed.has(proto)) return;
  installed.add(proto);
  install(proto);
}
