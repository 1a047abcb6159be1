import { getFunctionName, type FunctionReference } from "convex/server";
import { convexToJson, type Value } from "convex/values";
import type { TestConvex } from "./convex";
import { measure } from "./metrics";
import { conflicts, readsOf, type ReadSet } from "./readSet";
import { observeTransactions, type ObservedTransaction } from "./transactionObserver";
import type { Write } from "./writeSet";

type Listener = () => void;
type Result = { value: unknown } | { error: Error };

type Subscription = {
  name: string;
  query: FunctionReference<"query">;
  args: Record<string, Value>;
  listeners: Set<Listener>;
  result: Result | undefined;
  /** What its last run read (null before the first): a committed write into it re-runs the query. */
  reads: ReadSet | null;
  due: boolean;
};

/** A function's runs (function calls: a query's re-runs, or the dashboard's own mutations) and what they read, in Convex's counters. */
export type QueryRuns = { runs: number; documentsRead: number; bytesRead: number };

/**
 * What `ConvexProvider`'s hooks need of a client (`watchQuery`, `mutation`), over a
 * convex-test backend, re-running a subscribed query the way a Convex
 * deployment does: once a committed write lands in what its last run read (its
 * read set as Convex's concurrency control sees it, recorded by
 * tests/support/recordedReads.ts), and not otherwise. Identical subscriptions
 * (same query, same arguments) share one query, as in Convex's client. Each
 * run is counted with what it read, so a bench can say what holding the
 * subscriptions open costs (function calls and database I/O). Due re-runs
 * happen at `flush()`: a bench calls it after every commit it lets happen.
 */
export class SubscriptionMeter {
  private readonly subscriptions = new Map<string, Subscription>();
  /** Runs so far, by query name (or label: labelOf). */
  readonly runs = new Map<string, QueryRuns>();
  private readonly stopObserving: () => void;

  /** `labelOf`: how a subscription's runs are counted, by default its query's name (a bench may tell questions of one query apart). */
  constructor(
    readonly t: TestConvex,
    private readonly labelOf: (name: string, args: Record<string, Value>) => string = (name) => name,
  ) {
    this.stopObserving = observeTransactions({ transaction: (transaction) => this.invalidate(transaction) });
  }

  /** Stops watching commits. */
  dispose(): void {
    this.stopObserving();
  }

  watchQuery(query: FunctionReference<"query">, args: Record<string, Value> = {}) {
    const name = getFunctionName(query);
    const key = `${name}:${JSON.stringify(convexToJson(args))}`;
    return {
      onUpdate: (listener: Listener) => {
        let subscription = this.subscriptions.get(key);
        if (subscription === undefined) {
          subscription = { name: this.labelOf(name, args), query, args, listeners: new Set(), result: undefined, reads: null, due: true };
          this.subscriptions.set(key, subscription);
        }
        subscription.listeners.add(listener);
        return () => {
          subscription.listeners.delete(listener);
          if (subscription.listeners.size === 0) this.subscriptions.delete(key);
        };
      },
      localQueryResult: () => {
        const result = this.subscriptions.get(key)?.result;
        if (result !== undefined && "error" in result) throw result.error;
        return result?.value;
      },
      journal: () => undefined,
    };
  }

  /** A mutation the dashboard sends itself (its watch lease's renewals): run on the backend and counted, by name, as its queries are. */
  async mutation(mutation: FunctionReference<"mutation">, args: Record<string, Value> = {}): Promise<unknown> {
    const name = getFunctionName(mutation);
    const { result, cost } = await measure(this.t, (ctx) => ctx.runMutation(mutation, args));
    const runs = this.runs.get(name) ?? { runs: 0, documentsRead: 0, bytesRead: 0 };
    this.runs.set(name, { runs: runs.runs + 1, documentsRead: runs.documentsRead + cost.documentsRead, bytesRead: runs.bytesRead + cost.bytesRead });
    return result;
  }

  /** The queries subscribed to now, with their arguments. */
  subscribed(): { name: string; args: Record<string, Value> }[] {
    return [...this.subscriptions.values()].map(({ name, args }) => ({ name, args }));
  }

  /** Runs every subscribed query that is due (new, or whose read set a commit wrote into), until none is; tells listeners of changed results. */
  async flush(): Promise<void> {
    for (;;) {
      const due = [...this.subscriptions.values()].filter((subscription) => subscription.due);
      if (due.length === 0) return;
      for (const subscription of due) await this.run(subscription);
    }
  }

  /** True while some subscribed query waits for `flush()`. */
  anyDue(): boolean {
    return [...this.subscriptions.values()].some((subscription) => subscription.due);
  }

  /** The subscribed queries whose last run failed, with why. */
  failed(): string[] {
    return [...this.subscriptions.values()].flatMap(({ name, result }) => (result !== undefined && "error" in result ? [`${name}: ${result.error.message}`] : []));
  }

  /** Every query's runs added up. */
  total(): QueryRuns {
    const total: QueryRuns = { runs: 0, documentsRead: 0, bytesRead: 0 };
    for (const runs of this.runs.values()) for (const key of Object.keys(total) as (keyof QueryRuns)[]) total[key] += runs[key];
    return total;
  }

  private async run(subscription: Subscription): Promise<void> {
    subscription.due = false;
    let result: Result | undefined;
    let cost = { documentsRead: 0, bytesRead: 0 };
    const reads = await readsOf(this.t, async (ctx) => {
      const before = await ctx.meta.getTransactionMetrics();
      try {
        result = { value: await ctx.runQuery(subscription.query, subscription.args) };
      } catch (error) {
        result = { error: error as Error };
      }
      const after = await ctx.meta.getTransactionMetrics();
      cost = { documentsRead: after.documentsRead.used - before.documentsRead.used, bytesRead: after.bytesRead.used - before.bytesRead.used };
    });
    const runs = this.runs.get(subscription.name) ?? { runs: 0, documentsRead: 0, bytesRead: 0 };
    this.runs.set(subscription.name, { runs: runs.runs + 1, documentsRead: runs.documentsRead + cost.documentsRead, bytesRead: runs.bytesRead + cost.bytesRead });
    subscription.reads = reads;
    const changed = "error" in result! || JSON.stringify(result) !== JSON.stringify(subscription.result);
    subscription.result = result;
    if (changed) for (const listener of [...subscription.listeners]) listener();
  }

  /** A committed mutation makes due every subscription whose last run read something it wrote. */
  private invalidate(transaction: ObservedTransaction): void {
    if (transaction.kind !== "mutation" || transaction.writes.length === 0) return;
    const writes: Write[] = transaction.writes.map(({ component, id, before, after }) => ({
      component,
      table: id.replace(/^\d+/, ""),
      id,
      change: before === null ? "created" : after === null ? "deleted" : "changed",
      docs: [before, after].filter((doc) => doc !== null),
    }));
    for (const subscription of this.subscriptions.values()) {
      if (subscription.reads !== null && conflicts(writes, subscription.reads).length > 0) subscription.due = true;
    }
  }
}
