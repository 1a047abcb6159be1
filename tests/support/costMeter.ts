import { vi } from "vitest";
import type { Crons, GenericSchema, SchemaDefinition } from "convex/server";
import { convexToJson, type Value } from "convex/values";
import aggregateTest from "@convex-dev/aggregate/test";
import batchWorkerTest from "@convex-dev/batch-worker/test";
import appSchema from "../../convex/schema";
import statsCrons from "../../src/component/crons";
import statsSchema from "../../src/component/schema";
import { intervalCrons, type IntervalCron } from "../../tools/local-convex/crons";
import type { TestConvex } from "./convex";
import { AGGREGATE_COMPONENTS, STATS_SITES } from "./convexBackend";
import { sendTrackerCall, type TrackerCall } from "./trackerTraffic";
import { observeTransactions, type ObservedTransaction } from "./transactionObserver";

/**
 * What functions cost in Convex's billed units, summed over every top-level
 * transaction convex-test runs (tests/support/transactionObserver.ts): a
 * visitor's call, a cron run, and every scheduled run they cause in any
 * component. Also moves the fake clock as a deployment's scheduler would, and
 * reads what is stored.
 */

/** Who made a call: a visitor (the tracker's mutations), the cron, or the scheduler (whatever the first two scheduled, and so on). */
export type CallSource = "visitor" | "cron" | "scheduled";

/** Summed over calls: how many, documents and bytes read and written, index ranges, and jobs they scheduled. */
export type CallTotals = {
  calls: number;
  documentsRead: number;
  bytesRead: number;
  documentsWritten: number;
  bytesWritten: number;
  databaseQueries: number;
  functionsScheduled: number;
};

export const zeroTotals = (): CallTotals => ({ calls: 0, documentsRead: 0, bytesRead: 0, documentsWritten: 0, bytesWritten: 0, databaseQueries: 0, functionsScheduled: 0 });

/** `a + b`, counter by counter. */
export function addTotals(a: CallTotals, b: CallTotals): CallTotals {
  const sum = zeroTotals();
  for (const key of Object.keys(sum) as (keyof CallTotals)[]) sum[key] = a[key] + b[key];
  return sum;
}

/** `a - b`, counter by counter (what happened between two readings). */
export function subtractTotals(a: CallTotals, b: CallTotals): CallTotals {
  const difference = zeroTotals();
  for (const key of Object.keys(difference) as (keyof CallTotals)[]) difference[key] = a[key] - b[key];
  return difference;
}

/** The meter's sums at one moment, to subtract from a later reading; `writesByTable`: documents committed, by tableOfWrite. */
export type MeterReading = { bySource: Record<CallSource, CallTotals>; byFunction: Map<string, CallTotals>; writesByTable: Map<string, number> };

/** What was spent over a stretch: by source, in all, by function (largest database I/O first), and documents written by table (most first). */
export type Flow = { bySource: Record<CallSource, CallTotals>; total: CallTotals; byFunction: [string, CallTotals][]; writesByTable: [string, number][] };

/** convex-test's ids end in their table's name. */
const tableOfId = (id: string) => id.replace(/^\d+/, "");

/** Where a committed write went: "component/table", a time bucket also by its scope's group ("liveStats/timeBuckets: page"). */
function tableOfWrite({ component, id, before, after }: ObservedTransaction["writes"][number]): string {
  const table = `${component}/${tableOfId(id)}`;
  const group = ((after ?? before) as { group?: string } | null)?.group;
  return table.endsWith("/timeBuckets") && group !== undefined ? `${table}: ${group}` : table;
}

const io = (totals: CallTotals) => totals.bytesRead + totals.bytesWritten;

/** A function's name as the results print it: `liveStats/batchWorker/loop:loop`, the app's without a prefix. */
const functionName = ({ componentPath, udfPath }: Pick<ObservedTransaction, "componentPath" | "udfPath">) =>
  componentPath === "" ? udfPath : `${componentPath}/${udfPath}`;

/**
 * Sums every function call's counters by source and by function until disposed, and drives the
 * fake clock and the traffic (`runUntil`, `replay`). A rolled-back mutation counts its reads (they
 * happened) but not its writes (undone).
 */
export class CostMeter {
  readonly bySource: Record<CallSource, CallTotals> = { visitor: zeroTotals(), cron: zeroTotals(), scheduled: zeroTotals() };
  readonly byFunction = new Map<string, CallTotals>();
  readonly writesByTable = new Map<string, number>();
  /** Due times of scheduled jobs not yet reached by the clock, ascending. */
  private readonly due: number[] = [];
  private source: Exclude<CallSource, "scheduled"> | null = null;
  /** When each cron job runs next (see `replay`). */
  private readonly cronDue = new Map<IntervalCron, number>();
  private readonly stopObserving: () => void;

  constructor(readonly t: TestConvex) {
    this.stopObserving = observeTransactions({
      transaction: (transaction) => this.count(transaction),
      scheduled: (dueAt) => this.due.splice(sortedIndex(this.due, dueAt), 0, dueAt),
    });
  }

  /** Stops counting. */
  dispose(): void {
    this.stopObserving();
  }

