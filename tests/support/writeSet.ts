import type { TestConvex } from "./convex";

/** A document some call wrote: which component (""=the app), table and id, how, and its versions before and after. */
export type Write = { component: string; table: string; id: string; change: "created" | "changed" | "deleted"; docs: unknown[] };

/** What tests/support/committedDocuments.ts adds to a convex-test backend. */
type WithDocuments = { committedDocuments(): Record<string, Record<string, unknown>> };

/** Every committed document of the app and of every component (convex-test's ids end in the table name). */
function snapshot(t: TestConvex): Map<string, unknown> {
  const docs = new Map<string, unknown>();
  for (const [component, documents] of Object.entries((t as unknown as WithDocuments).committedDocuments())) {
    for (const [id, doc] of Object.entries(documents)) docs.set(`${component}|${id}`, doc);
  }
  return docs;
}

const sameDocument = (a: unknown, b: unknown) =>
  JSON.stringify(a, (_, v) => (typeof v === "bigint" ? `${v}n` : v)) === JSON.stringify(b, (_, v) => (typeof v === "bigint" ? `${v}n` : v));

/**
 * Runs `call` and returns every document it wrote, in any component: the
 * exact write set Convex's optimistic concurrency checks other transactions'
 * reads against. Runs one call at a time (nothing else may commit meanwhile).
 */
export async function writesOf(t: TestConvex, call: () => Promise<unknown>): Promise<Write[]> {
  const before = snapshot(t);
  await call();
  const after = snapshot(t);
  const writes: Write[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const [was, is] = [before.get(key), after.get(key)];
    if (sameDocument(was, is)) continue;
    const [component, id] = key.split("|");
    const change = was === undefined ? "created" : is === undefined ? "deleted" : "changed";
    writes.push({ component, table: id.replace(/^\d+/, ""), id, change, docs: [was, is].filter((doc) => doc !== undefined) });
  }
  return writes.sort((a, b) => `${a.component}|${a.table}|${a.id}`.localeCompare(`${b.component}|${b.table}|${b.id}`));
}

/** "component/table" names of what was written, e.g. "posts" (the app's), "liveStats/pageViews" or "liveStats/batchWorker/workers". */
export function tablesOf(writes: Write[]): string[] {
  return [...new Set(writes.map((w) => (w.component ? `${w.component}/${w.table}` : w.table)))].sort();
}
