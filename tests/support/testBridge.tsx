import type { ReactNode } from "react";
import { ConvexProvider, type ConvexReactClient } from "convex/react";
import { getFunctionName, type FunctionReference } from "convex/server";
import { convexToJson, type Value } from "convex/values";
import { createTestConvex, type TestConvex } from "./convex";

type Listener = () => void;
type WatchState = {
  query: FunctionReference<"query">;
  args: Record<string, Value>;
  listeners: Set<Listener>;
  result: { value: unknown } | { error: Error } | undefined;
  runs: number;
};

/**
 * What ConvexProvider's hooks need of a client (`watchQuery`, `mutation`),
 * served by the real Convex functions in convex-test. Every mutation re-runs
 * the watched queries, as the Convex backend pushes new results, so a test
 * sees the UI follow the data.
 */
export class ConvexTestBridge {
  private readonly watches = new Map<string, WatchState>();
  /** Every mutation the app (or the test) sent, in order. */
  readonly mutations: { name: string; args: Record<string, Value> }[] = [];
  private readonly pending = new Set<Promise<unknown>>();

  constructor(readonly t: TestConvex = createTestConvex()) {}

  watchQuery(query: FunctionReference<"query">, args: Record<string, Value> = {}) {
    const key = `${getFunctionName(query)}:${JSON.stringify(convexToJson(args))}`;
    return {
      onUpdate: (listener: Listener) => {
        let watch = this.watches.get(key);
        if (watch === undefined) {
          watch = { query, args, listeners: new Set(), result: undefined, runs: 0 };
          this.watches.set(key, watch);
          void this.track(this.run(watch));
        }
        watch.listeners.add(listener);
        return () => {
          watch.listeners.delete(listener);
          if (watch.listeners.size === 0) this.watches.delete(key);
        };
      },
      localQueryResult: () => {
        const result = this.watches.get(key)?.result;
        if (result !== undefined && "error" in result) throw result.error;
        return result?.value;
      },
      journal: () => undefined,
    };
  }

  mutation(mutation: FunctionReference<"mutation">, args: Record<string, Value> = {}): Promise<unknown> {
    this.mutations.push({ name: getFunctionName(mutation), args });
    return this.track(
      (async () => {
        try {
          // `as never`: convex-test types its rest args per reference, which a generic reference cannot satisfy.
          return await this.t.mutation(mutation, ...([args] as never));
        } finally {
          await this.refresh();
        }
      })(),
    );
  }

  /** Resolves once no mutation or query run is under way (including ones started meanwhile). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const forget = () => this.pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Mutations the app sent to one function, e.g. "stats:heartbeat". */
  sent(name: string) {
    return this.mutations.filter((m) => m.name === name).map((m) => m.args);
  }

  /** The arguments of the queries the app is subscribed to now, for one function, e.g. "stats:getActiveVisitors". */
  watchedArgs(name: string) {
    return [...this.watches.values()].filter((w) => getFunctionName(w.query) === name).map((w) => w.args);
  }

  /** Re-runs every watched query and notifies the ones whose result changed. */
  async refresh(): Promise<void> {
    await Promise.all([...this.watches.values()].map((watch) => this.run(watch)));
  }

  private async run(watch: WatchState): Promise<void> {
    const run = ++watch.runs;
    let result: WatchState["result"];
    try {
      result = { value: await this.t.query(watch.query, ...([watch.args] as never)) };
    } catch (error) {
      result = { error: error as Error };
    }
    // A slower, older run must not overwrite a newer result.
    if (run !== watch.runs) return;
    const changed = JSON.stringify(result) !== JSON.stringify(watch.result) || "error" in result;
    watch.result = result;
    if (changed) for (const listener of [...watch.listeners]) listener();
  }
}

export function ConvexTestProvider({ bridge, children }: { bridge: ConvexTestBridge; children: ReactNode }) {
  return <ConvexProvider client={bridge as unknown as ConvexReactClient}>{children}</ConvexProvider>;
}