  /** The sums so far. */
  reading(): MeterReading {
    return {
      bySource: structuredClone(this.bySource),
      byFunction: new Map([...this.byFunction.entries()].map(([name, totals]) => [name, { ...totals }])),
      writesByTable: new Map(this.writesByTable),
    };
  }

  /** What was spent since `earlier` (since the meter started without it). */
  since(earlier?: MeterReading): Flow {
    const minus = (totals: CallTotals, before?: CallTotals) => (before === undefined ? { ...totals } : subtractTotals(totals, before));
    const sources = Object.keys(this.bySource) as CallSource[];
    const bySource = Object.fromEntries(sources.map((source) => [source, minus(this.bySource[source], earlier?.bySource[source])])) as Record<CallSource, CallTotals>;
    const byFunction = [...this.byFunction.entries()]
      .map(([name, totals]): [string, CallTotals] => [name, minus(totals, earlier?.byFunction.get(name))])
      .filter(([, totals]) => totals.calls > 0)
      .sort((a, b) => io(b[1]) - io(a[1]));
    const writesByTable = [...this.writesByTable.entries()]
      .map(([table, count]): [string, number] => [table, count - (earlier?.writesByTable.get(table) ?? 0)])
      .filter(([, count]) => count > 0)
      .sort((a, b) => b[1] - a[1]);
    return { bySource, total: Object.values(bySource).reduce(addTotals, zeroTotals()), byFunction, writesByTable };
  }

  /** Runs `call` (a visitor's mutation, a cron run), counting the transactions it runs itself under `source`. */
  async as<T>(source: Exclude<CallSource, "scheduled">, call: () => Promise<T>): Promise<T> {
    this.source = source;
    try {
      return await call();
    } finally {
      this.source = null;
    }
  }

  /**
   * Moves the fake clock to `time` as a deployment's scheduler would: every
   * scheduled job runs at its due time, and what it schedules at its own (the
   * clock stops at each due time and lets the jobs due then finish, so a job
   * scheduled 200 ms ahead runs 200 ms after the one that scheduled it, not at
   * the end of a longer jump). `afterStep` runs at each stop, once its jobs
   * have finished (e.g. to re-run the subscriptions they invalidated). Needs fake timers.
   */
  async runUntil(time: number, afterStep?: () => Promise<void>): Promise<void> {
    if (time < Date.now()) throw new Error(`runUntil(${time}): the clock is already at ${Date.now()}`);
    for (;;) {
      await this.t.finishInProgressScheduledFunctions();
      await afterStep?.();
      const next = this.due[0];
      const stop = next !== undefined && next <= time ? Math.max(next, Date.now()) : time;
      vi.advanceTimersByTime(stop - Date.now());
      while (this.due.length > 0 && this.due[0] <= stop) this.due.shift();
      if (stop === time && (next === undefined || next > time)) break;
    }
    await this.t.finishInProgressScheduledFunctions();
    await afterStep?.();
  }

  /**
   * Makes the tracker's calls at their times and runs each cron job at its cadence (the first one period after
   * the meter's first replay, then on that beat across replays), until `until`, moving the clock as `runUntil`
   * does. Returns how many views counted and how many heartbeats were sent.
   */
  async replay(calls: readonly TrackerCall[], options: { crons: readonly IntervalCron[]; until: number; afterStep?: () => Promise<void> }): Promise<{ views: number; heartbeats: number }> {
    const { crons, until, afterStep } = options;
    for (const cron of crons) if (!this.cronDue.has(cron)) this.cronDue.set(cron, Date.now() + cron.everyMs);
    const sent = { views: 0, heartbeats: 0 };
    let next = 0;
    for (;;) {
      const cron = crons.reduce<IntervalCron | undefined>((soonest, each) => (soonest === undefined || this.cronDue.get(each)! < this.cronDue.get(soonest)! ? each : soonest), undefined);
      const cronAt = cron === undefined ? Infinity : this.cronDue.get(cron)!;
      const callAt = next < calls.length ? calls[next].at : Infinity;
      const at = Math.min(cronAt, callAt);
      if (at > until) break;
      await this.runUntil(at, afterStep);
      if (cron !== undefined && cronAt <= callAt) {
        await this.as("cron", () => runCron(this.t, cron));
        this.cronDue.set(cron, cronAt + cron.everyMs);
      } else {
        const call = calls[next++];
        if (await this.as("visitor", () => sendTrackerCall(this.t, call))) sent.views++;
        if (call.kind === "heartbeat") sent.heartbeats++;
      }
      await afterStep?.();
    }
    await this.runUntil(until, afterStep);
    return sent;
  }

  private count(transaction: ObservedTransaction): void {
    // The test's own bodies (t.run) and convex-test's bookkeeping of job states are no function calls of the deployment.
    if (transaction.udfPath === "custom") return;
    const source: CallSource | null = transaction.scheduled ? "scheduled" : this.source;
    if (source === null) throw new Error(`${functionName(transaction)} ran outside any metered call`);
    const { counters, committed, kind } = transaction;
    const wrote = committed || kind === "query";
    const totals: CallTotals = {
      calls: 1,
      documentsRead: counters.documentsRead,
      bytesRead: counters.bytesRead,
      documentsWritten: wrote ? counters.documentsWritten : 0,
      bytesWritten: wrote ? counters.bytesWritten : 0,
      databaseQueries: counters.databaseQueries,
      functionsScheduled: wrote ? counters.functionsScheduled : 0,
    };
    this.bySource[source] = addTotals(this.bySource[source], totals);
    const name = functionName(transaction);
    this.byFunction.set(name, addTotals(this.byFunction.get(name) ?? zeroTotals(), totals));
    for (const write of committed ? transaction.writes : []) {
      const table = tableOfWrite(write);
      this.writesByTable.set(table, (this.writesByTable.get(table) ?? 0) + 1);
    }
  }
}

function sortedIndex(sorted: number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

// ---------------------------------------------------------------------------------------------
// Crons

/** The cron jobs of one site: its stats component's own crons.ts (the app has none). */
export function siteCrons(site: string): IntervalCron[] {
  return intervalCrons(statsCrons as Crons, site);
}

/** Runs one cron job now, as Convex's cron scheduler does: the function itself, at the top level, in its component. */
export async function runCron(t: TestConvex, cron: IntervalCron): Promise<void> {
  const byPath = t as unknown as { mutationFromPath(path: { componentPath: string; udfPath: string }, args: unknown): Promise<unknown> };
  await byPath.mutationFromPath({ componentPath: cron.componentPath, udfPath: cron.udfPath }, cron.args);
}

// ---------------------------------------------------------------------------------------------
// Storage

type AnySchema = SchemaDefinition<GenericSchema, boolean>;

/** The schema of the component at `componentPath` (see convexBackend.ts's COMPONENT_PATHS); a new component must be added here. */
function schemaOf(componentPath: string): AnySchema {
  if (componentPath === "") return appSchema as unknown as AnySchema;
  if ((AGGREGATE_COMPONENTS as readonly string[]).includes(componentPath)) return aggregateTest.schema as AnySchema;
  if ((STATS_SITES as readonly string[]).includes(componentPath)) return statsSchema as unknown as AnySchema;
  if (componentPath.endsWith("/batchWorker")) return batchWorkerTest.schema as AnySchema;
  throw new Error(`tests/support/costMeter.ts does not know the schema of component "${componentPath}"`);
}

/** Indexes a document of `table` is an entry in, its table's own (database, search and vector indexes). */
export function indexesPerDocument(componentPath: string, table: string): number {
  const definition = schemaOf(componentPath).tables[table];
  if (definition === undefined) return 0;
  // export() is what convex-test and the CLI read a table's indexes from (internal in the types).
  type Exported = { indexes: unknown[]; searchIndexes?: unknown[]; vectorIndexes?: unknown[] };
  const { indexes, searchIndexes, vectorIndexes } = (definition as unknown as { export(): Exported }).export();
  return indexes.length + (searchIndexes?.length ?? 0) + (vectorIndexes?.length ?? 0);
}

/** Convex keeps every table in two indexes of its own, by_id and by_creation_time, besides those its schema defines. */
export const SYSTEM_INDEXES_PER_DOCUMENT = 2;

/** What one table stores: its documents, their JSON's UTF-8 bytes (system fields included), and its documents' entries in the schema's indexes. */
export type TableStorage = { component: string; table: string; documents: number; jsonBytes: number; indexEntries: number };

/** What tests/support/committedDocuments.ts adds to a convex-test backend. */
type WithDocuments = { committedDocuments(): Record<string, Record<string, Record<string, Value>>> };

/** A document's size as JSON (system fields included), in UTF-8 bytes. */
export const documentJsonBytes = (document: Record<string, Value>) => Buffer.byteLength(JSON.stringify(convexToJson(document)));

/**
 * Every table with documents, in the app and in every component, system tables (`_scheduled_functions`)
 * included, as committed now. convex-test's ids end in their table's name.
 */
export function storedTables(t: TestConvex): TableStorage[] {
  const tables = new Map<string, TableStorage>();
  for (const [component, documents] of Object.entries((t as unknown as WithDocuments).committedDocuments())) {
    for (const [id, document] of Object.entries(documents)) {
      const table = tableOfId(id);
      const key = `${component}|${table}`;
      let stored = tables.get(key);
      if (stored === undefined) {
        stored = { component, table, documents: 0, jsonBytes: 0, indexEntries: 0 };
        tables.set(key, stored);
      }
      stored.documents++;
      stored.jsonBytes += documentJsonBytes(document);
      stored.indexEntries += table.startsWith("_") ? 0 : indexesPerDocument(component, table);
    }
  }
  return [...tables.values()].sort((a, b) => b.jsonBytes - a.jsonBytes);
}

/** The documents of one table as committed now (to break a table's bytes down, e.g. time buckets by level). */
export function committedRows(t: TestConvex, component: string, table: string): Record<string, Value>[] {
  const documents = (t as unknown as WithDocuments).committedDocuments()[component] ?? {};
  return Object.entries(documents)
    .filter(([id]) => tableOfId(id) === table)
    .map(([, document]) => document);
}
